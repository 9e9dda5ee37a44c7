// A path: events from the initial state, each step with the machine state it
// must lead to and the definition edges it takes. Paths are built from a
// graph explored WITHOUT symmetry reduction, so every step is concrete.
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { StateGraph } from '../check/graph.ts';
import { eventLabel } from '../check/trace.ts';

export interface PathStep {
  event: EventObject;
  /** state key after the step */
  state: string;
  /** the machine snapshot after the step (what an implementation is compared with) */
  snapshot: AnyMachineSnapshot;
  /** definition edge ids taken */
  edges: string[];
  /**
   * Where the explorer took this step: the snapshot it stepped from and the
   * very one XState returned. A runner whose machine is `from` (the same
   * object), or the explorer's copy of that state by another edge
   * (canonicalSnapshot), has its next snapshot in `after` without stepping
   * XState again.
   */
  from?: AnyMachineSnapshot;
  after?: AnyMachineSnapshot;
}

export interface Path {
  /** event labels joined by ' > ', e.g. `ENABLE > SUSPEND > SAVE(vf=1)` */
  name: string;
  events: EventObject[];
  steps: PathStep[];
}

const PATH_SEPARATOR = ' > ';

export function requireConcrete(graph: StateGraph, what: string): void {
  if (graph.symmetry) {
    throw new Error(`${what}: the graph of ${graph.specId} was explored with symmetry reduction; explore it without symmetry to generate runnable paths`);
  }
}

/**
 * The canonical snapshot (graph.snapshots[i], a path step's `from`) of the
 * state each step's `after` stands for: it is often another copy of its
 * state, made by another edge than the one the explorer first reached the
 * state by. A binding whose machine is such a copy is, for the explorer,
 * where the next step starts (nextState in models/engine/observe.ts). Not
 * where the spec's key leaves out context a later step reads
 * (keyOmitsContext): there a copy may step otherwise.
 */
const canonical = new WeakMap<AnyMachineSnapshot, AnyMachineSnapshot>();

/** The explored graph's own snapshot of the state `snapshot` is a copy of, when it is a path step's `after` (else undefined). */
export function canonicalSnapshot(snapshot: AnyMachineSnapshot): AnyMachineSnapshot | undefined {
  return canonical.get(snapshot);
}

/** graph -> transition index -> its step, made once: paths share their prefixes (the check's 43,696 paths hold 466,493 steps of about 50,000 transitions), and a step is a value nobody changes. */
const stepsOf = new WeakMap<StateGraph, PathStep[]>();

function stepOf(graph: StateGraph, ti: number): PathStep {
  let steps = stepsOf.get(graph);
  if (steps === undefined) stepsOf.set(graph, (steps = new Array<PathStep>(graph.transitions.length)));
  let step = steps[ti];
  if (step === undefined) {
    const t = graph.transitions[ti];
    step = { event: graph.events[t.event], state: graph.keys[t.to], snapshot: graph.snapshots[t.to], edges: t.edges, from: graph.snapshots[t.from], after: graph.afters[ti] };
    steps[ti] = step;
    if (graph.keyOmitsContext !== true) canonical.set(graph.afters[ti], graph.snapshots[t.to]);
  }
  return step;
}

/** The path that follows graph transitions `transitions` from the initial state. */
export function pathOf(graph: StateGraph, transitions: number[]): Path {
  const steps = transitions.map((ti) => stepOf(graph, ti));
  const events = steps.map((s) => s.event);
  return { name: events.map(eventLabel).join(PATH_SEPARATOR), events, steps };
}

/** Total number of events over all paths (what a naive runner replays). */
export function totalSteps(paths: readonly Path[]): number {
  return paths.reduce((n, p) => n + p.steps.length, 0);
}
