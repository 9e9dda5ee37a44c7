// The PF command-acceptance pipeline as an XState machine: one command's trip,
// stage by stage. Each stage is a state; its events classify the command; a
// classification either ends the trip in a final state (a rejection, a
// completion, or "out of scope") or moves it to the next stage. Every edge
// records its classification in context (`cmd`), so the final context says
// exactly which command was described.
//
//   queue ─┬─ pfOpcode ── fuse ── psdt ── reserved ── nsid ── vfIndex ── vfState ─┬─ executed*
//          ├─ vfAdminOpcode (D1 / D17)                                           └─ dataTransfer ─┬─ executedSave
//          └─ ioOpcode                                                                           └─ loadData ── executedLoad
import { assign, setup } from 'xstate';
import { classify, type AcceptanceEvent, type CommandClass } from './events.ts';
import { FINAL_NAMES, FINALS, type FinalName } from './finals.ts';

export type Profile = 'lm' | 'no-lm' | 'reserved' | 'foreign';
export type VfQueuePolicy = 'reject' | 'drop';

export interface PfAcceptanceOptions {
  /** D17: what the device does with the five opcodes */
  profile: Profile;
  /** D10: reject nonzero reserved bits and NSID */
  strict: boolean;
  /** D1: an LM opcode on a VF admin queue is rejected, or gets no completion */
  vfQueuePolicy: VfQueuePolicy;
  /** number of enabled VFs (D4) */
  vfs: number;
}

export interface AcceptanceContext {
  options: PfAcceptanceOptions;
  cmd: CommandClass;
}

export const MACHINE_ID = 'pfAcceptance';

/** Profiles whose PF executes the five opcodes as LM commands (D17: `reserved` does, like `lm`). */
function executesLm(profile: Profile): boolean {
  return profile === 'lm' || profile === 'reserved';
}

export const acceptanceSetup = setup({
  types: {
    context: {} as AcceptanceContext,
    events: {} as AcceptanceEvent,
  },
  guards: {
    profileExecutesLm: ({ context }) => executesLm(context.options.profile),
    profileForeign: ({ context }) => context.options.profile === 'foreign',
    vfQueueDrops: ({ context }) => executesLm(context.options.profile) && context.options.vfQueuePolicy === 'drop',
    strict: ({ context }) => context.options.strict,
    vfIndexZero: ({ event }) => event.type === 'VF_INDEX' && event.index === 0,
    vfIndexAbove: ({ context, event }) => event.type === 'VF_INDEX' && event.index > context.options.vfs,
    isQuery: ({ context }) => context.cmd.opcode === 'QUERY',
    isSuspend: ({ context }) => context.cmd.opcode === 'SUSPEND',
    isResume: ({ context }) => context.cmd.opcode === 'RESUME',
    isSave: ({ context }) => context.cmd.opcode === 'SAVE',
  },
  actions: {
    record: assign({
      cmd: ({ context, event }) => ({ ...context.cmd, ...classify(event) }),
    }),
  },
});

export type AcceptanceConfig = Parameters<typeof acceptanceSetup.createMachine>[0];
type Guard = 'profileExecutesLm' | 'profileForeign' | 'vfQueueDrops' | 'strict' | 'vfIndexZero' | 'vfIndexAbove' | 'isQuery' | 'isSuspend' | 'isResume' | 'isSave';
type StageName = 'queue' | 'pfOpcode' | 'vfAdminOpcode' | 'ioOpcode' | 'fuse' | 'psdt' | 'reserved' | 'nsid' | 'vfIndex' | 'vfState' | 'dataTransfer' | 'loadData';
type Target = StageName | FinalName;

interface Edge {
  target: Target;
  guard?: Guard;
  actions: 'record';
}

/** One edge; every edge records its classification. */
function to(target: Target, guard?: Guard): Edge {
  return guard === undefined ? { target, actions: 'record' } : { target, guard, actions: 'record' };
}

/** LM opcode on the VF's own admin queue (D1), or unknown there (D17, profiles without LM). */
const vfQueueLm = (): Edge[] => [to('droppedVfQueue', 'vfQueueDrops'), to('rejectedVfQueue', 'profileExecutesLm'), to('rejectedVfUnknownOpcode')];
/** LM opcode on the PF admin queue: known on lm/reserved, unknown elsewhere (D17). */
const pfLm = (): Edge[] => [to('fuse', 'profileExecutesLm'), to('rejectedUnknownOpcode')];
/** D10: a reserved bit or NSID is rejected under strict, ignored otherwise. */
const strictOr = (rejection: FinalName, next: StageName): Edge[] => [to(rejection, 'strict'), to(next)];
/** D5 with the VF not running: SUSPEND no change, RESUME -> running, QUERY, SAVE/LOAD go on to the transfer. */
const notRunning = (): Edge[] => [
  to('executedSuspendNoChange', 'isSuspend'),
  to('executedResume', 'isResume'),
  to('executedQuery', 'isQuery'),
  to('dataTransfer'),
];

function finalStates(): Record<FinalName, { type: 'final'; description: string; meta: (typeof FINALS)[FinalName] }> {
  const out = {} as Record<FinalName, { type: 'final'; description: string; meta: (typeof FINALS)[FinalName] }>;
  for (const name of FINAL_NAMES) out[name] = { type: 'final', description: FINALS[name].summary, meta: FINALS[name] };
  return out;
}

/**
 * The machine definition as plain data (named guards and actions only), for
 * the given options. Exported so a test can build a deliberately broken copy.
 */
export function acceptanceConfig(options: PfAcceptanceOptions): AcceptanceConfig {
  return {
    id: MACHINE_ID,
    initial: 'queue',
    context: { options, cmd: {} },
    states: {
      queue: {
        description: 'which submission queue the command arrives on',
        on: { QUEUE_PF_ADMIN: to('pfOpcode'), QUEUE_VF_ADMIN: to('vfAdminOpcode'), QUEUE_IO: to('ioOpcode') },
      },
      pfOpcode: {
        description: 'PF admin queue: is the opcode one of the five, known on this profile (D17)?',
        on: {
          OPC_QUERY: [to('fuse', 'profileExecutesLm'), to('executedForeignErase', 'profileForeign'), to('rejectedUnknownOpcode')],
          OPC_SUSPEND: pfLm(),
          OPC_RESUME: pfLm(),
          OPC_SAVE: pfLm(),
          OPC_LOAD: pfLm(),
          OPC_OTHER: to('notLmCommand'),
        },
      },
      vfAdminOpcode: {
        description: 'a VF admin queue: the VF never executes the five (D1, D17)',
        on: {
          OPC_QUERY: vfQueueLm(),
          OPC_SUSPEND: vfQueueLm(),
          OPC_RESUME: vfQueueLm(),
          OPC_SAVE: vfQueueLm(),
          OPC_LOAD: vfQueueLm(),
          OPC_OTHER: to('notLmCommand'),
        },
      },
      ioOpcode: {
        description: 'an I/O queue: the five are admin commands, unknown here',
        on: {
          OPC_QUERY: to('rejectedIoQueue'),
          OPC_SUSPEND: to('rejectedIoQueue'),
          OPC_RESUME: to('rejectedIoQueue'),
          OPC_SAVE: to('rejectedIoQueue'),
          OPC_LOAD: to('rejectedIoQueue'),
          OPC_OTHER: to('notLmCommand'),
        },
      },
      fuse: { description: 'CDW0 9:8 (D9)', on: { FUSE_ZERO: to('psdt'), FUSE_SET: to('rejectedFuse') } },
      psdt: { description: 'CDW0 15:14 (D9)', on: { PSDT_PRP: to('reserved'), PSDT_SGL: to('rejectedPsdt') } },
      reserved: {
        description: 'reserved bits (D10: strict rejects, default ignores)',
        on: {
          RESERVED_NONE: to('nsid'),
          RESERVED_CDW0: strictOr('rejectedReserved', 'nsid'),
          RESERVED_CDW10_HIGH: strictOr('rejectedReserved', 'nsid'),
          RESERVED_CDW12: strictOr('rejectedReserved', 'nsid'),
        },
      },
      nsid: {
        description: 'NSID (D10: strict rejects nonzero, default ignores)',
        on: { NSID_ZERO: to('vfIndex'), NSID_NONZERO: strictOr('rejectedNsid', 'vfIndex') },
      },
      vfIndex: {
        description: 'CDW10 15:0, 1-based (D4)',
        on: { VF_INDEX: [to('rejectedVfIndexZero', 'vfIndexZero'), to('rejectedVfIndexAbove', 'vfIndexAbove'), to('vfState')] },
      },
      vfState: {
        description: 'the target VF\'s LM state (D5)',
        on: {
          VF_RUNNING: [
            to('executedSuspend', 'isSuspend'),
            to('executedResumeNoChange', 'isResume'),
            to('executedQuery', 'isQuery'),
            to('rejectedSequence'),
          ],
          VF_SUSPENDED: notRunning(),
          VF_SAVED: notRunning(),
          VF_LOADED: notRunning(),
        },
      },
      dataTransfer: {
        description: 'SAVE/LOAD: PRP1/PRP2 and the DMA',
        on: {
          PRP_VALID: [to('executedSave', 'isSave'), to('loadData')],
          PRP_ENTRY2_OFFSET: to('rejectedPrpOffset'),
          PRP_LIST_ENTRY_OFFSET: to('rejectedPrpOffset'),
          PRP_UNMAPPED: to('rejectedDataTransfer'),
        },
      },
      loadData: {
        description: 'LOAD data checks, all before any change (D7)',
        on: {
          LOAD_VALID: to('executedLoad'),
          LOAD_SIZE_ZERO: to('rejectedLoadSizeZero'),
          LOAD_SIZE_OVER_BUFFER: to('rejectedLoadSizeOverBuffer'),
          LOAD_SIZE_MISMATCH: to('rejectedLoadSizeMismatch'),
          LOAD_BAD_MAGIC: to('rejectedLoadMagic'),
          LOAD_BAD_VERSION: to('rejectedLoadVersion'),
          LOAD_BAD_CHECKSUM: to('rejectedLoadChecksum'),
          LOAD_BAD_GEOMETRY: to('rejectedLoadGeometry'),
        },
      },
      ...finalStates(),
    },
  };
}
