// Reading a VF lifecycle snapshot: its LM state, its context, its identity
// without the observation, and whether a step took an edge at all.
import type { AnyMachineSnapshot } from 'xstate';
import type { Step } from '../spec.ts';
import { VF_LM_STATES, type VfContext, type VfImage, type VfLmState } from './types.ts';

export function lmStateOf(snapshot: AnyMachineSnapshot): VfLmState {
  const value = snapshot.value;
  if (typeof value !== 'string' || !(VF_LM_STATES as readonly string[]).includes(value)) {
    throw new Error(`not a vfLifecycle snapshot (state value ${JSON.stringify(value)}); pass a snapshot of createVfLifecycle()`);
  }
  return value as VfLmState;
}

export function vfContextOf(snapshot: AnyMachineSnapshot): VfContext {
  return snapshot.context as VfContext;
}

function imageKey(i: VfImage | null): string {
  return i === null ? '-' : `${i.enabled ? 1 : 0}.${i.ioQueues}.${i.latched}.${i.adminLatched}`;
}

/**
 * The state's identity: LM state and every context field but `last` (the
 * observation says what the step did; it does not change what can follow).
 * Two snapshots with the same key have the same future.
 */
export function vfStateKey(snapshot: AnyMachineSnapshot): string {
  const c = vfContextOf(snapshot);
  return [lmStateOf(snapshot), c.enabled ? 'en' : 'dis', `q${c.ioQueues}`, `o${c.outstanding}`, `l${c.latched}`, `a:${c.adminLatched}`, `img:${imageKey(c.image)}`].join(' ');
}

/** Whether the step took an edge: an event with no edge leaves the snapshot, and so its observation, untouched. */
export function tookEdge(step: Step): boolean {
  return step.after !== step.before && vfContextOf(step.after).last !== vfContextOf(step.before).last;
}

export function sameImage(a: VfImage | null, b: VfImage | null): boolean {
  return imageKey(a) === imageKey(b);
}

export function inFlight(c: VfContext): number {
  return c.outstanding + c.latched;
}
