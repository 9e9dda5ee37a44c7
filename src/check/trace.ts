// Counterexample traces: an event sequence from the initial state, replayed
// concretely with XState so every state shown is a real machine state. Under
// symmetry reduction the graph holds class representatives, so each step is
// matched by class key: the recorded event first, then any event of the
// alphabet that leads into the same class (the permuted event).
import { machineInitial, machineStep } from './machineStep.ts';
import type { AnyMachineSnapshot, EventObject, StateValue } from 'xstate';
import type { MachineSpec, Step } from '../../machines/spec.ts';
import { takenEdgeIds } from './edges.ts';
import { stateKeyFunction } from './graph.ts';
import type { StateGraph } from './graph.ts';

export interface TraceState {
  /** concrete state key (spec.key or canonical value + context) */
  key: string;
  value: StateValue;
  context: unknown;
}

export interface TraceStep extends TraceState {
  event: EventObject;
  /** definition edge ids taken by this step */
  edges: string[];
}

export interface Trace {
  initial: TraceState;
  steps: TraceStep[];
}

/** The final step of a counterexample, which need not be a transition (e.g. a step that breaks an invariant but changes nothing). */
interface FinalStep {
  /** index into graph.events of the event recorded in the graph */
  event: number;
  accept(step: Step): boolean;
}

interface Replay {
  trace: Trace;
  /** concrete snapshot after each step (index 0 = initial) */
  snapshots: AnyMachineSnapshot[];
}

/** Replays graph transitions `path` (from the initial state), then optionally `final`, concretely. */
export function replayPath(spec: MachineSpec, graph: StateGraph, path: number[], final?: FinalStep): Replay {
  const { machine, events } = graph;
  const classKey = stateKeyFunction(spec, graph.symmetry);
  const concreteKey = stateKeyFunction(spec, false);
  const initial = machineInitial(machine);
  const snapshots: AnyMachineSnapshot[] = [initial];
  const steps: TraceStep[] = [];
  let current = initial;

  const candidates = (recorded: number): number[] => {
    if (!graph.symmetry) return [recorded];
    return [recorded, ...events.map((_, i) => i).filter((i) => i !== recorded)];
  };
  const take = (e: number, after: AnyMachineSnapshot, edges: string[]): void => {
    steps.push({ event: events[e], edges, ...stateOf(after, concreteKey) });
    snapshots.push(after);
    current = after;
  };

  path.forEach((t, i) => {
    const tr = graph.transitions[t];
    const target = graph.keys[tr.to];
    const beforeClass = classKey(current);
    for (const e of candidates(tr.event)) {
      const after = machineStep(machine, current, events[e]);
      const edges = takenEdgeIds(machine, current, events[e]);
      const afterClass = classKey(after);
      if (afterClass === target && (afterClass !== beforeClass || edges.length > 0)) {
        take(e, after, edges);
        return;
      }
    }
    throw new Error(
      `${spec.id}: step ${i + 1} (${eventLabel(events[tr.event])}) of a counterexample does not replay; ` +
        (graph.symmetry
          ? 'spec.symmetricKey is not a symmetry of the machine: check it, or run without symmetry reduction'
          : 'the machine is not deterministic (a guard or action reads something outside the snapshot and event)'),
    );
  });

  if (final) {
    const found = candidates(final.event).some((e) => {
      const after = machineStep(machine, current, events[e]);
      if (!final.accept({ before: current, event: events[e], after })) return false;
      take(e, after, takenEdgeIds(machine, current, events[e]));
      return true;
    });
    if (!found) {
      throw new Error(
        `${spec.id}: the last step of a counterexample (${eventLabel(events[final.event])}) does not replay; ` +
          'an invariant or liveness predicate must give the same answer for symmetric states; run without symmetry reduction',
      );
    }
  }
  return { trace: { initial: stateOf(initial, concreteKey), steps }, snapshots };
}

/** Replays an event sequence from the initial state (every event, transition or not). */
export function traceOfEvents(spec: MachineSpec, events: readonly EventObject[]): Trace {
  const key = stateKeyFunction(spec, false);
  let s = machineInitial(spec.machine);
  const initial = stateOf(s, key);
  const steps = events.map((event): TraceStep => {
    const edges = takenEdgeIds(spec.machine, s, event);
    s = machineStep(spec.machine, s, event);
    return { event, edges, ...stateOf(s, key) };
  });
  return { initial, steps };
}

function stateOf(s: AnyMachineSnapshot, key: (s: AnyMachineSnapshot) => string): TraceState {
  return { key: key(s), value: s.value, context: s.context };
}

/**
 * Each event's label, spelled once: an event is a value nobody changes, and
 * paths made from one graph share its event objects (every path name and
 * transition key of a suite spells the same few hundred events).
 */
const labels = new WeakMap<EventObject, string>();

/** `TYPE` or `TYPE(field=value, ...)` for events with a payload. */
export function eventLabel(event: EventObject): string {
  let label = labels.get(event);
  if (label === undefined) {
    const fields = Object.keys(event)
      .filter((k) => k !== 'type')
      .sort()
      .map((k) => `${k}=${labelValue((event as unknown as Record<string, unknown>)[k])}`);
    label = fields.length === 0 ? event.type : `${event.type}(${fields.join(', ')})`;
    labels.set(event, label);
  }
  return label;
}

function labelValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
