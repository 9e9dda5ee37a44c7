// A machine from a transition table, for property tests over random machines:
// row s is state `s<s>`, column e is event A, B or C, a cell the next state (or
// null: the event does nothing there). One builder for every test that needs one.
import { createMachine } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';

export const TABLE_EVENTS = ['A', 'B', 'C'] as const;

export function tableMachine(table: readonly (readonly (number | null)[])[], invariants: MachineSpec['invariants'] = []): MachineSpec {
  const states: Record<string, { on: Record<string, string> }> = {};
  table.forEach((row, s) => {
    const on: Record<string, string> = {};
    row.forEach((to, e) => {
      if (to !== null) on[TABLE_EVENTS[e]] = `s${to}`;
    });
    states[`s${s}`] = { on };
  });
  return {
    id: 'rnd',
    description: 'random',
    machine: createMachine({ id: 'rnd', initial: 's0', states }),
    events: TABLE_EVENTS.map((type) => ({ type })),
    invariants,
    liveness: [],
  };
}
