// Breadth-first exploration of a MachineSpec with XState's pure
// initialTransition / transition (never actors): every event of the alphabet
// in every reachable state. An event that changes nothing and takes no
// definition edge is not a transition.
import { machineInitial, machineStepSelected } from './machineStep.ts';
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { edgeIdsOf } from './edges.ts';
import { stateKeyFunction } from './graph.ts';
import type { StateGraph, StepHook, Transition } from './graph.ts';

const DEFAULT_MAX_STATES = 200_000;

export interface ExploreProgress {
  states: number;
  transitions: number;
  depth: number;
  /** discovered states not yet expanded */
  frontier: number;
  ms: number;
}

export interface ExploreOptions {
  /** stop with an error past this many states (default 200,000) */
  maxStates?: number;
  /** identify states by spec.symmetricKey (default false) */
  symmetry?: boolean;
  /** called about every 200 ms while exploring */
  onProgress?: (p: ExploreProgress) => void;
  /** called for every (state, event) pair tried, in BFS order */
  onStep?: StepHook | StepHook[];
}

const PROGRESS_EVERY_MS = 200;

export function explore(spec: MachineSpec, options: ExploreOptions = {}): StateGraph {
  const t0 = performance.now();
  const symmetry = options.symmetry ?? false;
  const keyOf = stateKeyFunction(spec, symmetry);
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const hooks = options.onStep === undefined ? [] : Array.isArray(options.onStep) ? options.onStep : [options.onStep];
  const { machine, events } = spec;
  if (events.length === 0) throw new Error(`${spec.id}: the event alphabet is empty; list the events to try in MachineSpec.events`);

  const initial = machineInitial(machine);
  const initialKey = keyOf(initial);
  const graph: StateGraph = {
    specId: spec.id,
    machine,
    events,
    symmetry,
    ...(spec.keyOmitsContext ? { keyOmitsContext: true as const } : {}),
    keys: [initialKey],
    snapshots: [initial],
    index: new Map([[initialKey, 0]]),
    depth: [0],
    parent: [-1],
    transitions: [],
    afters: [],
    out: [[]],
    deadlocks: [],
    tried: 0,
    maxDepth: 0,
    ms: 0,
  };
  const { keys, snapshots, index, depth, parent, transitions, out } = graph;

  const addState = (key: string, snapshot: AnyMachineSnapshot, from: number, via: number): number => {
    if (keys.length >= maxStates) {
      throw new Error(
        `${spec.id}: more than ${maxStates} reachable states (depth ${depth[from] + 1}); ` +
          `raise the maxStates option (--max-states)${spec.symmetricKey && !symmetry ? ' or turn on symmetry reduction (the symmetry option)' : ''}`,
      );
    }
    const id = keys.length;
    keys.push(key);
    snapshots.push(snapshot);
    index.set(key, id);
    depth.push(depth[from] + 1);
    parent.push(via);
    out.push([]);
    if (depth[from] + 1 > graph.maxDepth) graph.maxDepth = depth[from] + 1;
    return id;
  };

  let lastProgress = t0;
  for (let from = 0; from < keys.length; from++) {
    const before = snapshots[from];
    const fromKey = keys[from];
    for (let e = 0; e < events.length; e++) {
      const event = events[e];
      const selected = machine.getTransitionData(before, event);
      const after = machineStepSelected(machine, before, event, selected);
      const edges = edgeIdsOf(selected);
      // XState hands back the very snapshot when no transition is enabled: its key is known
      const afterKey = after === before ? fromKey : keyOf(after);
      graph.tried++;
      let to = from;
      let tIndex = -1;
      if (afterKey !== fromKey || edges.length > 0) {
        tIndex = transitions.length;
        to = index.get(afterKey) ?? addState(afterKey, after, from, tIndex);
        const t: Transition = { from, event: e, to, edges };
        transitions.push(t);
        graph.afters.push(after);
        out[from].push(tIndex);
      }
      for (const hook of hooks) hook({ before, event, after }, { from, event: e, to, transition: tIndex, afterKey });
    }
    if (out[from].length === 0 && before.status !== 'done') graph.deadlocks.push(from);
    if (options.onProgress && (from & 255) === 0) {
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        options.onProgress(progressOf(graph, from + 1, now - t0));
      }
    }
  }
  graph.ms = performance.now() - t0;
  options.onProgress?.(progressOf(graph, keys.length, graph.ms));
  return graph;
}

function progressOf(graph: StateGraph, expanded: number, ms: number): ExploreProgress {
  return {
    states: graph.keys.length,
    transitions: graph.transitions.length,
    depth: graph.maxDepth,
    frontier: graph.keys.length - expanded,
    ms,
  };
}
