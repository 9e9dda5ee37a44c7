// Liveness (L1..L4) as "no reachable cycle in which the obligation stays
// pending". The pending-and-fair subgraph keeps the states where the
// obligation is pending and the transitions between them that the spec does
// not mark unfair (a fair run cannot repeat those forever). Any non-trivial
// strongly connected component of it (or a self-loop) is a run that keeps the
// obligation pending forever. A pending state with no way on (a deadlock or a
// final state) is one too: the run stops with the obligation open.
import type { Liveness, MachineSpec } from '../../machines/spec.ts';
import { pathToState } from './graph.ts';
import type { StateGraph, StepHook } from './graph.ts';
import { replayPath } from './trace.ts';
import type { Trace, TraceStep } from './trace.ts';

export interface Lasso {
  /** from the initial state to the first state of the cycle */
  stem: Trace;
  /** events that lead from the end of the stem back to it; empty when the run stops there (`stuck`) */
  cycle: TraceStep[];
  /** the run cannot go on at all (deadlock or final state) with the obligation pending */
  stuck: boolean;
  /** under symmetry the cycle may end in a permutation of its first state; false then */
  closesExactly: boolean;
}

export interface LivenessResult {
  id: string;
  description: string;
  fairness: string;
  holds: boolean;
  /** states where the obligation is pending */
  pendingStates: number;
  lasso?: Lasso;
  ms: number;
}

interface LivenessMonitor {
  onStep: StepHook;
  results(graph: StateGraph): LivenessResult[];
}

/** Watches exploration to mark unfair transitions (it needs the concrete step), then finds lassos. */
export function livenessMonitor(spec: MachineSpec): LivenessMonitor {
  const unfair = spec.liveness.map(() => new Set<number>());
  const onStep: StepHook = (step, at) => {
    if (at.transition < 0) return;
    spec.liveness.forEach((l, i) => {
      if (l.unfair?.(step)) unfair[i].add(at.transition);
    });
  };
  const results = (graph: StateGraph): LivenessResult[] =>
    spec.liveness.map((l, i) => checkOne(spec, graph, l, unfair[i]));
  return { onStep, results };
}

/**
 * Checks the spec's liveness on a graph explored without a monitor: the
 * `unfair` marks are then computed from the stored snapshots, which is exact
 * only without symmetry reduction.
 */
export function checkLiveness(spec: MachineSpec, graph: StateGraph): LivenessResult[] {
  return spec.liveness.map((l) => {
    const unfair = new Set<number>();
    if (l.unfair) {
      graph.transitions.forEach((t, ti) => {
        const step = { before: graph.snapshots[t.from], event: graph.events[t.event], after: graph.snapshots[t.to] };
        if (l.unfair?.(step)) unfair.add(ti);
      });
    }
    return checkOne(spec, graph, l, unfair);
  });
}

function checkOne(spec: MachineSpec, graph: StateGraph, l: Liveness, unfair: Set<number>): LivenessResult {
  const t0 = performance.now();
  const n = graph.keys.length;
  const pending = new Uint8Array(n);
  let pendingStates = 0;
  for (let s = 0; s < n; s++) {
    if (l.pending(graph.snapshots[s])) {
      pending[s] = 1;
      pendingStates++;
    }
  }
  const fairEdge = (ti: number): boolean => {
    const t = graph.transitions[ti];
    return pending[t.from] === 1 && pending[t.to] === 1 && !unfair.has(ti);
  };
  const comp = stronglyConnected(graph, pending, fairEdge);
  const cyclic = cyclicComponents(graph, comp, fairEdge);

  // The entry of the lasso is the candidate state of least depth (lowest index: BFS order).
  let entry = -1;
  let stuck = false;
  for (let s = 0; s < n && entry < 0; s++) {
    if (pending[s] !== 1) continue;
    if (comp[s] >= 0 && cyclic.has(comp[s])) entry = s;
    else if (graph.out[s].length === 0) {
      entry = s;
      stuck = true;
    }
  }
  const base = { id: l.id, description: l.description, fairness: l.fairness, pendingStates };
  if (entry < 0) return { ...base, holds: true, ms: performance.now() - t0 };

  const stemPath = pathToState(graph, entry);
  const cyclePath = stuck ? [] : shortestCycle(graph, entry, comp, fairEdge);
  const replay = replayPath(spec, graph, [...stemPath, ...cyclePath]);
  const stemSteps = replay.trace.steps.slice(0, stemPath.length);
  const cycle = replay.trace.steps.slice(stemPath.length);
  const entryKey = stemSteps.length > 0 ? stemSteps[stemSteps.length - 1].key : replay.trace.initial.key;
  const lasso: Lasso = {
    stem: { initial: replay.trace.initial, steps: stemSteps },
    cycle,
    stuck,
    closesExactly: stuck || cycle[cycle.length - 1].key === entryKey,
  };
  return { ...base, holds: false, lasso, ms: performance.now() - t0 };
}

/**
 * Tarjan's algorithm, iterative (no recursion-depth limit), over the states
 * with `include[s] === 1` and the transitions `edge` accepts. Returns a
 * component id per state (-1 for excluded states).
 */
function stronglyConnected(graph: StateGraph, include: Uint8Array, edge: (t: number) => boolean): Int32Array {
  const n = graph.keys.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const next = new Int32Array(n); // position in graph.out[v] of the next edge to look at
  const stack: number[] = [];
  const call: number[] = [];
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (include[root] !== 1 || index[root] !== -1) continue;
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    call.push(root);
    while (call.length > 0) {
      const v = call[call.length - 1];
      const outs = graph.out[v];
      if (next[v] < outs.length) {
        const ti = outs[next[v]++];
        if (!edge(ti)) continue;
        const w = graph.transitions[ti].to;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          call.push(w);
        } else if (onStack[w] === 1 && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      call.pop();
      if (call.length > 0) {
        const u = call[call.length - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }
  return comp;
}

/** Components that contain a cycle: more than one state, or a state with a fair self-loop. */
function cyclicComponents(graph: StateGraph, comp: Int32Array, edge: (t: number) => boolean): Set<number> {
  const size = new Map<number, number>();
  for (const c of comp) if (c >= 0) size.set(c, (size.get(c) ?? 0) + 1);
  const cyclic = new Set<number>();
  for (const [c, k] of size) if (k > 1) cyclic.add(c);
  graph.transitions.forEach((t, ti) => {
    if (t.from === t.to && comp[t.from] >= 0 && edge(ti)) cyclic.add(comp[t.from]);
  });
  return cyclic;
}

/** Shortest cycle through `entry` inside its component, as transition indices (BFS, alphabet order). */
function shortestCycle(graph: StateGraph, entry: number, comp: Int32Array, edge: (t: number) => boolean): number[] {
  const c = comp[entry];
  const via = new Map<number, number>(); // state -> transition that reached it
  const queue = [entry];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const ti of graph.out[v]) {
      if (!edge(ti)) continue;
      const w = graph.transitions[ti].to;
      if (comp[w] !== c) continue;
      if (w === entry) {
        const cycle = [ti];
        for (let s = v; s !== entry; ) {
          const back = via.get(s) as number;
          cycle.push(back);
          s = graph.transitions[back].from;
        }
        return cycle.reverse();
      }
      if (!via.has(w)) {
        via.set(w, ti);
        queue.push(w);
      }
    }
  }
  throw new Error(`internal: state ${entry} lies in a cyclic component but no cycle returns to it`);
}
