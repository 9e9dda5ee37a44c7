import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { check } from '../../src/check/report.ts';
import { explore } from '../../src/check/explore.ts';
import { mutexToy } from './toys.ts';

describe('symmetry reduction', () => {
  it('reduces the states of a symmetric machine (n interchangeable regions)', () => {
    for (const n of [2, 3, 4]) {
      // concrete: each region idle or waiting, or one critical and the rest idle or waiting
      expect(explore(mutexToy(n)).keys.length).toBe(2 ** n + n * 2 ** (n - 1));
      // up to permutation only the counts matter: (n + 1) without a critical region, n with one
      expect(explore(mutexToy(n), { symmetry: true }).keys.length).toBe(2 * n + 1);
    }
  });

  for (const spec of [mutexToy(2), mutexToy(3), mutexToy(3, { forgetLock: true }), mutexToy(4, { forgetLock: true })]) {
    it(`${spec.id}: gives the same verdicts with and without symmetry, and counterexamples of the same length`, () => {
      const plain = check(spec).report;
      const reduced = check(spec, { symmetry: true }).report;
      expect(reduced.states).toBeLessThan(plain.states);
      const verdicts = (r: typeof plain) => [
        ...r.invariants.map((i) => [i.id, i.holds, i.counterexample?.trace.steps.length]),
        ...r.liveness.map((l) => [l.id, l.holds, l.lasso?.stem.steps.length]),
        r.deadlocks.count > 0,
        r.depth,
      ];
      expect(verdicts(reduced)).toEqual(verdicts(plain));
    });
  }

  it('a counterexample found under symmetry replays concretely and breaks the invariant', () => {
    const spec = mutexToy(4, { forgetLock: true });
    const inv = check(spec, { symmetry: true }).report.invariants[0];
    const events = inv.counterexample?.trace.steps.map((s) => s.event) ?? [];
    let [s] = initialTransition(spec.machine);
    let verdict: true | string = true;
    for (const e of events) {
      const [after] = transition(spec.machine, s, e);
      verdict = spec.invariants[0].check({ before: s, event: e, after });
      s = after;
    }
    expect(verdict).toBe('2 regions are critical at once');
  });
});
