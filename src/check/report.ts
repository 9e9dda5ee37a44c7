// One call that checks a MachineSpec completely: explore, invariants,
// liveness, deadlocks, dead definition edges; the result is plain data
// (JSON-serialisable) for the CLI, the diagrams and CI.
import type { MachineSpec } from '../../machines/spec.ts';
import { reachableCoverage } from './coverage.ts';
import { explore } from './explore.ts';
import type { ExploreOptions } from './explore.ts';
import { pathToState } from './graph.ts';
import type { StateGraph } from './graph.ts';
import { invariantMonitor } from './invariants.ts';
import type { InvariantResult } from './invariants.ts';
import { livenessMonitor } from './liveness.ts';
import type { LivenessResult } from './liveness.ts';
import { replayPath } from './trace.ts';
import type { Trace } from './trace.ts';

export interface CheckReport {
  id: string;
  description: string;
  symmetry: boolean;
  states: number;
  transitions: {
    /** reachable concrete transitions (events that changed the state or took an edge) */
    reachable: number;
    /** (state, event) pairs tried */
    tried: number;
    /** transitions that come back to the state they left (an edge taken, nothing changed) */
    selfLoops: number;
  };
  depth: number;
  /** exploration time, including invariant evaluation */
  ms: number;
  invariants: InvariantResult[];
  liveness: LivenessResult[];
  deadlocks: {
    count: number;
    /** shortest traces to the first few deadlocked states */
    examples: Trace[];
  };
  /** definition edge ids no reachable transition takes */
  unreachable: string[];
  /** every invariant and liveness property holds and nothing deadlocks */
  ok: boolean;
}

interface CheckOptions extends ExploreOptions {
  /** how many deadlock traces to keep (default 3) */
  deadlockExamples?: number;
}

export function check(spec: MachineSpec, options: CheckOptions = {}): { report: CheckReport; graph: StateGraph } {
  const invariants = invariantMonitor(spec);
  const liveness = livenessMonitor(spec);
  const extra = options.onStep === undefined ? [] : Array.isArray(options.onStep) ? options.onStep : [options.onStep];
  const graph = explore(spec, { ...options, onStep: [...extra, invariants.onStep, liveness.onStep] });
  const inv = invariants.results(graph);
  const live = liveness.results(graph);
  const examples = graph.deadlocks
    .slice(0, options.deadlockExamples ?? 3)
    .map((s) => replayPath(spec, graph, pathToState(graph, s)).trace);
  const report: CheckReport = {
    id: spec.id,
    description: spec.description,
    symmetry: graph.symmetry,
    states: graph.keys.length,
    transitions: {
      reachable: graph.transitions.length,
      tried: graph.tried,
      selfLoops: graph.transitions.filter((t) => t.from === t.to).length,
    },
    depth: graph.maxDepth,
    ms: graph.ms,
    invariants: inv,
    liveness: live,
    deadlocks: { count: graph.deadlocks.length, examples },
    unreachable: reachableCoverage(spec.machine, graph).unreachable.map((e) => e.id),
    ok: inv.every((r) => r.holds) && live.every((r) => r.holds) && graph.deadlocks.length === 0,
  };
  return { report, graph };
}

export function checkSpec(spec: MachineSpec, options: CheckOptions = {}): CheckReport {
  return check(spec, options).report;
}
