// Reading a tp4159 lifecycle snapshot: its suspension, its context, its
// identity without the observation, and whether a step took an edge.
import type { AnyMachineSnapshot } from 'xstate';
import type { Step } from '../../spec.ts';
import { TP_LM_STATES, type TpImage, type TpLifecycleContext, type TpLmState, type TpState } from './types.ts';

export function tpLmStateOf(s: AnyMachineSnapshot): TpLmState {
  const value = s.value;
  if (typeof value !== 'string' || !(TP_LM_STATES as readonly string[]).includes(value)) {
    throw new Error(`not a tp4159Lifecycle snapshot (state value ${JSON.stringify(value)}); pass a snapshot of createTpLifecycle()`);
  }
  return value as TpLmState;
}

export function tpContextOf(s: AnyMachineSnapshot): TpLifecycleContext {
  return s.context as TpLifecycleContext;
}

export function stateText(s: TpState | null): string {
  if (s === null) return '-';
  const v = s.vendor === null ? '' : ` vs:${s.vendor.enabled ? 'en' : 'dis'}.a${s.vendor.adminPos}${s.vendor.adminLatched ? 'L' : ''}`;
  return `q${s.ioQueues}.l${s.latched}${v}`;
}

function imageText(i: TpImage | null): string {
  return i === null ? '-' : `${stateText(i)}${i.vmmEnabled ? ' vmm:en' : ''}`;
}

/** The controller's migratable state: what Set State must set all at once (I11) and a reset clears (D34). */
export function controllerKey(s: AnyMachineSnapshot): string {
  const c = tpContextOf(s);
  return [tpLmStateOf(s), c.enabled ? 'en' : 'dis', `q${c.ioQueues}`, `o${c.outstanding}`, `l${c.latched}`, c.adminLatched ? 'aL' : 'a-', `ca${c.ctrlAdminPos}`].join(' ');
}

/** The state's identity: everything but `last`. */
export function tpStateKey(s: AnyMachineSnapshot): string {
  const c = tpContextOf(s);
  return `${controllerKey(s)} p:${c.parts} | guest a${c.guestAdminPos}:${c.guestAdmin} io${c.guestIo} | ${c.mig} ${imageText(c.image)}`;
}

export function tpTookEdge(step: Step): boolean {
  return step.after !== step.before && tpContextOf(step.after).last !== tpContextOf(step.before).last;
}
