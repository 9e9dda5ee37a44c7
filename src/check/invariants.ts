// Safety: every spec invariant on every explored step (transition or not).
// Exploration is breadth-first, so the first violation seen for an invariant
// comes from a state of least depth: the parent chain to it plus the
// offending step is a shortest counterexample.
import type { MachineSpec, Step } from '../../machines/spec.ts';
import { explore } from './explore.ts';
import type { ExploreOptions } from './explore.ts';
import { pathToState } from './graph.ts';
import type { StateGraph, StepHook } from './graph.ts';
import { replayPath } from './trace.ts';
import type { Trace } from './trace.ts';

export interface Counterexample {
  invariant: string;
  message: string;
  /** from the initial state; the last step is the offending one */
  trace: Trace;
}

export interface InvariantResult {
  id: string;
  description: string;
  holds: boolean;
  /** steps the invariant was evaluated on */
  checked: number;
  counterexample?: Counterexample;
}

interface FirstViolation {
  from: number;
  event: number;
  afterKey: string;
  message: string;
}

interface InvariantMonitor {
  onStep: StepHook;
  results(graph: StateGraph): InvariantResult[];
}

/** Evaluates `check(step)`; a throwing invariant counts as violated, with the error as its message. */
function evaluate(check: (s: Step) => true | string, step: Step): true | string {
  try {
    return check(step);
  } catch (err) {
    return `the invariant threw: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Watches exploration (pass `onStep` to explore), then builds a minimal counterexample per violated invariant. */
export function invariantMonitor(spec: MachineSpec): InvariantMonitor {
  const first = new Map<string, FirstViolation>();
  let checked = 0;
  const onStep: StepHook = (step, at) => {
    checked++;
    for (const inv of spec.invariants) {
      if (first.has(inv.id)) continue;
      const verdict = evaluate(inv.check, step);
      if (verdict !== true) first.set(inv.id, { from: at.from, event: at.event, afterKey: at.afterKey, message: verdict });
    }
  };
  const results = (graph: StateGraph): InvariantResult[] =>
    spec.invariants.map((inv) => {
      const v = first.get(inv.id);
      if (!v) return { id: inv.id, description: inv.description, holds: true, checked };
      const replay = replayPath(spec, graph, pathToState(graph, v.from), {
        event: v.event,
        accept: (s) => evaluate(inv.check, s) !== true,
      });
      const steps = replay.snapshots.length;
      const last: Step = {
        before: replay.snapshots[steps - 2],
        event: replay.trace.steps[steps - 2].event,
        after: replay.snapshots[steps - 1],
      };
      const message = evaluate(inv.check, last);
      return {
        id: inv.id,
        description: inv.description,
        holds: false,
        checked,
        counterexample: { invariant: inv.id, message: message === true ? v.message : message, trace: replay.trace },
      };
    });
  return { onStep, results };
}

/** Explores `spec` and checks its invariants. */
export function checkInvariants(spec: MachineSpec, options: ExploreOptions = {}): { graph: StateGraph; results: InvariantResult[] } {
  const monitor = invariantMonitor(spec);
  const hooks = options.onStep === undefined ? [] : Array.isArray(options.onStep) ? options.onStep : [options.onStep];
  const graph = explore(spec, { ...options, onStep: [...hooks, monitor.onStep] });
  return { graph, results: monitor.results(graph) };
}
