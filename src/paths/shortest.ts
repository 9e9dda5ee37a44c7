// Shortest paths: one per reachable state other than the initial one, along
// the BFS parents the explorer recorded (alphabet order breaks ties), in
// state discovery order.
import type { StateGraph } from '../check/graph.ts';
import { pathToState } from '../check/graph.ts';
import { pathOf, requireConcrete } from './path.ts';
import type { Path } from './path.ts';

export function shortestPaths(graph: StateGraph): Path[] {
  requireConcrete(graph, 'shortestPaths');
  const paths: Path[] = [];
  for (let s = 1; s < graph.keys.length; s++) paths.push(pathOf(graph, pathToState(graph, s)));
  return paths;
}
