// The tp4159 lifecycle machine step by step: each decision it implements, and
// the whole machine checked (every invariant and liveness property, no
// deadlock, no dead edge) for the catalog's option sets.
import { describe, expect, it } from 'vitest';
import {
  TP_LIFECYCLE_OPTION_SETS,
  createTpLifecycle,
  tpContextOf,
  tpLifecycleSpec,
  tpLmStateOf,
  type TpLifecycleContext,
} from '../../../machines/tp4159Lifecycle.ts';
import { check } from '../../../src/check/report.ts';
import { play } from './helpers.ts';

const m = createTpLifecycle();
const ctx = (events: string[]): TpLifecycleContext => tpContextOf(play(m, events));
const status = (events: string[]): string => {
  const c = ctx(events).last.completion;
  return c === 'none' ? 'none' : `${c.status} ${c.sct}/${c.sc.toString(16)}${c.dnr ? ' DNR' : ''} ${c.decision}`;
};
const BUSY = ['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO'];

describe('tp4159Lifecycle', () => {
  it('D22: Suspend waits for the fetched commands: suspending, then the last completion completes the Suspend', () => {
    const s = play(m, [...BUSY, 'SUSPEND']);
    expect(tpLmStateOf(s)).toBe('suspending');
    expect(tpContextOf(s).last.completion).toBe('none');
    const done = play(m, [...BUSY, 'SUSPEND', 'IO_COMPLETE']);
    expect(tpLmStateOf(done)).toBe('suspended');
    expect(tpContextOf(done).last.suspendCompleted).toMatchObject({ status: 'SUCCESS', decision: 'D22' });
  });

  it('D22: doorbells written while suspended are latched, never fetched or lost; Suspend of a suspended VF and STYPE 0 change nothing', () => {
    const c = ctx(['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'SUBMIT_IO', 'SUBMIT_IO']);
    expect([c.latched, c.outstanding, c.guestIo]).toEqual([2, 0, 2]);
    expect(status(['ENABLE', 'SUSPEND', 'SUSPEND'])).toBe('SUCCESS 0/0 D22');
    expect(status(['ENABLE', 'SUSPEND_NOTICE'])).toBe('SUCCESS 0/0 D22');
    expect(tpLmStateOf(play(m, ['ENABLE', 'SUSPEND_NOTICE']))).toBe('active');
  });

  it('D23: Resume fetches every latched tail, the admin SQ included, with no doorbell write; Resume of an active VF is 1/3Ah, DNR', () => {
    const c = ctx(['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'SUBMIT_IO', 'CREATE_IO_QUEUE', 'RESUME']);
    expect(c.last.ioFetched).toBe(1);
    expect(c.last.adminCompleted).toBe('create');
    expect([c.ioQueues, c.latched, c.adminLatched, c.outstanding]).toEqual([2, 0, false, 1]);
    expect(status(['ENABLE', 'RESUME'])).toBe('CONTROLLER_NOT_SUSPENDED 1/3a DNR D23');
  });

  it('D24: Get Controller State in any state, CSUP set only while suspended; the host keeps a state taken while suspended', () => {
    expect(ctx(['ENABLE', 'GET_STATE']).last.csup).toBe(false);
    expect(ctx([...BUSY, 'SUSPEND', 'GET_STATE']).last.csup).toBe(false);
    const s = ctx(['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'GET_STATE']);
    expect(s.last.csup).toBe(true);
    expect(s.mig).toBe('saved');
    expect(s.image).toMatchObject({ ioQueues: 1, latched: 0, vendor: { enabled: true, adminPos: 1, adminLatched: false } });
  });

  it('D26: Set State of a VF not suspended is 1/3Ah; over I/O queues Invalid Field; a failure leaves the VF as it was', () => {
    const source = ['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'GET_STATE'];
    expect(status([...source, 'SET_STATE'])).toBe('INVALID_FIELD 0/2 DNR D26');
    expect(status([...source, 'MIGRATE', 'SET_STATE'])).toBe('CONTROLLER_NOT_SUSPENDED 1/3a DNR D26');
    expect(status([...source, 'MIGRATE', 'SUSPEND', 'SET_STATE_CORRUPT'])).toBe('INVALID_FIELD 0/2 DNR D26');
    expect(ctx([...source, 'MIGRATE', 'SUSPEND', 'SET_STATE_CORRUPT']).ioQueues).toBe(0);
  });

  it('D26: parts accumulate and apply at the last; a part out of order or a new first before a last restarts with Invalid Field', () => {
    const dest = ['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'GET_STATE', 'MIGRATE', 'SUSPEND'];
    const first = ctx([...dest, 'SET_STATE_FIRST', 'SET_STATE_MIDDLE']);
    expect([first.parts, first.ioQueues]).toEqual(['middle', 0]);
    const last = ctx([...dest, 'SET_STATE_FIRST', 'SET_STATE_MIDDLE', 'SET_STATE_LAST']);
    expect([last.parts, last.ioQueues, last.mig, last.ctrlAdminPos]).toEqual(['none', 1, 'loaded', 1]);
    expect(status([...dest, 'SET_STATE_MIDDLE'])).toBe('INVALID_FIELD 0/2 DNR D26');
    const restart = ctx([...dest, 'SET_STATE_FIRST', 'SET_STATE_FIRST']);
    expect([restart.parts, restart.last.completion !== 'none' && restart.last.completion.status]).toEqual(['none', 'INVALID_FIELD']);
    expect(ctx([...dest, 'SET_STATE_FIRST', 'SET_STATE']).parts).toBe('none');
  });

  it('D26: a controller that takes only SEQIND 3 answers Invalid Field, never Internal Error, for the parts', () => {
    const w = createTpLifecycle({ seqind: 'whole-only' });
    const s = tpContextOf(play(w, ['ENABLE', 'SUSPEND', 'GET_STATE', 'MIGRATE', 'SUSPEND', 'SET_STATE_FIRST']));
    expect(s.last.completion).toMatchObject({ status: 'INVALID_FIELD', sct: 0, sc: 2, dnr: true });
    expect(s.parts).toBe('none');
  });

  it('D25: with the vendor section the destination continues the guest\'s admin queue: its next admin command completes', () => {
    const c = ctx(['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'GET_STATE', 'MIGRATE', 'SUSPEND', 'SET_STATE', 'RESUME', 'CREATE_IO_QUEUE']);
    expect(c.last.adminCompleted).toBe('create');
    expect([c.ioQueues, c.guestAdmin]).toEqual([2, 'none']);
  });

  it('D34: FLR and CC.EN 1->0 clear the suspension, the I/O queues and the parts, and end the migration; a reset during the drain completes the Suspend with Command Sequence Error', () => {
    const s = play(m, ['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', 'GET_STATE', 'MIGRATE', 'SUSPEND', 'SET_STATE_FIRST', 'FLR']);
    const c = tpContextOf(s);
    expect([tpLmStateOf(s), c.parts, c.ioQueues, c.mig, c.image]).toEqual(['active', 'none', 0, 'none', null]);
    const d = play(m, [...BUSY, 'SUSPEND', 'DISABLE']);
    expect(tpLmStateOf(d)).toBe('active');
    expect(tpContextOf(d).last).toMatchObject({ ioDropped: 1, suspendCompleted: { status: 'SEQUENCE_ERROR', decision: 'D34' } });
  });

  for (const o of TP_LIFECYCLE_OPTION_SETS) {
    const spec = tpLifecycleSpec(o);
    it(`${spec.id}: I3, I11, I12, I15, D22, D24, L5, L6 and D25 hold; no deadlock, no unreachable edge`, () => {
      const { report } = check(spec);
      expect(report.invariants.filter((i) => !i.holds).map((i) => i.counterexample?.message)).toEqual([]);
      expect(report.liveness.filter((l) => !l.holds).map((l) => l.id)).toEqual([]);
      expect(report.deadlocks.count).toBe(0);
      expect(report.unreachable).toEqual([]);
      expect(report.liveness.find((l) => l.id === 'L5')?.pendingStates).toBeGreaterThan(0);
    });
  }
});
