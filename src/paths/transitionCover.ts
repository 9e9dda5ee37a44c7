// A transition cover: paths that together take every reachable concrete
// transition at least once (hence every reachable definition edge), with few
// total steps. Greedy: from the end of the current path, go to the nearest
// state that still has an untaken transition and take it; start a new path
// from reset when the nearest such state is closer to the initial state (or
// the path reached maxLength). Ties go to the lower transition index, i.e.
// alphabet order, so the result is the same on every run.
import type { StateGraph } from '../check/graph.ts';
import { pathToState } from '../check/graph.ts';
import { pathOf, requireConcrete } from './path.ts';
import type { Path } from './path.ts';

interface CoverOptions {
  /** start a new path once a path has this many steps (default: no limit). A path may exceed it only to reach a state deeper than the limit. */
  maxLength?: number;
}

export function transitionCover(graph: StateGraph, options: CoverOptions = {}): Path[] {
  requireConcrete(graph, 'transitionCover');
  const maxLength = options.maxLength ?? Infinity;
  const n = graph.keys.length;
  const covered = new Uint8Array(graph.transitions.length);
  const untaken = Int32Array.from(graph.out, (o) => o.length);
  let remaining = graph.transitions.length;
  const take = (ti: number): void => {
    if (covered[ti] === 1) return;
    covered[ti] = 1;
    remaining--;
    untaken[graph.transitions[ti].from]--;
  };

  const search = new NearestSearch(graph);
  const paths: number[][] = [];
  let current: number[] = []; // the path being built; it starts at the initial state
  let at = 0;
  let nearestFromReset = 0; // states are in depth order, so this pointer only moves forward
  while (remaining > 0) {
    while (nearestFromReset < n && untaken[nearestFromReset] === 0) nearestFromReset++;
    let route: number[] | null = null;
    if (current.length < maxLength) {
      const bound = Math.min(graph.depth[nearestFromReset], maxLength - current.length - 1);
      route = untaken[at] > 0 ? [] : search.route(at, untaken, bound);
    }
    if (route === null) {
      if (current.length > 0) paths.push(current);
      current = [];
      at = 0;
      route = pathToState(graph, nearestFromReset);
    }
    for (const ti of route) {
      current.push(ti);
      take(ti);
      at = graph.transitions[ti].to;
    }
    const next = pickUntaken(graph, at, covered, untaken);
    current.push(next);
    take(next);
    at = graph.transitions[next].to;
  }
  if (current.length > 0) paths.push(current);
  return paths.map((p) => pathOf(graph, p));
}

/**
 * The untaken transition to take from `at`: self-loops first (they cost no
 * move), then one into a state that still has untaken transitions (so the
 * walk need not search), else the first in alphabet order.
 */
function pickUntaken(graph: StateGraph, at: number, covered: Uint8Array, untaken: Int32Array): number {
  let first = -1;
  let onward = -1;
  for (const ti of graph.out[at]) {
    if (covered[ti] === 1) continue;
    const to = graph.transitions[ti].to;
    if (to === at) return ti;
    if (first < 0) first = ti;
    if (onward < 0 && untaken[to] > 0) onward = ti;
  }
  return onward >= 0 ? onward : first;
}

/** Breadth-first search for the nearest state with an untaken transition, reusing its arrays between calls. */
class NearestSearch {
  private readonly seen: Int32Array;
  private readonly via: Int32Array;
  private stamp = 0;

  constructor(private readonly graph: StateGraph) {
    this.seen = new Int32Array(graph.keys.length);
    this.via = new Int32Array(graph.keys.length);
  }

  /** Transitions from `from` to the nearest state with untaken transitions, at most `bound` steps away; null if none. */
  route(from: number, untaken: Int32Array, bound: number): number[] | null {
    const { graph, seen, via } = this;
    const stamp = ++this.stamp;
    seen[from] = stamp;
    let frontier = [from];
    for (let dist = 1; dist <= bound && frontier.length > 0; dist++) {
      const next: number[] = [];
      for (const v of frontier) {
        for (const ti of graph.out[v]) {
          const w = graph.transitions[ti].to;
          if (seen[w] === stamp) continue;
          seen[w] = stamp;
          via[w] = ti;
          if (untaken[w] > 0) return this.unwind(from, w);
          next.push(w);
        }
      }
      frontier = next;
    }
    return null;
  }

  private unwind(from: number, to: number): number[] {
    const route: number[] = [];
    for (let s = to; s !== from; s = this.graph.transitions[this.via[s]].from) route.push(this.via[s]);
    return route.reverse();
  }
}
