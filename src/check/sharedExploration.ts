// One exploration per machine within a check run: the check explores every
// spec (with its invariant and liveness monitors) and the suites' path
// generation needs the same graph again (branchCover, transitionCover). A
// graph does not depend on the monitors watching it, so inside
// `sharingExplorations` the suites read the check's graph instead of
// exploring again. Keyed by spec id, which names one machine with one option
// set within a run (the check already treats it so). Outside such a scope
// a graph is kept per spec object only (a spec is a value nobody changes):
// `verify` reads a suite's graph for its paths and again for its coverage
// row, and a test that builds a variant under an existing id still explores
// its own machine. The scope is a plain module variable, not an
// AsyncLocalStorage: that one installs promise hooks, and the suites await on
// every step. Scopes that overlap in one process share the one map.
import type { MachineSpec } from '../../machines/spec.ts';
import { explore } from './explore.ts';
import type { StateGraph } from './graph.ts';

let shared: Map<string, StateGraph> | undefined;
/** outside a scope: the graph of each spec object explored there */
const byObject = new WeakMap<MachineSpec, StateGraph>();
let open = 0;

/** Runs `run` (and everything it awaits) with one shared exploration per spec id. */
export async function sharingExplorations<T>(run: () => Promise<T>): Promise<T> {
  if (open++ === 0) shared = new Map();
  try {
    return await run();
  } finally {
    if (--open === 0) shared = undefined;
  }
}

/** Offers a graph explored without symmetry reduction to the rest of the scope. */
export function shareExploration(spec: MachineSpec, graph: StateGraph): void {
  if (graph.symmetry) throw new Error(`${spec.id}: only a graph explored without symmetry reduction can stand for the machine's concrete graph`);
  shared?.set(spec.id, graph);
}

/** The spec's concrete graph (no symmetry, default limits): the one shared in this scope (outside one: explored for this very spec object), else a fresh exploration. */
export function exploreShared(spec: MachineSpec): StateGraph {
  const known = shared === undefined ? byObject.get(spec) : shared.get(spec.id);
  if (known !== undefined) return known;
  const graph = explore(spec);
  if (shared === undefined) byObject.set(spec, graph);
  else shared.set(spec.id, graph);
  return graph;
}
