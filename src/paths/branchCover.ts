// One path per reachable transition: the shortest path to its source state
// (the explorer's breadth-first tree) and then the transition. Every path
// shares its prefix with the others along that tree, so a prefix-sharing
// runner with snapshots plays each transition exactly once, the fewest steps
// a transition cover can take, while each path still ends on the transition
// it tests. A path that is a prefix of another is left out (the longer one
// plays it). Made for runners that snapshot; replayed from reset it costs the
// sum of the depths, which is why targets without snapshots get the short
// transitionCover instead. Order: transition index, the same on every run.
import type { StateGraph } from '../check/graph.ts';
import { pathToState } from '../check/graph.ts';
import { pathOf, requireConcrete } from './path.ts';
import type { Path } from './path.ts';

export function branchCover(graph: StateGraph): Path[] {
  requireConcrete(graph, 'branchCover');
  const prefixes = graph.keys.map((_, s) => pathToState(graph, s));
  const paths: Path[] = [];
  graph.transitions.forEach((t, ti) => {
    // a tree edge into a state that is left again is played by the paths through that state
    if (graph.parent[t.to] === ti && graph.out[t.to].length > 0) return;
    paths.push(pathOf(graph, [...prefixes[t.from], ti]));
  });
  return paths;
}
