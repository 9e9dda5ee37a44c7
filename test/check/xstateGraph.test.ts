// The explorer agrees with @xstate/graph's getAdjacencyMap (given the same
// events) on the reachable state set and the transition count.
import { describe, expect, it } from 'vitest';
import { getAdjacencyMap } from '@xstate/graph';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { takenEdgeIds } from '../../src/check/edges.ts';
import { explore } from '../../src/check/explore.ts';
import { defaultStateKey } from '../../src/check/graph.ts';
import { deadlockToy, doorbellToy, drainToy, mutexToy, vfToy } from './toys.ts';

function viaXStateGraph(spec: MachineSpec): { states: Set<string>; transitions: number } {
  const adj = getAdjacencyMap(spec.machine, { events: spec.events as EventObject[] }) as unknown as Record<
    string,
    { state: AnyMachineSnapshot; transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }> }
  >;
  const states = new Set<string>();
  let transitions = 0;
  for (const { state, transitions: out } of Object.values(adj)) {
    states.add(defaultStateKey(state));
    for (const { event, state: next } of Object.values(out)) {
      // the same rule as the explorer: a change of state, or a definition edge taken
      if (defaultStateKey(next) !== defaultStateKey(state) || takenEdgeIds(spec.machine, state, event).length > 0) transitions++;
    }
  }
  return { states, transitions };
}

const specs: MachineSpec[] = [
  vfToy(),
  vfToy({ saveWhileRunning: true }),
  mutexToy(2),
  mutexToy(3),
  mutexToy(3, { forgetLock: true }),
  doorbellToy(),
  doorbellToy({ resumeForgets: true }),
  drainToy(),
  drainToy({ fetchWhileDraining: true }),
  deadlockToy(),
];

describe('explore agrees with @xstate/graph', () => {
  for (const spec of specs) {
    it(`${spec.id}: same reachable states and transition count as getAdjacencyMap`, () => {
      const g = explore(spec);
      const ref = viaXStateGraph(spec);
      expect(new Set(g.keys)).toEqual(ref.states);
      expect(g.transitions.length).toBe(ref.transitions);
    });
  }
});
