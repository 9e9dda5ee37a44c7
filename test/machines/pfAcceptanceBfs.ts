// A small breadth-first search over a MachineSpec with XState's pure
// transition(), for the pfAcceptance tests (the project's checker lives in
// src/check and is tested on its own). It keeps one shortest path per state
// and every step, so tests can ask "which final states are reachable", "by
// which path", and "does an invariant hold on every step".
import { initialTransition, transition, type AnyMachineSnapshot, type EventObject } from 'xstate';
import type { MachineSpec, Step } from '../../machines/spec.ts';
import { takenEdgeIds } from '../../src/check/edges.ts';

interface Reached {
  snapshot: AnyMachineSnapshot;
  path: EventObject[];
}

export interface Explored {
  /** by spec key */
  states: Map<string, Reached>;
  steps: Step[];
  edges: Set<string>;
  /** final state name -> a shortest path to it */
  finals: Map<string, EventObject[]>;
  maxDepth: number;
}

export function bfs(spec: MachineSpec): Explored {
  const keyOf = spec.key ?? ((s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context]));
  const [initial] = initialTransition(spec.machine);
  const states = new Map<string, Reached>([[keyOf(initial), { snapshot: initial, path: [] }]]);
  const queue: Reached[] = [{ snapshot: initial, path: [] }];
  const steps: Step[] = [];
  const edges = new Set<string>();
  const finals = new Map<string, EventObject[]>();
  let maxDepth = 0;
  while (queue.length > 0) {
    const { snapshot, path } = queue.shift()!;
    for (const event of spec.events) {
      const taken = takenEdgeIds(spec.machine, snapshot, event);
      if (taken.length === 0) continue;
      const [after] = transition(spec.machine, snapshot, event);
      taken.forEach((id) => edges.add(id));
      steps.push({ before: snapshot, event, after });
      const next = [...path, event];
      maxDepth = Math.max(maxDepth, next.length);
      if (after.status === 'done' && !finals.has(String(after.value))) finals.set(String(after.value), next);
      const key = keyOf(after);
      if (!states.has(key)) {
        states.set(key, { snapshot: after, path: next });
        queue.push({ snapshot: after, path: next });
      }
    }
  }
  return { states, steps, edges, finals, maxDepth };
}
