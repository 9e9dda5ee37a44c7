// Each invariant and liveness property of the VF lifecycle holds on the real
// machine, and catches a deliberately broken copy of it on the offending step.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import {
  VF_LIFECYCLE_OPTION_SETS,
  VF_LIVENESS,
  completion,
  createVfLifecycle,
  normalizeVfOptions,
  vfConfig,
  vfInvariants,
  vfLifecycleEvents,
  vfLifecycleSpec,
  vfSetup,
  vfStateKey,
  type VfConfig,
  type VfContext,
  type VfLifecycleOptionsInput,
} from '../../machines/vfLifecycle.ts';
import { bfs, firstViolation, pendingCycle } from './vfLifecycleBfs.ts';

type Patch = Record<string, Record<string, unknown>>;
type LooseConfig = { states: Record<string, { on: Record<string, unknown> }> };

/** The real config with some edges replaced: a broken copy of the machine. */
function patched(input: VfLifecycleOptionsInput, patch: Patch): AnyStateMachine {
  const o = normalizeVfOptions(input);
  const cfg = vfConfig(o) as unknown as LooseConfig;
  const states = Object.fromEntries(
    Object.entries(cfg.states).map(([name, st]) => [name, { ...st, on: { ...st.on, ...(patch[name] ?? {}) } }]),
  );
  return vfSetup(o).createMachine({ ...cfg, states } as unknown as VfConfig);
}

/** The real machine with one named action replaced by `effect`. */
function withAction(input: VfLifecycleOptionsInput, name: string, effect: (c: VfContext, eventType: string) => VfContext): AnyStateMachine {
  const m = createVfLifecycle(input) as AnyStateMachine;
  return m.provide({ actions: { [name]: assign(({ context, event }) => effect(context as VfContext, event.type)) } });
}

function violation(machine: AnyStateMachine, input: VfLifecycleOptionsInput, id: string): true | string {
  const o = normalizeVfOptions(input);
  const inv = vfInvariants(o).find((i) => i.id === id);
  if (inv === undefined) throw new Error(`no invariant ${id}`);
  return firstViolation(bfs(machine, vfLifecycleEvents(o), vfStateKey), inv);
}

function cycle(machine: AnyStateMachine, input: VfLifecycleOptionsInput, id: string): string[] | null {
  const l = VF_LIVENESS.find((x) => x.id === id);
  if (l === undefined) throw new Error(`no liveness ${id}`);
  return pendingCycle(bfs(machine, vfLifecycleEvents(input), vfStateKey), l);
}

const SEQUENCE_D5 = { type: 'reply', params: { status: 'SEQUENCE_ERROR', decision: 'D5' } };
const CORRUPT_D7 = { type: 'reply', params: { status: 'INVALID_FIELD', decision: 'D7' } };

describe('vfLifecycle invariants and liveness hold on the machine', () => {
  it.each(VF_LIFECYCLE_OPTION_SETS.map((o) => [vfLifecycleSpec(o).id, o] as const))('I1, I2, I3, I5, I6, L2, L3, L4 hold on every reachable step of %s', (_id, o) => {
    const spec = vfLifecycleSpec(o);
    const g = bfs(spec.machine, spec.events, vfStateKey);
    for (const inv of spec.invariants) expect(firstViolation(g, inv), inv.id).toBe(true);
    for (const l of spec.liveness) expect(pendingCycle(g, l), l.id).toBeNull();
  });

  it('L2, L3 and L4 have pending states to judge (the properties are not vacuous)', () => {
    const spec = vfLifecycleSpec({ ioCompletion: 'deferred' });
    const g = bfs(spec.machine, spec.events, vfStateKey);
    const pendingIn = (id: string): number => g.snapshots.filter((s) => spec.liveness.find((l) => l.id === id)?.pending(s)).length;
    expect(pendingIn('L3')).toBeGreaterThan(0);
    expect(pendingIn('L4')).toBeGreaterThan(0);
    // L2 is never pending on the real machine: RESUME fetches in its own step. The broken copy below shows it can be.
    expect(pendingIn('L2')).toBe(0);
  });
});

describe('each invariant catches a broken copy of the machine', () => {
  it('I1 (D1): a VF that obeys SUSPEND from its own admin queue', () => {
    const m = patched({}, { running: { VF_LM_SUSPEND: { guard: 'controllerEnabled', target: 'suspended', actions: 'rejectVfQueueLm' } } });
    expect(violation(m, {}, 'I1')).toMatch(/^I1 \(D1\): VF_LM_SUSPEND on the VF's own admin queue changed the VF/);
  });

  it('I1 (D1): a policy-drop VF that still posts a completion', () => {
    const m = patched({ vfQueuePolicy: 'drop' }, { running: { VF_LM_QUERY: { guard: 'controllerEnabled', actions: 'rejectVfQueueLm' } } });
    expect(violation(m, { vfQueuePolicy: 'drop' }, 'I1')).toMatch(/policy drop, yet VF_LM_QUERY got a completion/);
  });

  it('I2: deferred I/O that is posted as completed and also kept in flight', () => {
    const o = { ioCompletion: 'deferred' } as const;
    const m = withAction(o, 'submitFetched', (c) => ({
      ...c,
      outstanding: c.outstanding + 1,
      last: { ...c.last, event: 'SUBMIT_IO', completion: completion('SUCCESS', 'NVMe'), latched: false, ioCompleted: 0, ioFetched: 0, saveCompleted: 'none', sizeQueues: null, ioDropped: 0, adminCompleted: 'none', adminDropped: 'none' },
    }));
    expect(violation(m, o, 'I2')).toMatch(/^I2: SUBMIT_IO got a completion \(SUCCESS\) and is also I\/O fetched or latched/);
  });

  it('I2 (D12): a drain that ends without completing the pending SAVE', () => {
    const o = { ioCompletion: 'deferred' } as const;
    const m = patched(o, { saving: { IO_COMPLETE: [{ guard: 'lastOutstanding', target: 'saved', actions: 'drainOne' }, { actions: 'drainOne' }] } });
    expect(violation(m, o, 'I2')).toMatch(/drain ended \(IO_COMPLETE\) but the pending SAVE got no completion/);
  });

  it('I3: a SAVE in running that answers Command Sequence Error but captures the image anyway', () => {
    const m = patched({}, { running: { LM_SAVE: { actions: ['save', SEQUENCE_D5] } } });
    expect(violation(m, {}, 'I3')).toMatch(/^I3: LM_SAVE was rejected with SEQUENCE_ERROR \(D5\) yet changed the VF/);
  });

  it('I5 (D7): a corrupt LOAD that is rejected after it restored the image (partly loaded)', () => {
    const m = patched({}, { suspended: { LM_LOAD_CORRUPT: { guard: 'hostHoldsImage', actions: ['load', CORRUPT_D7] } } });
    expect(violation(m, {}, 'I5')).toMatch(/^I5 \(D7\): LM_LOAD_CORRUPT failed with INVALID_FIELD but changed the VF/);
  });

  it('I5 (D7): a LOAD that restores everything but the latched doorbells', () => {
    const m = withAction({}, 'load', (c, type) => ({ ...c, ...c.image, outstanding: 0, latched: 0, last: { ...c.last, event: type as 'LM_LOAD', completion: completion('SUCCESS', 'D7') } }));
    expect(violation(m, {}, 'I5')).toMatch(/^I5 \(D7\): LOAD succeeded but not all of the image was restored: 0 latched I\/O doorbells, the image holds 1/);
  });

  it('I6 (D12): a guard that lets SAVE run while running captures with fetched I/O not drained', () => {
    const o = { ioCompletion: 'deferred' } as const;
    const m = patched(o, { running: { LM_SAVE: { guard: 'hostHoldsImage', target: 'saved', actions: 'save' } } });
    // hostHoldsImage: SAVE goes through in running once any SAVE has happened
    expect(violation(m, o, 'I6')).toMatch(/^I6 \(D12\): SAVE completed with 1 fetched I\/O not drained/);
  });

  it('I6: a RESUME that forgets the latched I/O (lost, never completed)', () => {
    const m = withAction({}, 'resume', (c, type) => ({ ...c, latched: 0, last: { ...c.last, event: type as 'LM_RESUME', completion: completion('SUCCESS', 'D5'), ioFetched: 0, ioCompleted: 0 } }));
    expect(violation(m, {}, 'I6')).toMatch(/^I6: LM_RESUME left 0 I\/O in flight .* an I\/O was lost/);
  });

  it('I6 (D12): a SAVE whose image leaves out the latched doorbells', () => {
    const m = withAction({}, 'save', (c, type) => ({
      ...c,
      image: { enabled: c.enabled, ioQueues: c.ioQueues, latched: 0, adminLatched: c.adminLatched },
      last: { ...c.last, event: type as 'LM_SAVE', completion: completion('SUCCESS', 'D12'), sizeQueues: c.ioQueues },
    }));
    expect(violation(m, {}, 'I6')).toMatch(/^I6 \(D12\): SAVE did not carry the latched doorbells/);
  });
});

describe('each liveness property finds a lasso in a broken copy', () => {
  it('L2 (D11): a RESUME that does not fetch latched doorbells keeps them latched while running', () => {
    const m = withAction({}, 'resume', (c, type) => ({ ...c, last: { ...c.last, event: type as 'LM_RESUME', completion: completion('SUCCESS', 'D5') } }));
    expect(cycle(m, {}, 'L2')).not.toBeNull();
  });

  it('L3: an IO_COMPLETE that completes nothing keeps an I/O pending forever', () => {
    const o = { ioCompletion: 'deferred' } as const;
    const m = withAction(o, 'completeIo', (c, type) => ({ ...c, last: { ...c.last, event: type as 'IO_COMPLETE' } }));
    expect(cycle(m, o, 'L3')).toEqual(['IO_COMPLETE']);
  });

  it('L3 fairness: a host that never resumes a stopped VF is not a counterexample', () => {
    // suspended with a latched I/O, QUERY forever: pending, but unfair (the host must RESUME eventually)
    const l3 = VF_LIVENESS.find((l) => l.id === 'L3');
    const spec = vfLifecycleSpec();
    const g = bfs(spec.machine, spec.events, vfStateKey);
    const stuck = g.steps.find((st) => st.event.type === 'LM_QUERY' && st.from === st.to && l3?.pending(st.before));
    expect(stuck).toBeDefined();
    expect(stuck && l3?.unfair?.(stuck)).toBe(true);
  });

  it('L4 (D12): a drain step that completes nothing never ends', () => {
    const o = { ioCompletion: 'deferred' } as const;
    const m = withAction(o, 'drainOne', (c, type) => ({ ...c, last: { ...c.last, event: type as 'IO_COMPLETE' } }));
    expect(cycle(m, o, 'L4')).toEqual(['IO_COMPLETE']);
  });
});
