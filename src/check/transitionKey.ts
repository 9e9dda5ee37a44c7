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

/**
 * The keys of a set of transitions gathered step by step, each key made once:
 * paths share their prefixes, so one transition comes by many times (the
 * check's 466,493 path steps take about 50,000), and making its key string
 * every time was a large part of counting coverage. State keys are the
 * graph's own strings, so looking them up is cheap.
 */
export class TransitionSet {
  readonly keys = new Set<string>();
  private readonly seen = new Map<string, Map<EventObject, Set<string>>>();

  add(from: string, event: EventObject, to: string): void {
    let byEvent = this.seen.get(from);
    if (byEvent === undefined) this.seen.set(from, (byEvent = new Map()));
    let tos = byEvent.get(event);
    if (tos === undefined) byEvent.set(event, (tos = new Set()));
    if (tos.has(to)) return;
    tos.add(to);
    this.keys.add(transitionKey(from, event, to));
  }

  /**
   * Per step object, the state it was last added from. Paths made from one
   * graph share a step object per transition (src/paths/path.ts), so a step
   * seen again from the same state is that transition again: one lookup
   * instead of three.
   */
  private readonly stepFrom = new WeakMap<object, string>();

  /** The transitions of `steps[0..upTo)`, from the initial state. */
  addSteps(initialKey: string, steps: ReadonlyArray<{ event: EventObject; state: string }>, upTo = steps.length): void {
    let from = initialKey;
    for (let i = 0; i < Math.min(upTo, steps.length); i++) {
      const step = steps[i];
      if (this.stepFrom.get(step) !== from) {
        this.add(from, step.event, step.state);
        this.stepFrom.set(step, from);
      }
      from = step.state;
    }
  }
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
