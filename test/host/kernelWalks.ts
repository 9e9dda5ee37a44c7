// Shared by the host VFIO tests.
import { stateSupported, VFIO_STATES, type VfioState } from '../../src/host/vfio/states.ts';

// The kernel's own account of its walk (drivers/vfio/vfio_main.c, comment
// above vfio_from_fsm_table), copied as text: the arcs a driver implements
// when every feature is on, the multi-arc walks, and the blocked requests.
// The driver's rules are checked against this, not against themselves.
export const KERNEL_DIRECT_ARCS = `
RESUMING -> STOP
STOP -> RESUMING
STOP -> STOP_COPY
STOP_COPY -> STOP
RUNNING -> RUNNING_P2P
RUNNING_P2P -> RUNNING
RUNNING_P2P -> STOP
STOP -> RUNNING_P2P
PRE_COPY -> RUNNING
PRE_COPY -> PRE_COPY_P2P
PRE_COPY_P2P -> PRE_COPY
PRE_COPY_P2P -> RUNNING_P2P
PRE_COPY_P2P -> STOP_COPY
RUNNING -> PRE_COPY
RUNNING_P2P -> PRE_COPY_P2P`;

export const KERNEL_MULTI_ARC_WALKS = `
PRE_COPY -> PRE_COPY_P2P -> STOP_COPY
PRE_COPY -> RUNNING -> RUNNING_P2P
PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP
PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING
PRE_COPY_P2P -> RUNNING_P2P -> RUNNING
PRE_COPY_P2P -> RUNNING_P2P -> STOP
PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING
RESUMING -> STOP -> RUNNING_P2P
RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P
RESUMING -> STOP -> RUNNING_P2P -> RUNNING
RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
RESUMING -> STOP -> STOP_COPY
RUNNING -> RUNNING_P2P -> PRE_COPY_P2P
RUNNING -> RUNNING_P2P -> STOP
RUNNING -> RUNNING_P2P -> STOP -> RESUMING
RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY
RUNNING_P2P -> RUNNING -> PRE_COPY
RUNNING_P2P -> STOP -> RESUMING
RUNNING_P2P -> STOP -> STOP_COPY
STOP -> RUNNING_P2P -> PRE_COPY_P2P
STOP -> RUNNING_P2P -> RUNNING
STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
STOP_COPY -> STOP -> RESUMING
STOP_COPY -> STOP -> RUNNING_P2P
STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING`;

export const KERNEL_BLOCKED = `
STOP_COPY -> PRE_COPY
STOP_COPY -> PRE_COPY_P2P`;

export const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => l.split(' -> ') as VfioState[]);

/** (from, to) -> the states entered on the way, with every feature on; 'blocked' for the two blocked requests. */
export const FULL: Map<string, VfioState[] | 'blocked'> = new Map();
for (const walk of [...lines(KERNEL_DIRECT_ARCS), ...lines(KERNEL_MULTI_ARC_WALKS)]) FULL.set(`${walk[0]}>${walk.at(-1)}`, walk.slice(1));
for (const [from, to] of lines(KERNEL_BLOCKED)) FULL.set(`${from}>${to}`, 'blocked');

export const USER_STATES = VFIO_STATES.filter((s) => s !== 'ERROR');

/**
 * What the fixed kernel answers for a device with `flags`: a state it lacks
 * is skipped, so the walk is the full-feature walk without those states.
 */
export function expectedWalk(cur: VfioState, req: VfioState, flags: number): VfioState[] | 'EINVAL' {
  if (!stateSupported(cur, flags) || !stateSupported(req, flags)) return 'EINVAL';
  if (cur === req) return [];
  const full = FULL.get(`${cur}>${req}`)!;
  return full === 'blocked' ? 'EINVAL' : full.filter((s) => stateSupported(s, flags));
}

