// The tp4159 UDMQ machine: logging and its ESA entries (D29, D32), flow
// control and ESA 7 (D31), One-Shot events and AERs (D33), resets (D34); the
// checker on both option sets; I10 and I14 catching seeded controllers.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { UDMQ_OPTION_SETS, createUdmq, post, udmqContextOf, udmqSpec, type UdmqContext, type UdmqEvent, type UdmqEventType } from '../../../machines/tp4159Udmq.ts';
import { change } from '../../../machines/tp4159/udmq/effects.ts';
import { check } from '../../../src/check/report.ts';
import { invariant, play, seeded } from './helpers.ts';

const m = createUdmq();
const shots = createUdmq({ entries: 3, oneShot: true });
const at = (events: string[], machine = m): UdmqContext => udmqContextOf(play(machine, events));
const status = (c: UdmqContext): string => (c.last.completion === 'none' ? 'none' : `${c.last.completion.status} ${c.last.completion.decision}`);
const LOGGING = ['CREATE_CDQ', 'TRACK_START'];

describe('tp4159Udmq', () => {
  it('D29: LACT 1 posts ESA 1 and starts logging, LACT 0 posts ESA 2 and stops; either again posts nothing; suspended is 1/39h', () => {
    expect(at(LOGGING).last.posted).toEqual(['first']);
    expect(at([...LOGGING, 'TRACK_START']).last.posted).toEqual([]);
    const stop = at([...LOGGING, 'TRACK_STOP']);
    expect([stop.last.posted, stop.logging]).toEqual([['stopped'], false]);
    expect(at([...LOGGING, 'TRACK_STOP', 'TRACK_STOP']).last.posted).toEqual([]);
    expect(status(at([...LOGGING, 'SUSPEND', 'TRACK_STOP']))).toBe('CONTROLLER_SUSPENDED D29');
  });

  it('D30: a change while logging is posted before its completion; a read never', () => {
    expect(at([...LOGGING, 'WRITE']).last).toMatchObject({ posted: ['range'], changeCompleted: true });
    expect(at([...LOGGING, 'READ']).last.posted).toEqual([]);
    expect(at(['CREATE_CDQ', 'WRITE']).last.posted).toEqual([]);
  });

  it('D31: a 4-entry queue holds 3 (one slot stays empty, NVMe Full Queue): with one free slot left the next entry is ESA 7 and logging stops; nothing is written past a full queue, Track stop included', () => {
    const full = at([...LOGGING, 'WRITE', 'WRITE']);
    expect([full.last.posted, full.logging, full.used]).toEqual([['full'], false, 3]);
    expect(at([...LOGGING, 'WRITE', 'WRITE', 'WRITE']).last.posted).toEqual([]);
    expect(at([...LOGGING, 'WRITE', 'WRITE', 'TRACK_STOP']).last.posted).toEqual([]);
    expect(status(at([...LOGGING, 'WRITE', 'WRITE', 'TRACK_START']))).toBe('CDQ_FULL D31');
  });

  it('D31: entries wrap with the phase inverted, and the host reads each with the phase it expects', () => {
    const c = at([...LOGGING, 'WRITE', 'HOST_RELEASE', 'HOST_RELEASE', 'WRITE', 'WRITE', 'WRITE']);
    expect([c.tail, c.ctrlPhase, c.slots]).toEqual([1, 0, [0, 1, 1, 1]]);
    const r = at([...LOGGING, 'WRITE', 'HOST_RELEASE', 'HOST_RELEASE', 'WRITE', 'WRITE', 'WRITE', 'HOST_RELEASE', 'HOST_RELEASE', 'HOST_RELEASE']);
    expect([r.head, r.hostPhase, r.last.read]).toEqual([1, 0, 0]);
  });

  it('D32: Suspend posts ESA 3 after every logged change, Resume with logging on posts ESA 1; with DUDMQ the queue is then deleted', () => {
    expect(at([...LOGGING, 'WRITE', 'HOST_RELEASE', 'SUSPEND']).last.posted).toEqual(['suspended']);
    expect(at([...LOGGING, 'HOST_RELEASE', 'SUSPEND', 'RESUME']).last.posted).toEqual(['first']);
    const d = at([...LOGGING, 'SUSPEND_DUDMQ']);
    expect([d.last.posted, d.cdq, d.logging]).toEqual([['suspended'], false, false]);
  });

  it('D33: a One-Shot event completes the outstanding AER at once; without one it waits for the next AER, in the order raised', () => {
    const tail = at(['CREATE_CDQ', 'SET_TRIGGER', 'AER', 'TRACK_START'], shots);
    expect([tail.last.reported, tail.aers]).toEqual([['tail'], 0]);
    // a full queue without a trigger reaching its slot raises the full event alone
    expect(at(['CREATE_CDQ', 'SET_TRIGGER', 'TRACK_START', 'HOST_RELEASE', 'WRITE', 'WRITE', 'AER', 'AER'], shots).last.reported).toEqual(['full']);
  });

  it('D33: the two events of one entry (it reaches the trigger and fills the queue) both wait, in the order the controller chooses: either first, then the other', () => {
    const full = at(['CREATE_CDQ', 'TRACK_START', 'SET_TRIGGER', 'WRITE'], shots);
    expect([full.last.posted, full.queued]).toEqual([['full'], ['either', 'other']]);
    expect(at(['CREATE_CDQ', 'TRACK_START', 'SET_TRIGGER', 'WRITE', 'AER'], shots).last.reported).toEqual(['either']);
    expect(at(['CREATE_CDQ', 'TRACK_START', 'SET_TRIGGER', 'WRITE', 'AER', 'AER'], shots).last.reported).toEqual(['other']);
  });

  it('D33: every occurrence is reported: the trigger reached twice before an AER completes two AERs', () => {
    // ESA 1 reaches TPT 1; released, a new trigger at 2 is reached by Suspend's ESA 3
    const twice = at(['CREATE_CDQ', 'SET_TRIGGER', 'TRACK_START', 'HOST_RELEASE', 'SET_TRIGGER', 'SUSPEND'], shots);
    expect(twice.queued).toEqual(['tail', 'tail']);
    expect(at(['CREATE_CDQ', 'SET_TRIGGER', 'TRACK_START', 'HOST_RELEASE', 'SET_TRIGGER', 'SUSPEND', 'AER', 'AER'], shots).last.reported).toEqual(['tail']);
  });

  it('D34: an FLR stops logging and posts nothing; a PF reset deletes the queue', () => {
    const f = at([...LOGGING, 'FLR']);
    expect([f.logging, f.cdq, f.last.posted]).toEqual([false, true, []]);
    expect(at([...LOGGING, 'PF_RESET']).cdq).toBe(false);
  });

  for (const o of UDMQ_OPTION_SETS) {
    const spec = udmqSpec(o);
    it(`${spec.id}: I3, I10, I14${o.oneShot ? ' and L7' : ''} hold; no deadlock, no unreachable edge`, () => {
      const { report } = check(spec);
      expect(report.invariants.filter((i) => !i.holds).map((i) => i.counterexample?.message)).toEqual([]);
      expect(report.liveness.filter((l) => !l.holds).map((l) => l.id)).toEqual([]);
      expect([report.deadlocks.count, report.unreachable]).toEqual([0, []]);
    });
  }

  const spec = udmqSpec();
  const act = (f: (c: UdmqContext, e: UdmqEventType) => UdmqContext) => assign<UdmqContext, UdmqEvent, undefined, UdmqEvent, never>(({ context, event }) => f(context, event.type));
  const state = (c: UdmqContext) => {
    const { last: _l, ...rest } = c;
    return rest;
  };

  it('I10: a controller that completes a change while logging without posting its range is caught', () => {
    const unlogged = act((c, e) => ({ ...c, last: { ...c.last, event: e, completion: 'none', posted: [], changeCompleted: true, read: null, reported: [] } }));
    const r = invariant(seeded(spec, 'change', { actions: { change: unlogged } }), 'I10');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toBe('I10: a change completed while logging was on with no entry posted before its completion (posted: nothing)');
    expect(r.counterexample?.trace.steps.map((s) => s.event.type)).toEqual(['CREATE_CDQ', 'TRACK_START', 'WRITE']);
  });

  it('I14: a controller that logs into the slot kept for ESA 7 and past it (no flow control) is caught', () => {
    const noReserve = act((c, e) => {
      if (!c.logging) return change(c, e);
      const { next } = post({ ...state(c), used: 0 }, 'range', true);
      return { ...next, used: Math.min(c.used + 1, c.slots.length + 1), logging: true, last: { ...c.last, event: e, posted: ['range'], changeCompleted: true, completion: 'none', read: null, reported: [] } };
    });
    const r = invariant(seeded(spec, 'change', { actions: { change: noReserve } }), 'I14');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I14 \(D31\): 1 entry posted with 0 slot\(s\) free: the queue would look empty or an unconsumed entry was overwritten$/);
  });

  it('I14: a controller that never inverts its phase on a wrap is caught: the host would never read the entry', () => {
    const noFlip = act((c, e) => {
      const after = change(c, e);
      return { ...after, ctrlPhase: 1, slots: after.slots.map((p, i) => (after.last.posted.length > 0 && i === c.tail ? c.ctrlPhase : p)) };
    });
    const r = invariant(seeded(spec, 'change', { actions: { change: noFlip } }), 'I14');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I14: after [A-Z_]+, slot \d holds an unconsumed entry with phase 1; the host expects 0 on this pass/);
    expect(invariant(spec, 'I14').holds).toBe(true);
  });
});
