// Safety of the tp4159 lifecycle (I3, I11, I12, D22, D24) as predicates on
// one step. A step that took no edge (the event is not enabled) holds.
import type { Invariant, Step } from '../../spec.ts';
import { captureState, sameState } from './effects.ts';
import { controllerKey, stateText, tpContextOf, tpLmStateOf, tpStateKey, tpTookEdge } from './snapshot.ts';
import { SET_STATE_EVENT_TYPES, type TpLifecycleContext, type TpLifecycleOptions } from './types.ts';

const isSetState = (type: string): boolean => (SET_STATE_EVENT_TYPES as readonly string[]).includes(type);
const ownStatus = (step: Step): string | null => {
  const c = tpContextOf(step.after).last.completion;
  return c === 'none' ? null : c.status;
};
const change = (step: Step): string => `before [${tpStateKey(step.before)}], after [${tpStateKey(step.after)}]`;

const i3: Invariant = {
  id: 'I3',
  description: 'A rejected management command changes no state at all (Set State: I11)',
  check(step) {
    const status = ownStatus(step);
    if (!tpTookEdge(step) || status === null || status === 'SUCCESS' || isSetState(step.event.type)) return true;
    return tpStateKey(step.before) === tpStateKey(step.after) ? true : `I3: ${step.event.type} was rejected with ${status} yet changed the VF: ${change(step)}`;
  },
};

/** Why the VF after a successful apply is not the held state, or null. */
function notApplied(a: TpLifecycleContext, o: TpLifecycleOptions): string | null {
  const img = a.image;
  if (img === null) return 'the host no longer holds the state';
  const now = captureState(a, o.stateFormat);
  if (!sameState(now, { ioQueues: img.ioQueues, latched: img.latched, vendor: img.vendor })) return `the VF holds ${stateText(now)}, the state ${stateText(img)}`;
  if (a.outstanding !== 0) return `${a.outstanding} I/O in flight right after Set State`;
  return null;
}

function i11(o: TpLifecycleOptions): Invariant {
  return {
    id: 'I11',
    description: 'Set Controller State is all or nothing (D26): a failure leaves the VF exactly as it was and discards accumulated parts; a whole state or a last part applies every field; a first or middle part changes nothing but the accumulation',
    check(step) {
      if (!tpTookEdge(step) || !isSetState(step.event.type)) return true;
      const a = tpContextOf(step.after);
      const status = ownStatus(step);
      if (status === null) return `I11: ${step.event.type} got no completion`;
      const applies = status === 'SUCCESS' && (step.event.type === 'SET_STATE' || step.event.type === 'SET_STATE_LAST');
      if (!applies && controllerKey(step.before) !== controllerKey(step.after)) {
        return `I11 (D26): ${step.event.type} (${status}) changed the VF without applying a whole state: ${change(step)}`;
      }
      if (status !== 'SUCCESS') return a.parts === 'none' ? true : `I11 (D26): ${step.event.type} failed but the parts accumulated so far (${a.parts}) were kept`;
      if (!applies) return true;
      const wrong = notApplied(a, o);
      return wrong === null ? true : `I11 (D26): ${step.event.type} succeeded but not all of the state was applied: ${wrong}`;
    },
  };
}

function i12(o: TpLifecycleOptions): Invariant {
  return {
    id: 'I12',
    description:
      'Round trip (D25, D15): Get State after Set State returns the state set, byte for byte; Get State returns the VF\'s state as it is; every I/O the guest submitted is held exactly once (fetched, latched, or in the host\'s state while the VM moves) until its one completion, and only a reset drops it',
    check(step) {
      if (!tpTookEdge(step)) return true;
      const b = tpContextOf(step.before);
      const a = tpContextOf(step.after);
      const seen = a.last;
      if (seen.got !== null) {
        if (!sameState(seen.got, captureState(b, o.stateFormat))) return `I12 (D24): Get State returned ${stateText(seen.got)} of a VF holding ${stateText(captureState(b, o.stateFormat))}`;
        if (b.mig === 'loaded' && b.image !== null && !sameState(seen.got, b.image)) {
          return `I12: Get State after Set State returned ${stateText(seen.got)}, the state set was ${stateText(b.image)}`;
        }
      }
      const resets = step.event.type === 'FLR' || step.event.type === 'DISABLE';
      if (seen.ioDropped > 0 && !resets) return `I12: ${seen.ioDropped} I/O dropped by ${step.event.type}, which is no reset`;
      const held = a.mig === 'moved' ? (a.image?.latched ?? 0) : a.outstanding + a.latched;
      if (a.guestIo !== held) {
        return `I12: the guest waits for ${a.guestIo} I/O but ${held} are held (${a.mig === 'moved' ? 'in the host\'s state' : `${a.outstanding} fetched, ${a.latched} latched`}) after ${step.event.type}: an I/O was ${a.guestIo > held ? 'lost' : 'duplicated'}`;
      }
      if (seen.ioCompleted > b.outstanding) return `I12: ${seen.ioCompleted} completions posted with ${b.outstanding} fetched: a duplicate completion`;
      return true;
    },
  };
}

const d22: Invariant = {
  id: 'D22',
  description: 'Suspend completes only once every command fetched before it has completed, and a suspending or suspended VF fetches nothing (its doorbells are latched, never lost)',
  check(step) {
    if (!tpTookEdge(step)) return true;
    const a = tpContextOf(step.after);
    const b = tpContextOf(step.before);
    const suspendDone = a.last.suspendCompleted !== 'none' || (step.event.type === 'SUSPEND' && a.last.completion !== 'none');
    if (suspendDone && a.outstanding !== 0) return `D22: Suspend completed on ${step.event.type} with ${a.outstanding} fetched I/O not completed`;
    const stopped = tpLmStateOf(step.before) !== 'active';
    if (stopped && step.event.type !== 'RESUME' && a.outstanding > b.outstanding) {
      return `D22: the VF fetched I/O on ${step.event.type} while ${tpLmStateOf(step.before)}`;
    }
    if (stopped && step.event.type === 'SUBMIT_IO' && a.latched !== b.latched + 1) return 'D22: a doorbell written while the VF does not fetch was not latched';
    return true;
  },
};

const d24: Invariant = {
  id: 'D24',
  description: 'Get Controller State is allowed in any state, changes nothing, and its CSUP says whether the VF was suspended when the state was taken',
  check(step) {
    if (!tpTookEdge(step) || step.event.type !== 'GET_STATE') return true;
    const seen = tpContextOf(step.after).last;
    if (seen.completion === 'none' || seen.completion.status !== 'SUCCESS') return 'D24: Get State did not succeed';
    const suspended = tpLmStateOf(step.before) === 'suspended';
    if (seen.csup !== suspended) return `D24: CSUP ${seen.csup} for a VF that is ${tpLmStateOf(step.before)}`;
    return controllerKey(step.before) === controllerKey(step.after) ? true : `D24: Get State changed the VF: ${change(step)}`;
  },
};

/**
 * I15's machine part. A state taken on the source and set on the
 * destination (a controller with its own history, here at power-on) gives
 * the destination the source's queues, heads and tails (and, with the vendor
 * section, its admin queue): the state is a function of the standard's
 * fields alone. The byte part (every layout as tp4159.md section 3 says; S0PT
 * is slot 0's phase tag, not the controller's current phase) is the wire
 * layer's golden vectors and the bindings' to prove: this model has no bytes.
 */
function i15(o: TpLifecycleOptions): Invariant {
  return {
    id: 'I15',
    description:
      'Interoperable state (D25), machine part: Set State on the destination gives it the queues, heads and tails the source had when its state was taken (the byte layouts and S0PT are the wire layer\'s)',
    check(step) {
      if (!tpTookEdge(step) || tpContextOf(step.before).mig !== 'moved') return true;
      const a = tpContextOf(step.after);
      if (a.mig !== 'loaded' || a.image === null) return true;
      const now = captureState(a, o.stateFormat);
      return sameState(now, a.image) ? true : `I15: the destination holds ${stateText(now)} after Set State; the source's state was ${stateText(a.image)}`;
    },
  };
}

export function tpLifecycleInvariants(o: TpLifecycleOptions): Invariant[] {
  return [i3, i11(o), i12(o), i15(o), d22, d24];
}
