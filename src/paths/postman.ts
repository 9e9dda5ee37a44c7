// A transition cover close to the fewest total steps: the directed Chinese
// postman problem, with "reset" (start a new path from the initial state) as
// an extra move from any state. Every transition must be taken once; where a
// state is entered more often than it is left (or the reverse), the walk has
// to add moves, and a min-cost flow picks the cheapest additions (each unit a
// shortest route, possibly through a reset). The transitions plus the added
// routes then form a balanced, connected multigraph whose Euler circuit
// (Hierholzer, alphabet order) is cut at the resets into paths. With
// resetCost 1 the total (steps + resets between paths) is the minimum.
import type { StateGraph } from '../check/graph.ts';
import { pathToState } from '../check/graph.ts';
import { pathOf, requireConcrete } from './path.ts';
import type { Path } from './path.ts';

interface PostmanOptions {
  /** what a reset costs, in steps (default 1) */
  resetCost?: number;
  /** cut paths longer than this, continuing from reset along a shortest path (default: no limit) */
  maxLength?: number;
  /** refuse graphs where the distance table (unbalanced states x transitions) exceeds this (default 50,000,000) */
  maxWork?: number;
}

const RESET = -1;

export function postmanCover(graph: StateGraph, options: PostmanOptions = {}): Path[] {
  requireConcrete(graph, 'postmanCover');
  const resetCost = options.resetCost ?? 1;
  const V = graph.keys.length;
  const balance = new Int32Array(V); // in - out over the transitions
  for (const t of graph.transitions) {
    balance[t.to]++;
    balance[t.from]--;
  }
  // States entered more often than left must be left again by added routes (supply);
  // states left more often than entered must be entered by added routes (demand).
  const supply: number[] = [];
  const demand: number[] = [];
  for (let v = 0; v < V; v++) {
    if (balance[v] > 0) supply.push(v);
    else if (balance[v] < 0) demand.push(v);
  }
  const work = supply.length * (V + graph.transitions.length);
  const maxWork = options.maxWork ?? 50_000_000;
  if (work > maxWork) {
    throw new Error(`postmanCover(${graph.specId}): ${supply.length} unbalanced states over ${graph.transitions.length} transitions is too much work; use transitionCover or raise maxWork`);
  }

  const bfs = new Map<number, { dist: Int32Array; via: Int32Array }>();
  const from = (u: number) => {
    let r = bfs.get(u);
    if (!r) bfs.set(u, (r = shortestFrom(graph, u)));
    return r;
  };
  const cost = supply.map((u) => {
    const { dist } = from(u);
    return demand.map((w) => {
      const direct = dist[w];
      const viaReset = resetCost + graph.depth[w];
      // ties go to the reset: with resetCost 1 that makes the result optimal (see the rotation below)
      return direct >= 0 && direct < viaReset ? direct : viaReset;
    });
  });
  const flow = transport(
    supply.map((u) => balance[u]),
    demand.map((w) => -balance[w]),
    cost,
  );

  // The multigraph: every transition once, plus the added routes.
  const adj: number[][] = Array.from({ length: V }, () => []); // entries: transition index, or RESET
  for (const ti of [...graph.transitions.keys()]) adj[graph.transitions[ti].from].push(ti);
  const resetsFrom: number[] = new Array<number>(V).fill(0);
  supply.forEach((u, i) =>
    demand.forEach((w, j) => {
      for (let k = 0; k < flow[i][j]; k++) {
        const { dist, via } = from(u);
        if (dist[w] >= 0 && dist[w] < resetCost + graph.depth[w]) {
          for (const ti of routeTo(graph, via, u, w)) adj[graph.transitions[ti].from].push(ti);
        } else {
          resetsFrom[u]++;
          for (const ti of pathToState(graph, w)) adj[graph.transitions[ti].from].push(ti);
        }
      }
    }),
  );
  // Sorting keeps the alphabet order (transition indices follow it); resets go last.
  for (let v = 0; v < V; v++) {
    adj[v].sort((a, b) => a - b);
    for (let k = 0; k < resetsFrom[v]; k++) adj[v].push(RESET);
  }

  // A closed walk that uses a reset can be rotated to end with one, and that
  // last reset is not needed: the open walk costs one reset less. (Without
  // any reset the transitions were balanced already and nothing was added.)
  let circuit = eulerCircuit(graph, adj);
  const lastReset = circuit.lastIndexOf(RESET);
  if (lastReset >= 0) circuit = [...circuit.slice(lastReset + 1), ...circuit.slice(0, lastReset + 1)];
  const paths: number[][] = [[]];
  for (const e of circuit) {
    if (e === RESET) paths.push([]);
    else paths[paths.length - 1].push(e);
  }
  const cut = options.maxLength === undefined ? paths : paths.flatMap((p) => cutLong(graph, p, options.maxLength as number));
  return cut.filter((p) => p.length > 0).map((p) => pathOf(graph, p));
}

/** BFS distances and parent transitions from `u` (-1: unreachable without a reset). */
function shortestFrom(graph: StateGraph, u: number): { dist: Int32Array; via: Int32Array } {
  const dist = new Int32Array(graph.keys.length).fill(-1);
  const via = new Int32Array(graph.keys.length).fill(-1);
  dist[u] = 0;
  const queue = [u];
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h];
    for (const ti of graph.out[v]) {
      const w = graph.transitions[ti].to;
      if (dist[w] >= 0) continue;
      dist[w] = dist[v] + 1;
      via[w] = ti;
      queue.push(w);
    }
  }
  return { dist, via };
}

function routeTo(graph: StateGraph, via: Int32Array, u: number, w: number): number[] {
  const route: number[] = [];
  for (let s = w; s !== u; s = graph.transitions[via[s]].from) route.push(via[s]);
  return route.reverse();
}

/** Hierholzer's algorithm, iterative, from the initial state; every vertex is balanced and reachable. */
function eulerCircuit(graph: StateGraph, adj: number[][]): number[] {
  const next = new Int32Array(adj.length);
  const stack: { v: number; e: number }[] = [{ v: 0, e: RESET }];
  const circuit: number[] = [];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (next[top.v] < adj[top.v].length) {
      const e = adj[top.v][next[top.v]++];
      stack.push({ v: e === RESET ? 0 : graph.transitions[e].to, e });
    } else {
      stack.pop();
      if (stack.length > 0) circuit.push(top.e);
    }
  }
  return circuit.reverse();
}

/** Splits a path into pieces of at most maxLength steps, each later piece led from reset along a shortest path. */
function cutLong(graph: StateGraph, path: number[], maxLength: number): number[][] {
  const pieces: number[][] = [];
  let current: number[] = [];
  for (const ti of path) {
    if (current.length >= maxLength) {
      pieces.push(current);
      current = pathToState(graph, graph.transitions[ti].from);
    }
    current.push(ti);
  }
  pieces.push(current);
  return pieces;
}

/**
 * Min-cost transportation (supplies to demands, total equal) by successive
 * shortest paths with potentials on the dense bipartite residual graph.
 * Returns flow[i][j].
 */
export function transport(supply: number[], demand: number[], cost: number[][]): number[][] {
  const S = supply.length;
  const D = demand.length;
  const flow = supply.map(() => new Array<number>(D).fill(0));
  const left = [...supply];
  const need = [...demand];
  // nodes: 0..S-1 supplies, S..S+D-1 demands; the source feeds supplies with `left`, demands drain to the sink by `need`
  const N = S + D;
  const potential = new Float64Array(N);
  // initial potentials: supplies 0, demands = cheapest cost into them (all reduced costs >= 0)
  for (let j = 0; j < D; j++) {
    let m = Infinity;
    for (let i = 0; i < S; i++) m = Math.min(m, cost[i][j]);
    potential[S + j] = m === Infinity ? 0 : m;
  }
  let remaining = supply.reduce((a, b) => a + b, 0);
  const dist = new Float64Array(N);
  const prev = new Int32Array(N);
  const done = new Uint8Array(N);
  while (remaining > 0) {
    // Dijkstra (dense, O(N^2)) from a virtual source linked to every supply with capacity left
    dist.fill(Infinity);
    prev.fill(-1);
    done.fill(0);
    for (let i = 0; i < S; i++) if (left[i] > 0) dist[i] = 0 - potential[i];
    for (;;) {
      let v = -1;
      for (let k = 0; k < N; k++) if (!done[k] && dist[k] < Infinity && (v < 0 || dist[k] < dist[v])) v = k;
      if (v < 0) break;
      done[v] = 1;
      if (v < S) {
        for (let j = 0; j < D; j++) {
          const d = dist[v] + cost[v][j] + potential[v] - potential[S + j];
          if (d < dist[S + j]) {
            dist[S + j] = d;
            prev[S + j] = v;
          }
        }
      } else {
        const j = v - S;
        for (let i = 0; i < S; i++) {
          if (flow[i][j] === 0) continue;
          const d = dist[v] - cost[i][j] + potential[v] - potential[i];
          if (d < dist[i]) {
            dist[i] = d;
            prev[i] = v;
          }
        }
      }
    }
    // the cheapest demand still needing flow
    let best = -1;
    for (let j = 0; j < D; j++) if (need[j] > 0 && dist[S + j] < Infinity && (best < 0 || dist[S + j] < dist[S + best])) best = j;
    if (best < 0) throw new Error('internal: transport found no augmenting path (supplies and demands do not balance)');
    // bottleneck along the path
    let amount = need[best];
    let v = S + best;
    while (prev[v] >= 0) {
      const u = prev[v];
      if (u >= S) amount = Math.min(amount, flow[v][u - S]); // backward edge demand u -> supply v
      v = u;
    }
    amount = Math.min(amount, left[v]);
    // augment
    need[best] -= amount;
    left[v] -= amount;
    v = S + best;
    while (prev[v] >= 0) {
      const u = prev[v];
      if (u < S) flow[u][v - S] += amount;
      else flow[v][u - S] -= amount;
      v = u;
    }
    remaining -= amount;
    for (let k = 0; k < N; k++) if (dist[k] < Infinity) potential[k] += dist[k];
  }
  return flow;
}
