// Each safety property of the tp4159 lifecycle catches a copy of the machine
// seeded with the bug it exists for, on the offending step, and holds on the
// unbroken machine. Small bounds (one queue pair, one I/O) keep each check fast.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { tpLifecycleSpec, type TpLifecycleContext, type TpLifecycleEvent, type TpLifecycleEventType } from '../../../machines/tp4159Lifecycle.ts';
import { applyState, getState, reply, suspendNow } from '../../../machines/tp4159/lifecycle/effects.ts';
import type { TpStatusName } from '../../../machines/tp4159/status.ts';
import { invariant, seeded } from './helpers.ts';

const small = tpLifecycleSpec({ maxIoQueues: 1, maxOutstanding: 1 });
type Effect = (c: TpLifecycleContext, e: TpLifecycleEventType) => TpLifecycleContext;
const act = (f: Effect) => assign<TpLifecycleContext, TpLifecycleEvent, undefined, TpLifecycleEvent, never>(({ context, event }) => f(context, event.type));

describe('tp4159Lifecycle invariants on seeded machines', () => {
  it('I3: a rejection that drops the I/O queues (Resume of an active VF answered 3Ah but the VF changed) is caught', () => {
    const broken = assign(({ context, event }: { context: TpLifecycleContext; event: TpLifecycleEvent }, p: { status: TpStatusName; decision: 'D22' | 'D23' }) => ({
      ...reply(context, event.type, p.status, p.decision),
      ioQueues: p.status === 'SUCCESS' ? context.ioQueues : 0,
    }));
    const r = invariant(seeded(small, 'reply', { actions: { reply: broken } }), 'I3');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I3: RESUME was rejected with CONTROLLER_NOT_SUSPENDED yet changed the VF/);
    expect(invariant(small, 'I3').holds).toBe(true);
  });

  it('I11: a Set State that applies the queues but not the latched tails (a partial apply) is caught', () => {
    const partial = act((c, e) => ({ ...applyState(c, e), latched: 0 }));
    const r = invariant(seeded(small, 'applyState', { actions: { applyState: partial } }), 'I11');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I11 \(D26\): SET_STATE succeeded but not all of the state was applied/);
    expect(invariant(small, 'I11').holds).toBe(true);
  });

  it('I12: a Get State that leaves the pending SQ entries out of the state is caught', () => {
    const forgets = act((c, e) => {
      const next = getState(c, e, 'vendor', true);
      return { ...next, image: next.image && { ...next.image, latched: 0 }, last: { ...next.last, got: next.last.got && { ...next.last.got, latched: 0 } } };
    });
    const r = invariant(seeded(small, 'getSuspended', { actions: { getSuspended: forgets } }), 'I12');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I12 \(D24\): Get State returned q\d\.l0/);
    expect(invariant(small, 'I12').holds).toBe(true);
  });

  it('I15: a destination that keeps its own admin queue position instead of the state\'s vendor section is caught', () => {
    const ownAdmin = act((c, e) => ({ ...applyState(c, e), ctrlAdminPos: c.ctrlAdminPos }));
    const r = invariant(seeded(small, 'applyState', { actions: { applyState: ownAdmin } }), 'I15');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I15: the destination holds .* after Set State; the source's state was/);
    expect(r.counterexample?.trace.steps.map((s) => s.event.type)).toContain('MIGRATE');
    expect(invariant(small, 'I15').holds).toBe(true);
  });

  it('D22: a Suspend that completes at once although a fetched command is in flight is caught', () => {
    const early = act((c, e) => suspendNow(c, e));
    const r = invariant(seeded(small, 'startDrain', { actions: { startDrain: early } }), 'D22');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toBe('D22: Suspend completed on SUSPEND with 1 fetched I/O not completed');
    expect(invariant(small, 'D22').holds).toBe(true);
  });

  it('D24: a Get State that reports CSUP for an active VF is caught', () => {
    const lies = act((c, e) => getState(c, e, 'vendor', true));
    const r = invariant(seeded(small, 'getActive', { actions: { getActive: lies } }), 'D24');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toBe('D24: CSUP true for a VF that is active');
    expect(invariant(small, 'D24').holds).toBe(true);
  });
});
