// Safety properties of the VF lifecycle, as predicates on one step. Each
// returns true, or a message that says what went wrong on that step. A step
// that took no edge (the event is not enabled) is no transition: all hold.
import type { Invariant, Step } from '../spec.ts';
import { capture } from './effects.ts';
import { inFlight, lmStateOf, sameImage, tookEdge, vfContextOf, vfStateKey } from './snapshot.ts';
import { isPfLmEvent, isVfQueueLmEvent, type VfContext, type VfLifecycleOptions } from './types.ts';

function describeChange(step: Step): string {
  return `before [${vfStateKey(step.before)}], after [${vfStateKey(step.after)}]`;
}

function unchanged(step: Step): boolean {
  return vfStateKey(step.before) === vfStateKey(step.after);
}

function i1(o: VfLifecycleOptions): Invariant {
  return {
    id: 'I1',
    description: 'No LM command on a VF admin queue changes any state; it completes with Invalid Command Opcode, DNR (policy reject) or not at all (policy drop) (D1)',
    check(step) {
      if (!tookEdge(step) || !isVfQueueLmEvent(step.event.type)) return true;
      if (!unchanged(step)) return `I1 (D1): ${step.event.type} on the VF's own admin queue changed the VF: ${describeChange(step)}`;
      const c = vfContextOf(step.after).last.completion;
      if (o.vfQueuePolicy === 'drop') {
        return c === 'none' ? true : `I1 (D1): policy drop, yet ${step.event.type} got a completion (${c.status})`;
      }
      if (c === 'none' || c.status !== 'INVALID_OPCODE' || c.sct !== 0 || c.sc !== 0x01 || !c.dnr) {
        return `I1 (D1): ${step.event.type} on the VF's own admin queue must complete with Invalid Command Opcode (SCT 0, SC 0x01, DNR 1); got ${c === 'none' ? 'no completion' : JSON.stringify(c)}`;
      }
      return true;
    },
  };
}

/** Why the event's own command has no completion in this step, or null if it must have one now. */
function pendingReason(step: Step, o: VfLifecycleOptions): string | null {
  const type = step.event.type;
  const b = vfContextOf(step.before);
  const a = vfContextOf(step.after);
  if (isPfLmEvent(type)) return lmStateOf(step.after) === 'saving' && type === 'LM_SAVE' ? 'SAVE draining' : null;
  if (isVfQueueLmEvent(type)) return o.vfQueuePolicy === 'drop' ? 'dropped (D1)' : null;
  if (type === 'SUBMIT_IO') return inFlight(a) === inFlight(b) + 1 ? 'I/O fetched or latched' : null;
  if (type === 'CREATE_IO_QUEUE' || type === 'DELETE_IO_QUEUE') {
    return b.adminLatched === 'none' && a.adminLatched !== 'none' ? 'admin pair latched' : null;
  }
  return 'not a command';
}

function i2(o: VfLifecycleOptions): Invariant {
  return {
    id: 'I2',
    description:
      'Every command gets exactly one completion: posted now or held pending (latched, in flight, draining), never both, never twice; nothing completes that was not fetched',
    check(step) {
      if (!tookEdge(step)) return true;
      const type = step.event.type;
      const b = vfContextOf(step.before);
      const a = vfContextOf(step.after);
      const seen = a.last;
      const pending = pendingReason(step, o);
      if (pending === null && seen.completion === 'none') return `I2: ${type} got no completion and is not held pending`;
      if (pending !== null && seen.completion !== 'none') {
        return `I2: ${type} got a completion (${seen.completion.status}) and is also ${pending}: it would complete twice`;
      }
      const fromSaving = lmStateOf(step.before) === 'saving';
      const saveEnds = fromSaving && lmStateOf(step.after) !== 'saving';
      if (saveEnds !== (seen.saveCompleted !== 'none')) {
        return saveEnds
          ? `I2 (D12): the drain ended (${type}) but the pending SAVE got no completion`
          : `I2: a SAVE completion was posted on ${type} with no SAVE pending`;
      }
      if (seen.ioCompleted > b.outstanding + seen.ioFetched) {
        return `I2: ${seen.ioCompleted} I/O completions posted but only ${b.outstanding} were in flight and ${seen.ioFetched} fetched now: a duplicate completion`;
      }
      if (seen.ioFetched > b.latched) return `I2 (D11): ${seen.ioFetched} latched I/O fetched but only ${b.latched} were latched`;
      if (seen.adminCompleted !== 'none' && (seen.adminCompleted !== b.adminLatched || a.adminLatched !== 'none')) {
        return `I2 (D11): a latched ${seen.adminCompleted} pair completed but the VF had latched '${b.adminLatched}' and still holds '${a.adminLatched}'`;
      }
      const adminGone = b.adminLatched !== 'none' && a.adminLatched === 'none' && type !== 'LM_LOAD';
      if (adminGone && seen.adminCompleted !== b.adminLatched && seen.adminDropped !== b.adminLatched) {
        return `I2 (D11): the latched ${b.adminLatched} pair left the VF on ${type} with neither a completion nor a reset`;
      }
      return true;
    },
  };
}

const i3: Invariant = {
  id: 'I3',
  description: 'A rejected command changes no state at all (everything but the observation is equal before and after)',
  check(step) {
    if (!tookEdge(step)) return true;
    const c = vfContextOf(step.after).last.completion;
    if (c === 'none' || c.status === 'SUCCESS' || unchanged(step)) return true;
    return `I3: ${step.event.type} was rejected with ${c.status} (${c.decision}) yet changed the VF: ${describeChange(step)}`;
  },
};

function restoredFrom(a: VfContext): string | null {
  const img = a.image;
  if (img === null) return 'the host no longer holds the image';
  if (a.enabled !== img.enabled) return `CC.EN is ${a.enabled}, the image says ${img.enabled}`;
  if (a.ioQueues !== img.ioQueues) return `${a.ioQueues} I/O queue pairs, the image holds ${img.ioQueues}`;
  if (a.latched !== img.latched) return `${a.latched} latched I/O doorbells, the image holds ${img.latched}`;
  if (a.adminLatched !== img.adminLatched) return `latched admin pair '${a.adminLatched}', the image holds '${img.adminLatched}'`;
  if (a.outstanding !== 0) return `${a.outstanding} I/O in flight right after LOAD (the image holds none: SAVE drained)`;
  return null;
}

const i5: Invariant = {
  id: 'I5',
  description: 'LOAD is all or nothing: success restores every field of the image; failure changes nothing (D7)',
  check(step) {
    const type = step.event.type;
    if (!tookEdge(step) || (type !== 'LM_LOAD' && type !== 'LM_LOAD_CORRUPT' && type !== 'LM_LOAD_UNMAPPED')) return true;
    const b = vfContextOf(step.before);
    const a = vfContextOf(step.after);
    const c = a.last.completion;
    if (c === 'none') return `I5 (D7): ${type} got no completion`;
    if (c.status !== 'SUCCESS') {
      return unchanged(step) ? true : `I5 (D7): ${type} failed with ${c.status} but changed the VF (partly loaded): ${describeChange(step)}`;
    }
    if (lmStateOf(step.after) !== 'loaded') return `I5 (D5): LOAD succeeded but the VF is ${lmStateOf(step.after)}, not loaded`;
    if (!sameImage(a.image, b.image)) return 'I5: LOAD changed the image the host holds';
    const wrong = restoredFrom(a);
    return wrong === null ? true : `I5 (D7): LOAD succeeded but not all of the image was restored: ${wrong}`;
  },
};

/** The VF holds exactly what its image says: LOAD onto it changes nothing of the guest's work. */
function isTheImage(c: VfContext): boolean {
  return c.image !== null && c.outstanding === 0 && sameImage(capture(c), c.image);
}

const i6: Invariant = {
  id: 'I6',
  description:
    'Exactly once (D15): every submitted I/O is in flight (fetched or latched) until its one completion; only a reset drops it; SAVE carries every latched one and leaves none fetched; LOAD hands over exactly the image\'s',
  check(step) {
    if (!tookEdge(step)) return true;
    const type = step.event.type;
    const b = vfContextOf(step.before);
    const a = vfContextOf(step.after);
    const seen = a.last;
    const ok = seen.completion !== 'none' && seen.completion.status === 'SUCCESS';
    if (type === 'LM_LOAD' && ok) {
      if (inFlight(b) !== 0 && !isTheImage(b)) {
        return `I6: LOAD replaced ${inFlight(b)} I/O the VF held with the image's ${a.latched}: the VF's own would be lost`;
      }
      if (a.image === null || a.latched !== a.image.latched || a.outstanding !== 0) {
        return `I6: after LOAD the VF holds ${a.latched} latched and ${a.outstanding} fetched I/O; the image carried ${a.image?.latched ?? 'nothing'} latched`;
      }
      return true;
    }
    if (seen.ioDropped > 0 && type !== 'FLR' && type !== 'DISABLE') return `I6: ${seen.ioDropped} I/O dropped without completion by ${type}, which is no reset`;
    const submitted = type === 'SUBMIT_IO' && seen.completion === 'none' ? 1 : 0;
    const expected = inFlight(b) + submitted - seen.ioCompleted - seen.ioDropped;
    if (inFlight(a) !== expected) {
      return (
        `I6: ${type} left ${inFlight(a)} I/O in flight (fetched ${a.outstanding}, latched ${a.latched}); ` +
        `expected ${expected} = ${inFlight(b)} before + ${submitted} submitted - ${seen.ioCompleted} completed - ${seen.ioDropped} dropped: ` +
        (inFlight(a) < expected ? 'an I/O was lost' : 'an I/O was duplicated')
      );
    }
    const saveDone = (type === 'LM_SAVE' && ok) || seen.saveCompleted !== 'none';
    if (saveDone) {
      if (a.outstanding !== 0) return `I6 (D12): SAVE completed with ${a.outstanding} fetched I/O not drained`;
      if (a.image === null || a.image.latched !== a.latched || a.image.adminLatched !== a.adminLatched) {
        return `I6 (D12): SAVE did not carry the latched doorbells: the VF holds ${a.latched} I/O and '${a.adminLatched}', the image ${a.image?.latched ?? 'nothing'} and '${a.image?.adminLatched ?? 'nothing'}'`;
      }
    }
    return true;
  },
};

export function vfInvariants(o: VfLifecycleOptions): Invariant[] {
  return [i1(o), i2(o), i3, i5, i6];
}
