// Definition-edge coverage: which edges written in the machine any reachable
// transition takes (the rest are dead specification), and which edges a set
// of executed paths took.
import type { AnyStateMachine } from 'xstate';
import { definitionEdges } from './edges.ts';
import type { DefinitionEdge } from './edges.ts';
import type { StateGraph } from './graph.ts';

interface ReachableCoverage {
  total: number;
  /** edge ids some reachable transition takes, in definition order */
  reachable: string[];
  /** edges no reachable transition takes: dead specification (or a guard that can never hold) */
  unreachable: DefinitionEdge[];
}

interface PathCoverage {
  total: number;
  covered: number;
  /** definition edges none of the paths took, in definition order */
  uncovered: DefinitionEdge[];
}

/**
 * Under symmetry reduction only class representatives are expanded, so an
 * edge of one region may be taken only in its permuted twin: explore without
 * symmetry for an exact answer.
 */
export function reachableCoverage(machine: AnyStateMachine, graph: StateGraph): ReachableCoverage {
  const taken = new Set<string>();
  for (const t of graph.transitions) for (const id of t.edges) taken.add(id);
  const all = definitionEdges(machine);
  return {
    total: all.length,
    reachable: all.filter((e) => taken.has(e.id)).map((e) => e.id),
    unreachable: all.filter((e) => !taken.has(e.id)),
  };
}

/** Edges taken by executed paths (anything with steps that list the edge ids they took). */
export function pathCoverage(machine: AnyStateMachine, paths: Iterable<{ steps: { edges: string[] }[] }>): PathCoverage {
  const taken = new Set<string>();
  for (const p of paths) for (const s of p.steps) for (const id of s.edges) taken.add(id);
  const all = definitionEdges(machine);
  const uncovered = all.filter((e) => !taken.has(e.id));
  return { total: all.length, covered: all.length - uncovered.length, uncovered };
}
