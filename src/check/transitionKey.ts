// The one identity of a concrete transition (state, event, state), wherever
// transition coverage is counted: the run engine (models/engine/run.ts), the check
// job and the verify job. Keys are concrete state keys (no symmetry), so a
// transition a path takes and the same transition in the explored graph meet.
// It reads like a path name (`from > EVENT > to`) because verify prints it.
import { machineInitial } from './machineStep.ts';
import type { EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { stateKeyFunction } from './graph.ts';
import { eventLabel } from './trace.ts';

/** `from > EVENT(args) > to`, from concrete state keys. */
export function transitionKey(from: string, event: EventObject, to: string): string {
  return `${from} > ${eventLabel(event)} > ${to}`;
}

/** The concrete key of the machine's initial state: where every path starts. */
export function initialStateKey(spec: MachineSpec): string {
  return stateKeyFunction(spec, false)(machineInitial(spec.machine));
}

/** The keys of the transitions a path's steps take, in order, from the initial state. */
export function stepTransitionKeys(initialKey: string, steps: ReadonlyArray<{ event: EventObject; state: string }>): string[] {
  let from = initialKey;
  return steps.map((s) => {
    const key = transitionKey(from, s.event, s.state);
    from = s.state;
    return key;
  });
}
