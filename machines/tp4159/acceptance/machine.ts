// The tp4159 management command path as an XState machine: one command's
// trip, stage by stage (D19-D29). Each stage is a state; its events classify
// the command; a classification ends the trip in a final state (a rejection
// with its status and decision, an execution, or "out of scope") or moves it
// on. Every edge records its classification in context (`cmd`).
//
// The order of checks (the first failing one decides the status):
//   1. the queue (D19): on a VF admin queue the five management opcodes are
//      Invalid Command Opcode, DNR, and Features FID 21h is Invalid Field;
//   2. the opcode and its SEL: a SEL naming no operation is Invalid Field;
//      Track Receive and Track Send SEL 1 without memory tracking (D29);
//   3. the command's own fields: Suspend's STYPE (D22), Set State's SEQIND
//      where only SEQIND 3 is taken (D26), Track Send's LACT (D29), Create's
//      QT, CDQSIZE and PC (D28);
//   4. the target: the CNTLID names an online VF of this PF, never the PF
//      (D20: 1/1Fh); a Create's CQS likewise (D28: 1/1Fh); a CDQID names a
//      queue (1/37h);
//   5. the target's state: Resume of an active VF and Set State of a VF not
//      suspended (1/3Ah, D23, D26); Set State over I/O queues (Invalid Field,
//      D26); Track Send with its controller suspended (1/39h, D29); a Create
//      past MCUDMQ (1/38h, D28). Get State takes any state (D24);
//   6. CSVI and CSUUIDI (Get: D24; Set: D26), then Set State's part sequence
//      (D26: out of order, or a new first before a last, restarts);
//   7. the data: Get State's offset (D24); Set Features' head; Set State's
//      length (D27) and content (D26), checked on the whole state (SEQIND 3,
//      or the last part; a first or middle part is kept unchecked).
//
//   queue ─┬─ vfOpcode (D19)
//          └─ pfOpcode ─┬─ msSel ─┬─ stype ── cntlid ── vfState ─ executed
//                       │         ├─ cntlid ── vfState ─ executed / 3Ah
//                       │         └─ seqind ── cntlid ── vfState ── setQueues ── setCsvi ── setSequence ── setData
//                       ├─ mrSel ── cntlid ── vfState ── getCsvi ── getOffset
//                       ├─ tsSel ── lact ── cdqid ── trackState
//                       ├─ cdqSel ─┬─ qt ── cdqSize ── pc ── cqs ── udmqs
//                       │          └─ cdqid
//                       └─ (Set/Get Features 21h) cdqid ── head
import { assign, setup } from 'xstate';
import { tpClassify, type TpAcceptanceEvent, type TpCommandClass } from './events.ts';
import { TP_FINAL_NAMES, TP_FINALS, type TpFinalMeta, type TpFinalName } from './finals.ts';

export interface TpAcceptanceOptions {
  /** CNS 20h lists the project's vendor state UUID (D25), so CSUUIDI may name it */
  vendorState: boolean;
  /** D26: Set State in parts, or SEQIND 3 only */
  seqind: 'parts' | 'whole-only';
  /** D28: Create CDQ with PC = 0 (a PRP list) supported */
  nonContiguousCdq: boolean;
}

export interface TpAcceptanceContext {
  options: TpAcceptanceOptions;
  cmd: TpCommandClass;
}

export const TP_ACCEPTANCE_MACHINE_ID = 'tp4159Acceptance';

const op = (name: string) => ({ context }: { context: TpAcceptanceContext }) => context.cmd.operation === name;

const GUARDS = {
  isSuspend: op('suspend'),
  isNotice: op('notice'),
  isResume: op('resume'),
  isSetState: op('setState'),
  isDeleteCdq: op('deleteCdq'),
  isSetFeatures: op('setFeatures'),
  isGetFeatures: op('getFeatures'),
  wholeOnly: ({ context }: { context: TpAcceptanceContext }) => context.options.seqind === 'whole-only',
  acceptsParts: ({ context }: { context: TpAcceptanceContext }) => context.options.seqind === 'parts',
  vendorState: ({ context }: { context: TpAcceptanceContext }) => context.options.vendorState,
  nonContiguous: ({ context }: { context: TpAcceptanceContext }) => context.options.nonContiguousCdq,
  partNotLast: ({ context }: { context: TpAcceptanceContext }) => context.cmd.seqind === 'first' || context.cmd.seqind === 'middle',
};

export const tpAcceptanceSetup = setup({
  types: { context: {} as TpAcceptanceContext, events: {} as TpAcceptanceEvent },
  guards: GUARDS,
  actions: {
    record: assign({ cmd: ({ context, event }) => ({ ...context.cmd, ...tpClassify(event) }) }),
  },
});

export type TpAcceptanceConfig = Parameters<typeof tpAcceptanceSetup.createMachine>[0];
type Guard = keyof typeof GUARDS;
type Stage =
  | 'queue' | 'vfOpcode' | 'pfOpcode' | 'msSel' | 'mrSel' | 'tsSel' | 'cdqSel' | 'stype' | 'seqind' | 'lact' | 'qt' | 'cdqSize' | 'pc'
  | 'cntlid' | 'cqs' | 'cdqid' | 'vfState' | 'setQueues' | 'trackState' | 'udmqs' | 'getCsvi' | 'setCsvi' | 'setSequence' | 'getOffset' | 'head' | 'setData';
type Target = Stage | TpFinalName;

interface Edge {
  target: Target;
  guard?: Guard;
  actions: 'record';
}

function to(target: Target, guard?: Guard): Edge {
  return guard === undefined ? { target, actions: 'record' } : { target, guard, actions: 'record' };
}

const vfManagement = (): Edge => to('rejectedVfQueue');
const each = (names: readonly string[], edge: Edge | Edge[]): Record<string, Edge | Edge[]> => Object.fromEntries(names.map((n) => [n, edge]));
const DATA_DEFECTS = [
  'DATA_VER_NONZERO',
  'DATA_NVMECSS_ZERO',
  'DATA_LENGTH_DISAGREES',
  'DATA_VSS_WITHOUT_SECTION',
  'DATA_QID_OUT_OF_RANGE_OR_DUPLICATE',
  'DATA_CQID_NOT_IN_STATE',
  'DATA_QSIZE_OVER_MQES',
  'DATA_PC_ZERO_UNSUPPORTED',
  'DATA_HEAD_OR_TAIL_OVER_SIZE',
] as const;

function finalStates(): Record<TpFinalName, { type: 'final'; description: string; meta: TpFinalMeta }> {
  const out = {} as Record<TpFinalName, { type: 'final'; description: string; meta: TpFinalMeta }>;
  for (const name of TP_FINAL_NAMES) out[name] = { type: 'final', description: TP_FINALS[name].summary, meta: TP_FINALS[name] };
  return out;
}

/** The definition as plain data (named guards and actions only); exported so a test can build a broken copy. */
export function tpAcceptanceConfig(options: TpAcceptanceOptions): TpAcceptanceConfig {
  const states = {
    queue: { description: 'which admin queue the command arrives on (D19)', on: { QUEUE_PF_ADMIN: to('pfOpcode'), QUEUE_VF_ADMIN: to('vfOpcode') } },
    vfOpcode: {
      description: 'a VF admin queue: no management command (D19)',
      on: {
        ...each(['OPC_TRACK_SEND', 'OPC_TRACK_RECEIVE', 'OPC_MIGRATION_SEND', 'OPC_MIGRATION_RECEIVE', 'OPC_CDQ'], vfManagement()),
        OPC_SET_FEATURES_CDQ: to('rejectedVfFeature'),
        OPC_GET_FEATURES_CDQ: to('rejectedVfFeature'),
        OPC_OTHER: to('notManagementCommand'),
      },
    },
    pfOpcode: {
      description: 'the PF admin queue: the opcode',
      on: {
        OPC_TRACK_SEND: to('tsSel'),
        OPC_TRACK_RECEIVE: to('rejectedTrackReceive'),
        OPC_MIGRATION_SEND: to('msSel'),
        OPC_MIGRATION_RECEIVE: to('mrSel'),
        OPC_CDQ: to('cdqSel'),
        OPC_SET_FEATURES_CDQ: to('cdqid'),
        OPC_GET_FEATURES_CDQ: to('cdqid'),
        OPC_OTHER: to('notManagementCommand'),
      },
    },
    msSel: { description: 'Migration Send SEL', on: { SEL_SUSPEND: to('stype'), SEL_RESUME: to('cntlid'), SEL_SET_STATE: to('seqind'), SEL_RESERVED: to('rejectedSel') } },
    mrSel: { description: 'Migration Receive SEL', on: { SEL_GET_STATE: to('cntlid'), SEL_RESERVED: to('rejectedSel') } },
    tsSel: { description: 'Track Send SEL', on: { SEL_LOG_USER_DATA: to('lact'), SEL_TRACK_MEMORY: to('rejectedTrackMemory'), SEL_RESERVED: to('rejectedSel') } },
    cdqSel: { description: 'Controller Data Queue SEL', on: { SEL_CREATE: to('qt'), SEL_DELETE: to('cdqid'), SEL_RESERVED: to('rejectedSel') } },
    stype: { description: 'Suspend STYPE (D22)', on: { STYPE_SUSPEND: to('cntlid'), STYPE_NOTICE: to('cntlid'), STYPE_RESERVED: to('rejectedStype') } },
    seqind: {
      description: 'Set State MOS SEQIND (D26)',
      on: {
        SEQIND_WHOLE: to('cntlid'),
        ...each(['SEQIND_FIRST', 'SEQIND_MIDDLE', 'SEQIND_LAST'], [to('rejectedSeqindUnsupported', 'wholeOnly'), to('cntlid')]),
      },
    },
    lact: { description: 'Track Send LACT (D29)', on: { LACT_START: to('cdqid'), LACT_STOP: to('cdqid'), LACT_RESERVED: to('rejectedLact') } },
    qt: { description: 'Create CDQ QT (D28)', on: { QT_UDMQ: to('cdqSize'), QT_RESERVED: to('rejectedQt') } },
    cdqSize: { description: 'Create CDQ CDQSIZE (D28)', on: { CDQSIZE_OK: to('pc'), CDQSIZE_BELOW_TWO_ENTRIES: to('rejectedCdqSize') } },
    pc: { description: 'Create CDQ PC (D28)', on: { PC_CONTIGUOUS: to('cqs'), PC_PRP_LIST: [to('cqs', 'nonContiguous'), to('rejectedPc')] } },
    cntlid: {
      description: 'CDW11 CNTLID: an online VF of this PF (D20)',
      on: { CNTLID_VF: to('vfState'), ...each(['CNTLID_PF', 'CNTLID_UNKNOWN', 'CNTLID_OFFLINE_VF'], to('rejectedCntlid')) },
    },
    cqs: {
      description: 'Create CDQ CQS: a migratable controller (D28)',
      on: { CNTLID_VF: to('udmqs'), ...each(['CNTLID_PF', 'CNTLID_UNKNOWN', 'CNTLID_OFFLINE_VF'], to('rejectedCqs')) },
    },
    cdqid: {
      description: 'the CDQID names a queue (D28, D29)',
      on: {
        CDQID_KNOWN: [to('executedDeleteCdq', 'isDeleteCdq'), to('head', 'isSetFeatures'), to('executedGetFeaturesCdq', 'isGetFeatures'), to('trackState')],
        CDQID_UNKNOWN: to('rejectedCdqid'),
      },
    },
    vfState: {
      description: 'the named VF\'s suspension',
      on: {
        VF_ACTIVE: [
          to('executedSuspend', 'isSuspend'),
          to('executedSuspendNotice', 'isNotice'),
          to('rejectedResumeActive', 'isResume'),
          to('rejectedSetNotSuspended', 'isSetState'),
          to('getCsvi'),
        ],
        VF_SUSPENDED: [
          to('executedSuspendNoChange', 'isSuspend'),
          to('executedSuspendNotice', 'isNotice'),
          to('executedResume', 'isResume'),
          to('setQueues', 'isSetState'),
          to('getCsvi'),
        ],
      },
    },
    setQueues: { description: 'Set State: the VF has no I/O queues (D26)', on: { VF_NO_IO_QUEUES: to('setCsvi'), VF_HAS_IO_QUEUES: to('rejectedSetHasQueues') } },
    trackState: {
      description: 'Track Send: the CDQ\'s migratable controller is not suspended (D29)',
      on: { VF_ACTIVE: to('executedTrackSend'), VF_SUSPENDED: to('rejectedTrackSuspended') },
    },
    udmqs: { description: 'Create CDQ: MCUDMQ per controller (D28)', on: { UDMQS_BELOW_LIMIT: to('executedCreateCdq'), UDMQS_AT_LIMIT: to('rejectedNotEnoughResources') } },
    getCsvi: {
      description: 'Get State CSVI and CSUUIDI (D24)',
      on: {
        CSVI_HEADER_ONLY: to('getOffset'),
        CSVI_NVME_STATE: to('getOffset'),
        CSVI_UNLISTED: to('rejectedGetCsvi'),
        CSUUIDI_VENDOR: [to('getOffset', 'vendorState'), to('rejectedGetCsuuidi')],
        CSUUIDI_UNLISTED: to('rejectedGetCsuuidi'),
      },
    },
    setCsvi: {
      description: 'Set State CSVI and CSUUIDI (D26)',
      on: {
        CSVI_NVME_STATE: to('setSequence'),
        CSVI_UNLISTED: to('rejectedSetCsvi'),
        CSUUIDI_VENDOR: [to('setSequence', 'vendorState'), to('rejectedSetCsuuidi')],
        CSUUIDI_UNLISTED: to('rejectedSetCsuuidi'),
      },
    },
    setSequence: {
      description: 'Set State: the part follows the accumulated ones (D26)',
      on: {
        PARTS_IN_ORDER: [to('executedSetPart', 'partNotLast'), to('setData')],
        PART_OUT_OF_ORDER: to('rejectedSetSequence', 'acceptsParts'),
      },
    },
    getOffset: {
      description: 'Get State offset (D24)',
      on: { OFFSET_VALID: to('executedGetState'), OFFSET_UNALIGNED: to('rejectedGetOffset'), OFFSET_PAST_END: to('rejectedGetOffset') },
    },
    head: { description: 'Set Features 21h head pointer', on: { HP_VALID: to('executedSetFeaturesCdq'), HP_BEYOND_QUEUE: to('rejectedHead') } },
    setData: {
      description: 'Set State: the whole state\'s length (D27) and content (D26), before any change',
      on: {
        DATA_VALID: to('executedSetState'),
        DATA_LONGER_BY_A_DWORD: to('executedSetState'),
        DATA_SHORTER_THAN_HEADER_SAYS: to('rejectedShortTransfer'),
        DATA_VENDOR_SECTION_BAD: [to('rejectedStateData', 'vendorState')],
        ...each(DATA_DEFECTS, to('rejectedStateData')),
      },
    },
  } satisfies Record<Stage, unknown>;
  return { id: TP_ACCEPTANCE_MACHINE_ID, initial: 'queue', context: { options, cmd: {} }, states: { ...states, ...finalStates() } } as TpAcceptanceConfig;
}
