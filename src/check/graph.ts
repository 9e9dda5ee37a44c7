// The explored state graph: what explore() returns and what invariants,
// liveness, coverage and path generation read. States are numbered in the
// order breadth-first search discovered them, so index order is depth order.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { canonicalJson } from './canonical.ts';

/** One concrete transition of the reachable graph. */
export interface Transition {
  /** state index before */
  from: number;
  /** index into `StateGraph.events` */
  event: number;
  /** state index after */
  to: number;
  /** definition edge ids XState took (see edges.ts) */
  edges: string[];
}

export interface StateGraph {
  specId: string;
  machine: AnyStateMachine;
  /** the alphabet, in the spec's order: every event was tried in every state */
  events: EventObject[];
  /** true when states are symmetry classes (spec.symmetricKey) rather than concrete states */
  symmetry: boolean;
  /** the spec's key leaves out context a later step reads (MachineSpec.keyOmitsContext): two snapshots of one state may step differently */
  keyOmitsContext?: true;
  /** state index -> key */
  keys: string[];
  /** state index -> the snapshot first reached with that key (the class representative under symmetry) */
  snapshots: AnyMachineSnapshot[];
  /** state key -> state index */
  index: Map<string, number>;
  /** state index -> BFS depth (fewest events from the initial state) */
  depth: number[];
  /** state index -> transition index that first reached it (-1 for the initial state) */
  parent: number[];
  transitions: Transition[];
  /** transition index -> the snapshot XState returned for it from `snapshots[from]` (outside the key, e.g. the observation, it may differ from `snapshots[to]`) */
  afters: AnyMachineSnapshot[];
  /** state index -> its outgoing transition indices, in alphabet order */
  out: number[][];
  /** non-final states with no outgoing transition */
  deadlocks: number[];
  /** (state, event) pairs tried, transitions or not */
  tried: number;
  maxDepth: number;
  ms: number;
}

/** Receives every explored (state, event) pair; `transition` is -1 when the event changed nothing and took no edge. */
export type StepHook = (
  step: { before: AnyMachineSnapshot; event: EventObject; after: AnyMachineSnapshot },
  at: { from: number; event: number; to: number; transition: number; afterKey: string },
) => void;

/** The state identity the explorer uses: spec.symmetricKey under symmetry, else spec.key, else canonical value + context. */
export function stateKeyFunction(spec: MachineSpec, symmetry: boolean): (s: AnyMachineSnapshot) => string {
  if (symmetry) {
    const sym = spec.symmetricKey;
    if (!sym) throw new Error(`${spec.id} defines no symmetricKey; run without symmetry reduction`);
    return (s) => sym(s);
  }
  if (spec.key) return spec.key;
  return defaultStateKey;
}

export function defaultStateKey(snapshot: AnyMachineSnapshot): string {
  return canonicalJson({ value: snapshot.value, context: snapshot.context });
}

/** Transition indices from the initial state to `state` along BFS parents (a shortest path). */
export function pathToState(graph: StateGraph, state: number): number[] {
  const path: number[] = [];
  for (let s = state; graph.parent[s] !== -1; ) {
    const t = graph.parent[s];
    path.push(t);
    s = graph.transitions[t].from;
  }
  return path.reverse();
}
