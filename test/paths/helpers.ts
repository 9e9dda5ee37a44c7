// An implementation for the runner's tests: another XState machine stepped
// purely, which fails a step when its state key differs from the path's.
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { stateKeyFunction } from '../../src/check/graph.ts';
import type { Implementation } from '../../src/paths/trie.ts';
import type { StateGraph } from '../../src/check/graph.ts';
import { pathOf } from '../../src/paths/path.ts';
import type { Path, PathStep } from '../../src/paths/path.ts';

export interface Recorder {
  log: string[];
}

export function machineImplementation(spec: MachineSpec, opts: { snapshots: boolean }): Implementation<AnyMachineSnapshot> & Recorder {
  let current: AnyMachineSnapshot = initialTransition(spec.machine)[0];
  const key = stateKeyFunction(spec, false);
  const log: string[] = [];
  const impl: Implementation<AnyMachineSnapshot> & Recorder = {
    log,
    async reset() {
      log.push('reset');
      current = initialTransition(spec.machine)[0];
    },
    async step(event: EventObject, expected: PathStep) {
      log.push(event.type);
      current = transition(spec.machine, current, event)[0];
      const got = key(current);
      if (got !== expected.state) throw new Error(`after ${event.type}: implementation in ${got}, machine says ${expected.state}`);
    },
  };
  if (opts.snapshots) {
    impl.snapshot = async () => {
      log.push('snapshot');
      return current;
    };
    impl.restore = async (s) => {
      log.push('restore');
      current = s;
    };
  }
  return impl;
}

/** Replays a path's events with XState and returns the state keys (spec.key or canonical) after each step. */
export function replayKeys(spec: MachineSpec, events: EventObject[]): string[] {
  const key = stateKeyFunction(spec, false);
  let [s] = initialTransition(spec.machine);
  return events.map((e) => {
    [s] = transition(spec.machine, s, e);
    return key(s);
  });
}

/** The path that follows the given event types from the initial state (first matching transition each time). */
export function pathByEvents(g: StateGraph, types: string[]): Path {
  let s = 0;
  const ts = types.map((type) => {
    const ti = g.out[s].find((t) => g.events[g.transitions[t].event].type === type);
    if (ti === undefined) throw new Error(`no ${type} transition from state ${g.keys[s]}`);
    s = g.transitions[ti].to;
    return ti;
  });
  return pathOf(g, ts);
}
