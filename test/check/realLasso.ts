// A lasso the checker prints, replayed with XState: the stem reaches a
// pending state, the cycle stays pending, takes no unfair step and returns to
// its first state. Shared by the seeded-liveness tests.
import { expect } from 'vitest';
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { stateKeyFunction } from '../../src/check/graph.ts';
import type { Lasso } from '../../src/check/liveness.ts';

export function expectRealLasso(spec: MachineSpec, id: string, lasso: Lasso): void {
  const l = spec.liveness.find((p) => p.id === id);
  if (!l) throw new Error(`no ${id}`);
  const key = stateKeyFunction(spec, false);
  let [s] = initialTransition(spec.machine);
  for (const step of lasso.stem.steps) [s] = transition(spec.machine, s, step.event);
  const entry = key(s);
  expect(l.pending(s)).toBe(true);
  for (const step of lasso.cycle) {
    const before: AnyMachineSnapshot = s;
    [s] = transition(spec.machine, s, step.event);
    expect(l.pending(s)).toBe(true);
    expect(l.unfair?.({ before, event: step.event, after: s }) ?? false).toBe(false);
  }
  expect(key(s)).toBe(entry);
}
