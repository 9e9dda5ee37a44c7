// Test helpers for the VF lifecycle and system machines: run a named path,
// a small breadth-first search over XState's pure transition(), and a lasso
// search for liveness. (The project's model checker is src/check; these exist
// so the machine tests stand on their own.)
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { Invariant, Liveness } from '../../machines/spec.ts';

/** Applies `events` in order; throws when one takes no edge (is not enabled), naming it. */
export function run(machine: AnyStateMachine, events: readonly (EventObject | string)[], from?: AnyMachineSnapshot): AnyMachineSnapshot {
  let s = from ?? initialTransition(machine)[0];
  events.forEach((e, i) => {
    const event = typeof e === 'string' ? { type: e } : e;
    const [next] = transition(machine, s, event);
    if (next === s) throw new Error(`step ${i + 1}: ${JSON.stringify(event)} is not enabled in ${JSON.stringify(s.value)}`);
    s = next;
  });
  return s;
}

interface BfsStep {
  from: number;
  to: number;
  event: EventObject;
  before: AnyMachineSnapshot;
  after: AnyMachineSnapshot;
}

interface Bfs {
  snapshots: AnyMachineSnapshot[];
  keys: Map<string, number>;
  /** steps that took an edge (the event was enabled) */
  steps: BfsStep[];
}

/** Every reachable state (by `key`) and every enabled step from each, breadth first. */
export function bfs(machine: AnyStateMachine, events: readonly EventObject[], key: (s: AnyMachineSnapshot) => string, limit = 200_000): Bfs {
  const [s0] = initialTransition(machine);
  const snapshots = [s0];
  const keys = new Map([[key(s0), 0]]);
  const steps: BfsStep[] = [];
  for (let from = 0; from < snapshots.length; from++) {
    const before = snapshots[from];
    for (const event of events) {
      const [after] = transition(machine, before, event);
      if (after === before) continue;
      const k = key(after);
      let to = keys.get(k);
      if (to === undefined) {
        if (snapshots.length >= limit) throw new Error(`more than ${limit} states`);
        to = snapshots.length;
        keys.set(k, to);
        snapshots.push(after);
      }
      steps.push({ from, to, event, before, after });
    }
  }
  return { snapshots, keys, steps };
}

/** The first message of `inv` on any explored step, or true. */
export function firstViolation(graph: Bfs, inv: Invariant): true | string {
  for (const step of graph.steps) {
    const r = inv.check(step);
    if (r !== true) return `${r} [on ${step.event.type} from ${JSON.stringify(step.before.value)}]`;
  }
  return true;
}

/**
 * A cycle of fair steps through states where `l` stays pending (a lasso's
 * loop), as its event types, or null when there is none: liveness holds.
 */
export function pendingCycle(graph: Bfs, l: Liveness): string[] | null {
  const pending = graph.snapshots.map((s) => l.pending(s));
  const out = new Map<number, BfsStep[]>();
  for (const st of graph.steps) {
    if (!pending[st.from] || !pending[st.to] || l.unfair?.(st)) continue;
    out.set(st.from, [...(out.get(st.from) ?? []), st]);
  }
  // Iterative DFS with colours: a back edge closes a cycle.
  const colour = new Uint8Array(graph.snapshots.length); // 0 new, 1 on path, 2 done
  for (let root = 0; root < graph.snapshots.length; root++) {
    if (!pending[root] || colour[root] !== 0) continue;
    const path: { state: number; next: number; via?: BfsStep }[] = [{ state: root, next: 0 }];
    colour[root] = 1;
    while (path.length > 0) {
      const top = path[path.length - 1];
      const edges = out.get(top.state) ?? [];
      if (top.next >= edges.length) {
        colour[top.state] = 2;
        path.pop();
        continue;
      }
      const st = edges[top.next++];
      if (colour[st.to] === 1) {
        const start = path.findIndex((p) => p.state === st.to);
        return [...path.slice(start + 1).map((p) => (p.via as BfsStep).event.type), st.event.type];
      }
      if (colour[st.to] === 0) {
        colour[st.to] = 1;
        path.push({ state: st.to, next: 0, via: st });
      }
    }
  }
  return null;
}
