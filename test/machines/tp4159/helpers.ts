// Shared by the tp4159 machine tests: play events with XState's pure
// functions, seed a broken copy of a spec, and read one property's verdict.
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { MachineSpec } from '../../../machines/spec.ts';
import type { InvariantResult } from '../../../src/check/invariants.ts';
import type { LivenessResult } from '../../../src/check/liveness.ts';
import { check } from '../../../src/check/report.ts';

/** The snapshot after `types` from the initial state; throws if an event takes no edge (the test would prove nothing). */
export function play(machine: AnyStateMachine, types: readonly (string | (EventObject & Record<string, unknown>))[]): AnyMachineSnapshot {
  let [s] = initialTransition(machine);
  for (const t of types) {
    const event = typeof t === 'string' ? { type: t } : t;
    const [next] = transition(machine, s, event);
    if (next === s) throw new Error(`${event.type} is not enabled after ${types.slice(0, types.indexOf(t)).map(String).join(', ')}`);
    s = next;
  }
  return s;
}

/** The spec with some named actions or guards of its machine replaced: the seeded bug. */
export function seeded(spec: MachineSpec, name: string, impl: { actions?: Record<string, unknown>; guards?: Record<string, unknown> }): MachineSpec {
  return { ...spec, id: `${spec.id}:seeded-${name}`, machine: spec.machine.provide(impl as never) };
}

export function invariant(spec: MachineSpec, id: string): InvariantResult {
  const found = check(spec).report.invariants.find((i) => i.id === id);
  if (!found) throw new Error(`${spec.id} has no invariant ${id}`);
  return found;
}

export function liveness(spec: MachineSpec, id: string): LivenessResult {
  const found = check(spec).report.liveness.find((l) => l.id === id);
  if (!found) throw new Error(`${spec.id} has no liveness property ${id}`);
  return found;
}

export const eventTypes = (steps: { event: EventObject }[]): string[] => steps.map((s) => s.event.type);
