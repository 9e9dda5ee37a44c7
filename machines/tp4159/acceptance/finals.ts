// Every way one tp4159 management command can end, as a table: the machine's
// final states are built from it (their `meta` is the row), so the status a
// tester checks and the diagram's label come from one place.
import type { AnyMachineSnapshot } from 'xstate';
import type { NvmeStatus } from '../../acceptance/status.ts';
import { TP_STATUS, type TpDecision, type TpStatusName } from '../status.ts';

type TpFinalKind = 'rejected' | 'executed' | 'outOfScope';
/**
 * What the command changes. I3/I9/I11 require 'none' for every rejection
 * (a failed Set State also discards accumulated parts: D26's restart, which
 * is no change of the VF).
 */
export type TpChange =
  | 'none'
  /** the named VF's suspension (Suspend after its drain, Resume) */
  | 'vfSuspension'
  /** the named VF's queues and registers, all at once (Set State) */
  | 'vfState'
  /** a Set State part kept for the last one; the VF itself unchanged */
  | 'partsAccumulated'
  | 'cdqCreated'
  | 'cdqDeleted'
  /** the CDQ's migratable controller starts or stops logging (entries per D29) */
  | 'logging'
  | 'cdqHead'
  | 'unspecified';

export interface TpFinalMeta {
  kind: TpFinalKind;
  status?: NvmeStatus & { name: TpStatusName };
  decision: TpDecision | 'none';
  changes: TpChange;
  /** Get State: CQE DW0 CSUP is the VF's suspension at the time (D24) */
  dw0?: 'csup' | 'cdqid';
  summary: string;
}

const reject = (name: TpStatusName, decision: TpDecision, summary: string): TpFinalMeta => ({
  kind: 'rejected',
  status: { name, ...TP_STATUS[name] },
  decision,
  changes: 'none',
  summary,
});

const execute = (decision: TpDecision, changes: TpChange, summary: string, dw0?: 'csup' | 'cdqid'): TpFinalMeta => ({
  kind: 'executed',
  status: { name: 'SUCCESS', ...TP_STATUS.SUCCESS },
  decision,
  changes,
  ...(dw0 === undefined ? {} : { dw0 }),
  summary,
});

export const TP_FINALS = {
  // queue and opcode (D19)
  rejectedVfQueue: reject('INVALID_OPCODE', 'D19', 'a management opcode (3Dh, 3Eh, 41h, 42h, 45h) on a VF admin queue: Invalid Command Opcode, nothing changes'),
  rejectedVfFeature: reject('INVALID_FIELD', 'D19', 'Set/Get Features FID 21h on a VF admin queue: the VF has no controller data queues (HMLMS = 0)'),
  notManagementCommand: { kind: 'outOfScope', decision: 'none', changes: 'unspecified', summary: 'not a management command: outside this machine\'s scope' },
  rejectedTrackReceive: reject('INVALID_FIELD', 'D29', 'Track Receive where memory tracking is not offered (THMCS = 0)'),
  // SEL and the command's own fields
  rejectedSel: reject('INVALID_FIELD', 'NVMe', 'SEL names no operation of this opcode'),
  rejectedTrackMemory: reject('INVALID_FIELD', 'D29', 'Track Send SEL 1 (Track Memory Changes) where THMCS = 0'),
  rejectedStype: reject('INVALID_FIELD', 'D22', 'Suspend with STYPE other than 0 or 1'),
  rejectedSeqindUnsupported: reject('INVALID_FIELD', 'D26', 'Set State SEQIND 0, 1 or 2 on a controller that takes only SEQIND 3'),
  rejectedLact: reject('INVALID_FIELD', 'D29', 'Track Send LACT > 1'),
  rejectedQt: reject('INVALID_FIELD', 'D28', 'Create CDQ with QT other than 0 (UDMQ)'),
  rejectedCdqSize: reject('INVALID_FIELD', 'D28', 'Create CDQ with CDQSIZE below two entries'),
  rejectedPc: reject('INVALID_FIELD', 'D28', 'Create CDQ with PC = 0 where non-contiguous queues are not supported'),
  // the target
  rejectedCntlid: reject('INVALID_CONTROLLER_ID', 'D20', 'CNTLID names no online VF of this PF (the PF itself, an unknown id, an offline VF): nothing changes'),
  rejectedCqs: reject('INVALID_CONTROLLER_ID', 'D28', 'Create CDQ whose CQS names no migratable controller'),
  rejectedCdqid: reject('INVALID_CDQ', 'D28', 'the CDQID names no controller data queue'),
  // the target's state
  rejectedResumeActive: reject('CONTROLLER_NOT_SUSPENDED', 'D23', 'Resume of an active VF'),
  rejectedSetNotSuspended: reject('CONTROLLER_NOT_SUSPENDED', 'D26', 'Set State on a VF that is not suspended'),
  rejectedSetHasQueues: reject('INVALID_FIELD', 'D26', 'Set State on a VF that has I/O queues'),
  rejectedTrackSuspended: reject('CONTROLLER_SUSPENDED', 'D29', 'Track Send while the CDQ\'s migratable controller is suspended'),
  rejectedNotEnoughResources: reject('NOT_ENOUGH_RESOURCES', 'D28', 'Create CDQ past MCUDMQ user data migration queues for that controller'),
  // CSVI / CSUUIDI
  rejectedGetCsvi: reject('INVALID_FIELD', 'D24', 'Get State with a CSVI the controller does not list'),
  rejectedGetCsuuidi: reject('INVALID_FIELD', 'D24', 'Get State with CSUUIDI naming no listed vendor format'),
  rejectedSetCsvi: reject('INVALID_FIELD', 'D26', 'Set State with a CSVI the controller does not list'),
  rejectedSetCsuuidi: reject('INVALID_FIELD', 'D26', 'Set State with CSUUIDI naming no listed vendor format'),
  rejectedSetSequence: reject('INVALID_FIELD', 'D26', 'a part out of order, or a new first before a last: the accumulation restarts'),
  // data
  rejectedGetOffset: reject('INVALID_FIELD', 'D24', 'Get State offset not dword aligned, or at or past the end of the state'),
  rejectedHead: reject('INVALID_FIELD', 'NVMe', 'Set Features 21h with a head pointer past the queue\'s entries'),
  rejectedShortTransfer: reject('INVALID_FIELD', 'D27', 'Set State data shorter than 48 + NVMECSS x 4 bytes'),
  rejectedStateData: reject('INVALID_FIELD', 'D26', 'Set State data fails a D26 check (VER, NVMECSS, VSS or vendor section, QID, CQID, QSIZE, PC, HEAD/TAIL): the VF exactly as it was'),
  // executed
  executedSuspend: execute('D22', 'vfSuspension', 'Suspend: the VF stops fetching; completes once the commands it fetched complete; suspended'),
  executedSuspendNoChange: execute('D22', 'none', 'Suspend of a suspended VF: success, no change'),
  executedSuspendNotice: execute('D22', 'none', 'Suspend STYPE 0 (a notice): success, no change'),
  executedResume: execute('D23', 'vfSuspension', 'Resume: active, and every SQ whose tail differs from its head is fetched, the admin SQ included'),
  executedGetState: execute('D24', 'none', 'Get State in any state: CQE DW0 CSUP and CSATTR bit 0 say whether the VF is suspended', 'csup'),
  executedSetState: execute('D26', 'vfState', 'Set State (SEQIND 3, or the last part): every field applied at once (a longer transfer\'s excess ignored, D27)'),
  executedSetPart: execute('D26', 'partsAccumulated', 'Set State SEQIND 1 or 0: the part is kept at its offset for the last; the VF unchanged'),
  executedTrackSend: execute('D29', 'logging', 'Track Send SEL 0: LACT 1 starts logging (ESA 1), LACT 0 stops (ESA 2); already so: nothing posted'),
  executedCreateCdq: execute('D28', 'cdqCreated', 'Create CDQ: a user data migration queue for the VF CQS names; DW0 = CDQID', 'cdqid'),
  executedDeleteCdq: execute('D28', 'cdqDeleted', 'Delete CDQ'),
  executedSetFeaturesCdq: execute('D31', 'cdqHead', 'Set Features 21h: the host\'s head (slots released) and the tail-pointer trigger'),
  executedGetFeaturesCdq: execute('D31', 'none', 'Get Features 21h: HP and TPT returned'),
} satisfies Record<string, TpFinalMeta>;

export type TpFinalName = keyof typeof TP_FINALS;
export const TP_FINAL_NAMES = Object.keys(TP_FINALS) as TpFinalName[];

function isTpFinalName(v: unknown): v is TpFinalName {
  return typeof v === 'string' && Object.hasOwn(TP_FINALS, v);
}

/** The meta of the final state a snapshot is in, read from the snapshot's own machine; undefined between stages. */
export function tpReachedFinal(snapshot: AnyMachineSnapshot): { name: TpFinalName; meta: TpFinalMeta } | undefined {
  const value: unknown = snapshot.value;
  if (snapshot.status !== 'done' || !isTpFinalName(value)) return undefined;
  const meta = (snapshot.getMeta() as Record<string, TpFinalMeta | undefined>)[`${snapshot.machine.id}.${value}`];
  if (meta === undefined) throw new Error(`final state ${value} carries no meta: build its node from the TP_FINALS table`);
  return { name: value, meta };
}
