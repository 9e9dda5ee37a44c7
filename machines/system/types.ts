// The composed system's vocabulary: PF + n VFs, each VF abstracted to what
// matters across VFs (its LM state, whether it holds saved or loaded data,
// whether it has I/O in flight).
import type { VfQueuePolicy } from '../vf/types.ts';

export type { VfQueuePolicy } from '../vf/types.ts';

export interface SystemOptions {
  /** D1: an LM opcode on a VF admin queue is rejected, or gets no completion */
  vfQueuePolicy: VfQueuePolicy;
}

export const MIN_VFS = 1;
export const MAX_VFS = 8;

/**
 * A VF's local state: exactly 8. `Busy` = the guest has one I/O in flight:
 * fetched while running, latched in every other state (D11; localTable.ts
 * says why the two never meet); saved and loaded
 * mean the VF holds migration data (dropped by any reset: D13, D18). While
 * the PF is disabled no VF exists (QEMU takes them offline; D18 resets them).
 */
export const VF_LOCAL_STATES = [
  'runningIdle',
  'runningBusy',
  'suspendedIdle',
  'suspendedBusy',
  'savedIdle',
  'savedBusy',
  'loadedIdle',
  'loadedBusy',
] as const;
export type VfLocalState = (typeof VF_LOCAL_STATES)[number];

/** Events aimed at one VF. Each carries `vf` (1-based, D4); the region of that VF alone reacts (D14). */
export const SYSTEM_VF_EVENT_TYPES = [
  /** the guest submits I/O (fetched while running, latched while suspended) */
  'SUBMIT_IO',
  /** the VF's fetched I/O completes (running only: a latched one waits for RESUME) */
  'IO_COMPLETE',
  'LM_QUERY',
  'LM_SUSPEND',
  'LM_RESUME',
  'LM_SAVE',
  /** LOAD of an image that carries no I/O */
  'LM_LOAD',
  /** LOAD of an image that carries latched I/O (saved from a busy VF) */
  'LM_LOAD_IO',
  /** LOAD of data failing D7's checks */
  'LM_LOAD_CORRUPT',
  /** any of the five LM opcodes on the VF's own admin queue (D1) */
  'VF_LM',
  /** FLR of this VF (D13) */
  'FLR',
] as const;
export type SystemVfEventType = (typeof SYSTEM_VF_EVENT_TYPES)[number];

/** PF events: CC.EN 0->1, CC.EN 1->0 and a PF FLR (both resets: D18). */
export const SYSTEM_PF_EVENT_TYPES = ['PF_ENABLE', 'PF_DISABLE', 'PF_FLR'] as const;
type SystemPfEventType = (typeof SYSTEM_PF_EVENT_TYPES)[number];

export type SystemEvent = { type: SystemVfEventType; vf: number } | { type: SystemPfEventType };

export type SystemStatus = 'SUCCESS' | 'INVALID_OPCODE' | 'INVALID_FIELD' | 'SEQUENCE_ERROR';

export interface SystemObservation {
  event: SystemVfEventType | SystemPfEventType | 'init';
  /** the VF the event was aimed at; 0 for a PF event */
  vf: number;
  /** the event's own completion; 'none' for no completion (I/O in flight, D1 drop, resets, PF_ENABLE) */
  status: SystemStatus | 'none';
  decision: string;
}

export interface SystemContext {
  /** what the last event did (not part of the state's identity) */
  last: SystemObservation;
}
