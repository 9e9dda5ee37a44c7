// Safety of the UDMQ (I3, I10, I14) as predicates on one step.
import type { Invariant } from '../../spec.ts';
import { udmqContextOf, udmqStateKey, udmqTookEdge } from './snapshot.ts';
import { LOG_ENDS, type UdmqContext } from './types.ts';

const i3: Invariant = {
  id: 'I3',
  description: 'A rejected management command changes no state at all',
  check(step) {
    if (!udmqTookEdge(step)) return true;
    const c = udmqContextOf(step.after).last.completion;
    if (c === 'none' || c.status === 'SUCCESS') return true;
    return udmqStateKey(step.before) === udmqStateKey(step.after) ? true : `I3: ${step.event.type} was rejected with ${c.status} yet changed the queue: before [${udmqStateKey(step.before)}], after [${udmqStateKey(step.after)}]`;
  },
};

const i10: Invariant = {
  id: 'I10',
  description:
    'Nothing unlogged (D30, D31): a change that completes while logging is on has its range entry posted before its completion, or the log ends with ESA 7 there (the host then copies everything); no entry is posted while logging is off but the ESA 1 that starts it; a read is never logged',
  check(step) {
    if (!udmqTookEdge(step)) return true;
    const b = udmqContextOf(step.before);
    const a = udmqContextOf(step.after);
    const { posted, changeCompleted } = a.last;
    if (step.event.type === 'READ' && posted.length > 0) return `I10 (D30): a Read posted ${posted.join(', ')}`;
    if (changeCompleted && b.logging) {
      if (posted.includes('range')) return a.logging ? true : 'I10: a logged change stopped logging';
      if (posted.includes('full')) return a.logging ? 'I10 (D31): ESA 7 posted but logging goes on' : true;
      return `I10: a change completed while logging was on with no entry posted before its completion (posted: ${posted.join(', ') || 'nothing'})`;
    }
    if (posted.includes('range') && !(changeCompleted && b.logging)) return `I10: a range entry posted on ${step.event.type} for no logged change`;
    if (!b.logging && posted.length > 0 && !(posted.length === 1 && posted[0] === 'first' && a.logging)) {
      return `I10 (D31): ${step.event.type} posted ${posted.join(', ')} while logging was off (a log ends with one entry; nothing follows it but a new ESA 1)`;
    }
    const ends = posted.filter((k) => LOG_ENDS.includes(k));
    if (ends.length > 0 && a.logging && !ends.every((k) => k === 'suspended')) return `I10: the log ended (${ends.join(', ')}) but logging goes on`;
    return true;
  },
};

/** Why the ring disagrees with the host's view, or null: every unconsumed slot carries the phase the host expects there, every free one the other. */
function phaseFault(c: UdmqContext): string | null {
  const n = c.slots.length;
  for (let k = 0; k < n; k++) {
    const j = (c.head + k) % n;
    const expected = c.head + k < n ? c.hostPhase : 1 - c.hostPhase;
    const phase = c.slots[j];
    if (k < c.used && phase !== expected) return `slot ${j} holds an unconsumed entry with phase ${phase}; the host expects ${expected} on this pass and will never read it`;
    if (k >= c.used && phase === expected) return `free slot ${j} carries phase ${phase}, the phase the host expects next: it would read a stale entry as new`;
  }
  return null;
}

const i14: Invariant = {
  id: 'I14',
  description:
    'Queue discipline (D31): the controller never writes into a slot the host has not released, and every entry\'s phase tag is right for its pass (the host\'s view of the ring agrees with it)',
  check(step) {
    if (!udmqTookEdge(step)) return true;
    const b = udmqContextOf(step.before);
    const a = udmqContextOf(step.after);
    if (!a.cdq) return true;
    const writes = a.last.posted.length;
    // an N-entry queue holds N-1: the slot kept empty is what tells full from empty (NVMe Full Queue)
    const room = b.slots.length - 1 - b.used;
    if (b.cdq && writes > room) return `I14 (D31): ${writes} entr${writes === 1 ? 'y' : 'ies'} posted with ${room} slot(s) free: the queue would look empty or an unconsumed entry was overwritten`;
    if (a.used > a.slots.length - 1) return `I14: ${a.used} entries unconsumed in a ${a.slots.length}-entry queue, which holds ${a.slots.length - 1}`;
    const read = a.last.read;
    if (read !== null && read !== b.hostPhase) return `I14: the host read slot ${b.head} expecting phase ${b.hostPhase} and found ${read}`;
    const fault = phaseFault(a);
    return fault === null ? true : `I14: after ${step.event.type}, ${fault}`;
  },
};

export const UDMQ_INVARIANTS: Invariant[] = [i3, i10, i14];
