import { describe, expect, it } from 'vitest';
import { assign, initialTransition, setup, transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { explore } from '../../src/check/explore.ts';
import { checkLiveness, livenessMonitor } from '../../src/check/liveness.ts';
import type { Lasso } from '../../src/check/liveness.ts';
import { defaultStateKey } from '../../src/check/graph.ts';
import { doorbellToy, drainToy, mutexToy } from './toys.ts';

function run(spec: MachineSpec) {
  const monitor = livenessMonitor(spec);
  const graph = explore(spec, { onStep: monitor.onStep });
  return monitor.results(graph);
}

/** Replays stem then cycle with XState: the cycle must come back to its first state, pending all along, with no unfair step. */
function expectValidLasso(spec: MachineSpec, lasso: Lasso): void {
  const l = spec.liveness[0];
  let [s] = initialTransition(spec.machine);
  for (const step of lasso.stem.steps) [s] = transition(spec.machine, s, step.event);
  const entry = defaultStateKey(s);
  expect(l.pending(s)).toBe(true);
  for (const step of lasso.cycle) {
    const before: AnyMachineSnapshot = s;
    [s] = transition(spec.machine, s, step.event);
    expect(defaultStateKey(s)).toBe(step.key);
    expect(l.pending(s)).toBe(true);
    expect(l.unfair?.({ before, event: step.event, after: s }) ?? false).toBe(false);
  }
  if (!lasso.stuck) expect(defaultStateKey(s)).toBe(entry);
}

describe('liveness', () => {
  it('L2: finds a lasso when RESUME forgets latched doorbells (SUSPEND, DOORBELL, then RESUME/SUSPEND forever)', () => {
    const spec = doorbellToy({ resumeForgets: true });
    const [r] = run(spec);
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(lasso.stem.steps.map((s) => s.event.type)).toEqual(['SUSPEND', 'DOORBELL']);
    expect(lasso.cycle.map((s) => s.event.type)).toEqual(['RESUME', 'SUSPEND']);
    expect(lasso.stuck).toBe(false);
    expectValidLasso(spec, lasso);
  });

  it('L2: holds when RESUME fetches latched doorbells, under the fairness that a suspended VF is resumed', () => {
    const spec = doorbellToy();
    expect(run(spec)[0].holds).toBe(true);
    // without the fairness assumption staying suspended forever is a counterexample: the assumption matters
    const unfairRemoved: MachineSpec = { ...spec, liveness: [{ ...spec.liveness[0], unfair: undefined }] };
    const [r] = run(unfairRemoved);
    expect(r.holds).toBe(false);
    expect(r.lasso?.cycle.map((s) => s.event.type)).toEqual(['DOORBELL']);
  });

  it('L4: finds a lasso when fetching goes on during a SAVE drain (the drain never ends)', () => {
    const spec = drainToy({ fetchWhileDraining: true });
    const [r] = run(spec);
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(lasso.stem.steps.map((s) => s.event.type)).toEqual(['FETCH', 'SAVE']);
    expect(lasso.cycle.map((s) => s.event.type)).toEqual(['FETCH', 'COMPLETE']);
    expectValidLasso(spec, lasso);
  });

  it('L4: a drain stuck with commands in flight is a stuck lasso (no cycle, the run stops pending)', () => {
    const spec = drainToy({ noCompletions: true });
    const [r] = run(spec);
    expect(r.lasso?.stuck).toBe(true);
    expect(r.lasso?.cycle).toEqual([]);
    expect(r.lasso?.stem.steps.map((s) => s.event.type)).toEqual(['FETCH', 'SAVE']);
  });

  it('L4: holds when the drain only completes', () => {
    expect(run(drainToy())[0].holds).toBe(true);
  });

  it('reports per-property time and pending-state counts', () => {
    const results = run(mutexToy(2));
    expect(results.map((r) => [r.id, r.holds])).toEqual([
      ['ENTRY', false],
      ['PROGRESS', true],
    ]);
    for (const r of results) {
      expect(r.ms).toBeGreaterThanOrEqual(0);
      expect(r.pendingStates).toBeGreaterThan(0);
    }
  });

  it('checkLiveness on a plain graph gives the same verdicts as the monitor (no symmetry)', () => {
    for (const spec of [doorbellToy(), doorbellToy({ resumeForgets: true }), drainToy({ fetchWhileDraining: true }), mutexToy(3)]) {
      const a = run(spec);
      const b = checkLiveness(spec, explore(spec));
      expect(b.map((r) => [r.id, r.holds, r.lasso?.cycle.length])).toEqual(a.map((r) => [r.id, r.holds, r.lasso?.cycle.length]));
    }
  });

  it('Tarjan is iterative: a 30,000-state cycle causes no stack overflow and the lasso is the whole ring', () => {
    const size = 30_000;
    const machine = setup({
      types: { context: {} as { n: number }, events: {} as { type: 'TICK' } },
      actions: { tick: assign(({ context }) => ({ n: (context.n + 1) % size })) },
    }).createMachine({ id: 'ring', context: { n: 0 }, initial: 'on', states: { on: { on: { TICK: { actions: 'tick' } } } } });
    const spec: MachineSpec = {
      id: 'ring',
      description: 'a ring',
      machine,
      events: [{ type: 'TICK' }],
      invariants: [],
      liveness: [{ id: 'NEVER', description: 'never discharged', fairness: 'none', pending: () => true }],
    };
    const [r] = run(spec);
    expect(r.holds).toBe(false);
    expect(r.lasso?.stem.steps.length).toBe(0);
    expect(r.lasso?.cycle.length).toBe(size);
  });
});
