// The checker and the path generator on the project's own machines.
import { describe, expect, it } from 'vitest';
import { getAdjacencyMap } from '@xstate/graph';
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { PF_ACCEPTANCE_OPTION_SETS, pfAcceptanceSpec } from '../../machines/pfAcceptance.ts';
import { vfioMigrationSpecs } from '../../machines/vfioMigration.ts';
import { VF_LIFECYCLE_OPTION_SETS, vfLifecycleSpec } from '../../machines/vfLifecycle.ts';
import { systemSpec } from '../../machines/system.ts';
import { reachableCoverage, pathCoverage } from '../../src/check/coverage.ts';
import { takenEdgeIds } from '../../src/check/edges.ts';
import { stateKeyFunction } from '../../src/check/graph.ts';
import { check } from '../../src/check/report.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';

const specs: MachineSpec[] = [
  ...PF_ACCEPTANCE_OPTION_SETS.map((o) => pfAcceptanceSpec(o)),
  ...vfioMigrationSpecs,
  ...VF_LIFECYCLE_OPTION_SETS.map((o) => vfLifecycleSpec(o)),
  systemSpec(1),
  systemSpec(2),
  systemSpec(2, { vfQueuePolicy: 'drop' }),
];

function viaXStateGraph(spec: MachineSpec): { states: Set<string>; transitions: number } {
  const key = stateKeyFunction(spec, false);
  const adj = getAdjacencyMap(spec.machine, { events: spec.events, serializeState: (s: AnyMachineSnapshot) => key(s) } as never) as unknown as Record<
    string,
    { state: AnyMachineSnapshot; transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }> }
  >;
  const states = new Set<string>();
  let transitions = 0;
  for (const { state, transitions: out } of Object.values(adj)) {
    states.add(key(state));
    for (const { event, state: next } of Object.values(out)) {
      if (key(next) !== key(state) || takenEdgeIds(spec.machine, state, event).length > 0) transitions++;
    }
  }
  return { states, transitions };
}

/** One check per machine, read by both of its tests. */
const checked = new Map<MachineSpec, ReturnType<typeof check>>();
function checkOnce(spec: MachineSpec): ReturnType<typeof check> {
  let c = checked.get(spec);
  if (c === undefined) checked.set(spec, (c = check(spec)));
  return c;
}

describe('the project machines', () => {
  for (const spec of specs) {
    it(`${spec.id}: every invariant holds, no deadlock, and the graph agrees with @xstate/graph`, () => {
      const { report, graph } = checkOnce(spec);
      expect(report.invariants.filter((i) => !i.holds).map((i) => i.counterexample)).toEqual([]);
      expect(report.liveness.filter((l) => !l.holds).map((l) => l.lasso)).toEqual([]);
      expect(report.deadlocks.count).toBe(0);
      const ref = viaXStateGraph(spec);
      expect(new Set(graph.keys)).toEqual(ref.states);
      expect(graph.transitions.length).toBe(ref.transitions);
    });

    it(`${spec.id}: the transition cover takes every reachable definition edge, and its paths replay to the states they name`, () => {
      const { graph } = checkOnce(spec);
      const paths = transitionCover(graph);
      const cov = pathCoverage(spec.machine, paths);
      expect(cov.uncovered.map((e) => e.id)).toEqual(reachableCoverage(spec.machine, graph).unreachable.map((e) => e.id));
      // spec.key may merge states; replaying from the initial state must still land in the same keyed state
      const key = stateKeyFunction(spec, false);
      for (const p of paths) {
        let [s] = initialTransition(spec.machine);
        for (const step of p.steps) {
          [s] = transition(spec.machine, s, step.event);
          expect(key(s)).toBe(step.state);
        }
      }
    });
  }
});

describe('system under symmetry reduction', () => {
  it('system:3: the same verdicts with fewer states (VFs are interchangeable)', () => {
    const spec = systemSpec(3);
    const plain = check(spec).report;
    const reduced = check(spec, { symmetry: true }).report;
    expect(reduced.states).toBeLessThan(plain.states);
    expect(reduced.invariants.map((i) => [i.id, i.holds])).toEqual(plain.invariants.map((i) => [i.id, i.holds]));
    expect(reduced.deadlocks.count).toBe(plain.deadlocks.count);
  });
});
