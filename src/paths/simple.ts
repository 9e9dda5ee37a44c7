// Bounded simple paths: every path from the initial state that visits no
// state twice, up to `maxDepth` events, in depth-first alphabet order. By
// default only maximal ones (not a prefix of another), since a prefix-sharing
// runner executes the prefixes anyway.
import type { StateGraph } from '../check/graph.ts';
import { pathOf, requireConcrete } from './path.ts';
import type { Path } from './path.ts';

interface SimplePathOptions {
  maxDepth: number;
  /** stop with an error past this many paths (default 10,000) */
  limit?: number;
  /** also list every prefix (every simple path of 1..maxDepth events) */
  prefixes?: boolean;
}

export function simplePaths(graph: StateGraph, options: SimplePathOptions): Path[] {
  requireConcrete(graph, 'simplePaths');
  const limit = options.limit ?? 10_000;
  const onPath = new Uint8Array(graph.keys.length);
  const found: number[][] = [];
  const route: number[] = [];
  const emit = (): void => {
    if (found.length >= limit) {
      throw new Error(`simplePaths(${graph.specId}): more than ${limit} paths up to depth ${options.maxDepth}; raise the limit option or lower maxDepth`);
    }
    found.push([...route]);
  };
  // Recursion depth is at most maxDepth.
  const extend = (s: number): void => {
    let extended = false;
    if (route.length < options.maxDepth) {
      for (const ti of graph.out[s]) {
        const w = graph.transitions[ti].to;
        if (onPath[w] === 1) continue;
        extended = true;
        route.push(ti);
        onPath[w] = 1;
        if (options.prefixes) emit();
        extend(w);
        onPath[w] = 0;
        route.pop();
      }
    }
    if (!extended && !options.prefixes && route.length > 0) emit();
  };
  onPath[0] = 1;
  extend(0);
  return found.map((p) => pathOf(graph, p));
}
