// What each VFIO arc does on the NVMe side (project decision; the RFC's arcs
// plus P2P and PRE_COPY). A VF is running in RUNNING and PRE_COPY and
// suspended in every other state, so SUSPEND/RESUME sit exactly on the arcs
// that cross that line. Every arc vfio_mig_get_next_state can return for any
// flag set has a row (test/host/arcs.test.ts checks it).
import type { VfioState } from './states.ts';

export type ArcCommand = 'SUSPEND' | 'RESUME' | 'QUERY' | 'SAVE' | 'LOAD';

type StreamEffect =
  /** open an empty pre-copy stream (QUERY's size is kept as the estimate) */
  | 'open-precopy'
  /** SAVE's data becomes readable: on the open pre-copy stream if there is one, else on a new stream */
  | 'save'
  /** disable the save/pre-copy stream and free its buffer */
  | 'close-save'
  /** open a resume stream over a fresh 256 KiB buffer */
  | 'open-resume'
  /** LOAD the bytes written; on success disable the resume stream */
  | 'close-resume';

export interface ArcPlan {
  from: VfioState;
  to: VfioState;
  commands: readonly ArcCommand[];
  stream?: StreamEffect;
}

export const ARC_PLANS: readonly ArcPlan[] = [
  // STOP_COPY only (the RFC's arcs)
  { from: 'RUNNING', to: 'STOP', commands: ['SUSPEND'] },
  { from: 'STOP', to: 'RUNNING', commands: ['RESUME'] },
  { from: 'STOP', to: 'STOP_COPY', commands: ['QUERY', 'SAVE'], stream: 'save' },
  { from: 'STOP_COPY', to: 'STOP', commands: [], stream: 'close-save' },
  { from: 'STOP', to: 'RESUMING', commands: [], stream: 'open-resume' },
  { from: 'RESUMING', to: 'STOP', commands: ['LOAD'], stream: 'close-resume' },
  // P2P
  { from: 'RUNNING', to: 'RUNNING_P2P', commands: ['SUSPEND'] },
  { from: 'RUNNING_P2P', to: 'STOP', commands: [] },
  { from: 'STOP', to: 'RUNNING_P2P', commands: [] },
  { from: 'RUNNING_P2P', to: 'RUNNING', commands: ['RESUME'] },
  // PRE_COPY
  { from: 'RUNNING', to: 'PRE_COPY', commands: ['QUERY'], stream: 'open-precopy' },
  { from: 'PRE_COPY', to: 'RUNNING', commands: [], stream: 'close-save' },
  { from: 'PRE_COPY', to: 'STOP_COPY', commands: ['SUSPEND', 'QUERY', 'SAVE'], stream: 'save' },
  // P2P and PRE_COPY
  { from: 'PRE_COPY', to: 'PRE_COPY_P2P', commands: ['SUSPEND'] },
  { from: 'PRE_COPY_P2P', to: 'PRE_COPY', commands: ['RESUME'] },
  { from: 'PRE_COPY_P2P', to: 'STOP_COPY', commands: ['QUERY', 'SAVE'], stream: 'save' },
  { from: 'PRE_COPY_P2P', to: 'RUNNING_P2P', commands: [], stream: 'close-save' },
  // Not in the brief's list; by the same rule (both ends suspended, so no SUSPEND/RESUME), it mirrors RUNNING -> PRE_COPY.
  { from: 'RUNNING_P2P', to: 'PRE_COPY_P2P', commands: ['QUERY'], stream: 'open-precopy' },
];

export function arcPlan(from: VfioState, to: VfioState): ArcPlan | undefined {
  return ARC_PLANS.find((a) => a.from === from && a.to === to);
}
