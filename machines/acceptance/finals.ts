// Every way one command can end, as a table. The machine's final states are
// built from it (their `meta` is the row), and expectedOutcome reads it, so
// the status a tester checks and the diagram's label come from one place.
import type { AnyMachineSnapshot } from 'xstate';
import type { LmState } from './events.ts';
import {
  rejected,
  SC_COMMAND_SEQUENCE_ERROR,
  SC_DATA_TRANSFER_ERROR,
  SC_INVALID_FIELD,
  SC_INVALID_OPCODE,
  SC_PRP_OFFSET_INVALID,
  SUCCESS,
  type NvmeStatus,
} from './status.ts';

type FinalKind = 'rejected' | 'dropped' | 'executed' | 'outOfScope';
/** What the command changed: I3 requires 'none' for every rejection. */
type Change = 'none' | 'vfLmState' | 'namespaceErased' | 'unspecified';

export interface FinalMeta {
  kind: FinalKind;
  /** 'one' completion carrying `status`; 'none' only for D1 drop; 'unspecified' outside this machine's scope */
  completion: 'one' | 'none' | 'unspecified';
  status?: NvmeStatus;
  /** the spec rule that decides this end: D1..D18, or 'NVMe' for a base-specification rule */
  decision: string;
  changes: Change;
  /** executed with changes 'vfLmState': the VF's LM state afterwards (D5) */
  leadsTo?: LmState;
  /** QUERY: DW0 is the byte count a SAVE would write now (D5, D8) */
  dw0?: 'migrationDataSize';
  summary: string;
}

const reject = (sc: number, decision: string, summary: string): FinalMeta => ({
  kind: 'rejected',
  completion: 'one',
  status: rejected(sc),
  decision,
  changes: 'none',
  summary,
});

const execute = (decision: string, changes: Change, summary: string, leadsTo?: LmState): FinalMeta => ({
  kind: 'executed',
  completion: 'one',
  status: SUCCESS,
  decision,
  changes,
  ...(leadsTo === undefined ? {} : { leadsTo }),
  summary,
});

export const FINALS = {
  // queue and opcode stage
  rejectedVfQueue: reject(SC_INVALID_OPCODE, 'D1', 'LM opcode on a VF admin queue: the VF rejects it, nothing changes'),
  droppedVfQueue: {
    kind: 'dropped',
    completion: 'none',
    decision: 'D1',
    changes: 'none',
    summary: 'LM opcode on a VF admin queue under policy drop: no completion at all, nothing changes',
  },
  rejectedVfUnknownOpcode: reject(
    SC_INVALID_OPCODE,
    'D17',
    'LM opcode on a VF admin queue of a device without these commands: unknown opcode',
  ),
  rejectedIoQueue: reject(
    SC_INVALID_OPCODE,
    'D1',
    'LM opcode on an I/O queue: the commands exist only on the PF admin queue, so unknown here',
  ),
  rejectedUnknownOpcode: reject(SC_INVALID_OPCODE, 'D17', 'opcode unknown on this profile\'s PF (D17)'),
  notLmCommand: {
    kind: 'outOfScope',
    completion: 'unspecified',
    decision: 'none',
    changes: 'unspecified',
    summary: 'not an LM command: outside this machine\'s scope',
  },
  executedForeignErase: execute('D17', 'namespaceErased', 'foreign profile: 0xC4 is another vendor\'s command and erases the namespace'),
  // field checks
  rejectedFuse: reject(SC_INVALID_FIELD, 'D9', 'FUSE != 0'),
  rejectedPsdt: reject(SC_INVALID_FIELD, 'D9', 'PSDT != 00b'),
  rejectedReserved: reject(SC_INVALID_FIELD, 'D10', 'strict: a reserved bit is set'),
  rejectedNsid: reject(SC_INVALID_FIELD, 'D10', 'strict: NSID != 0'),
  rejectedVfIndexZero: reject(SC_INVALID_FIELD, 'D4', 'VF index 0 (VFs are numbered from 1)'),
  rejectedVfIndexAbove: reject(SC_INVALID_FIELD, 'D4', 'VF index above the number of enabled VFs'),
  // VF state
  rejectedSequence: reject(SC_COMMAND_SEQUENCE_ERROR, 'D5', 'SAVE or LOAD while the VF is running'),
  // data transfer
  rejectedPrpOffset: reject(SC_PRP_OFFSET_INVALID, 'NVMe', 'a PRP entry that must be page aligned carries an offset'),
  rejectedDataTransfer: reject(SC_DATA_TRANSFER_ERROR, 'D7', 'the PRPs point at unmapped host memory: the DMA fails'),
  // LOAD data (D7: checked before anything changes)
  rejectedLoadSizeZero: reject(SC_INVALID_FIELD, 'D7', 'LOAD size (CDW11) is zero'),
  rejectedLoadSizeOverBuffer: reject(SC_INVALID_FIELD, 'D7', 'LOAD size larger than the buffer'),
  rejectedLoadSizeMismatch: reject(SC_INVALID_FIELD, 'D7', 'LOAD size differs from the length recorded in the data'),
  rejectedLoadMagic: reject(SC_INVALID_FIELD, 'D7', 'LOAD data has a wrong magic'),
  rejectedLoadVersion: reject(SC_INVALID_FIELD, 'D7', 'LOAD data has an unknown format version'),
  rejectedLoadChecksum: reject(SC_INVALID_FIELD, 'D7', 'LOAD data fails its checksum'),
  rejectedLoadGeometry: reject(SC_INVALID_FIELD, 'D7', 'LOAD data describes queues beyond the VF\'s limits'),
  // executed (D5)
  executedQuery: {
    ...execute('D5', 'none', 'QUERY: success, no change; DW0 = the bytes a SAVE would write now (D8)'),
    dw0: 'migrationDataSize',
  },
  executedSuspend: execute('D5', 'vfLmState', 'SUSPEND: running -> suspended', 'suspended'),
  executedSuspendNoChange: execute('D5', 'none', 'SUSPEND when not running: success, no change'),
  executedResume: execute('D5', 'vfLmState', 'RESUME: suspended, saved or loaded -> running', 'running'),
  executedResumeNoChange: execute('D5', 'none', 'RESUME when running: success, no change'),
  executedSave: execute('D5', 'vfLmState', 'SAVE: the state is DMAed to host memory; -> saved (D6: nothing destroyed)', 'saved'),
  executedLoad: execute('D5', 'vfLmState', 'LOAD: the data passed every D7 check and is restored; -> loaded', 'loaded'),
} satisfies Record<string, FinalMeta>;

export type FinalName = keyof typeof FINALS;
export const FINAL_NAMES = Object.keys(FINALS) as FinalName[];

export function isFinalName(value: unknown): value is FinalName {
  return typeof value === 'string' && Object.hasOwn(FINALS, value);
}

export function finalMeta(name: FinalName): FinalMeta {
  return FINALS[name];
}

/**
 * The meta of the final state a snapshot is in, read from the machine the
 * snapshot belongs to (not from FINALS), so the invariants judge what that
 * machine says; undefined while the command is still between stages.
 */
export function reachedFinal(snapshot: AnyMachineSnapshot): { name: FinalName; meta: FinalMeta } | undefined {
  const value: unknown = snapshot.value;
  if (snapshot.status !== 'done' || !isFinalName(value)) return undefined;
  const meta = (snapshot.getMeta() as Record<string, FinalMeta | undefined>)[`${snapshot.machine.id}.${value}`];
  if (meta === undefined) throw new Error(`final state ${value} carries no meta: build its node from the FINALS table`);
  return { name: value, meta };
}
