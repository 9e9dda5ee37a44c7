import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { checkInvariants } from '../../src/check/invariants.ts';
import { mutexToy, vfToy } from './toys.ts';
import { tableMachine } from './tableMachine.ts';

/** Does some event sequence of exactly `length` events end with a step that violates `inv`? (brute force) */
function someViolationOfLength(spec: MachineSpec, invariant: string, length: number): boolean {
  const inv = spec.invariants.find((i) => i.id === invariant);
  if (!inv) throw new Error(`no invariant ${invariant}`);
  const walk = (s: AnyMachineSnapshot, left: number): boolean =>
    spec.events.some((event) => {
      const [after] = transition(spec.machine, s, event);
      if (left === 1) return inv.check({ before: s, event, after }) !== true;
      return walk(after, left - 1);
    });
  const [s0] = initialTransition(spec.machine);
  return walk(s0, length);
}

function replayEvents(spec: MachineSpec, events: EventObject[]): AnyMachineSnapshot[] {
  let [s] = initialTransition(spec.machine);
  const seen = [s];
  for (const e of events) {
    [s] = transition(spec.machine, s, e);
    seen.push(s);
  }
  return seen;
}

describe('invariants', () => {
  it('I5/D5: finds SAVE on a running VF (seeded bug) with a minimal trace: ENABLE, SAVE', () => {
    const spec = vfToy({ saveWhileRunning: true });
    const { results } = checkInvariants(spec);
    const i5 = results.find((r) => r.id === 'I5');
    expect(i5?.holds).toBe(false);
    const trace = i5?.counterexample?.trace;
    expect(trace?.steps.map((s) => s.event.type)).toEqual(['ENABLE', 'SAVE']);
    expect(trace?.steps.map((s) => s.value)).toEqual(['running', 'saved']);
    expect(i5?.counterexample?.message).toBe('SAVE succeeded on a running VF');
    expect(someViolationOfLength(spec, 'I5', 1)).toBe(false);
    // the other invariant still holds and is reported as holding
    expect(results.find((r) => r.id === 'COUNT')?.holds).toBe(true);
  });

  it('I5/D5: holds on the correct VF', () => {
    expect(checkInvariants(vfToy()).results.every((r) => r.holds)).toBe(true);
  });

  it('the counterexample is minimal: no shorter event sequence breaks mutual exclusion (brute force)', () => {
    const spec = mutexToy(3, { forgetLock: true });
    const r = checkInvariants(spec).results[0];
    const events = r.counterexample?.trace.steps.map((s) => s.event) ?? [];
    expect(events.length).toBe(4);
    for (let k = 1; k < events.length; k++) expect(someViolationOfLength(spec, 'MUTEX', k)).toBe(false);
    // and it replays: the last step really breaks the invariant
    const seen = replayEvents(spec, events);
    const inv = spec.invariants[0];
    expect(inv.check({ before: seen[3], event: events[3], after: seen[4] })).toBe('2 regions are critical at once');
  });

  it('a step that changes nothing can still break an invariant, and is reported', () => {
    const spec: MachineSpec = {
      ...vfToy(),
      invariants: [
        {
          id: 'LOUD',
          description: 'LOAD on a running VF must be handled (it is silently ignored here)',
          check: ({ before, event, after }) => event.type !== 'LOAD' || !before.matches('running') || after !== before || 'ignored',
        },
      ],
    };
    const r = checkInvariants(spec).results[0];
    expect(r.counterexample?.trace.steps.map((s) => s.event.type)).toEqual(['ENABLE', 'LOAD']);
  });

  it('an invariant that throws is reported as violated with the error', () => {
    const spec: MachineSpec = {
      ...vfToy(),
      invariants: [{ id: 'BOOM', description: 'throws', check: () => { throw new Error('kaput'); } }],
    };
    const r = checkInvariants(spec).results[0];
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toBe('the invariant threw: kaput');
    expect(r.counterexample?.trace.steps.length).toBe(1);
  });

  it('property: on random machines the counterexample length is the BFS distance to the bad state', () => {
    const arb = fc
      .integer({ min: 2, max: 7 })
      .chain((n) =>
        fc.record({
          n: fc.constant(n),
          table: fc.array(fc.array(fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: null }), { minLength: 3, maxLength: 3 }), {
            minLength: n,
            maxLength: n,
          }),
          bad: fc.integer({ min: 1, max: n - 1 }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ n, table, bad }) => {
        const spec = tableMachine(table, [{ id: 'AVOID', description: 'never enter bad', check: ({ after }) => after.value !== `s${bad}` || 'bad' }]);
        // independent BFS on the table
        const dist = new Array<number>(n).fill(-1);
        dist[0] = 0;
        const queue = [0];
        for (let h = 0; h < queue.length; h++) {
          for (const to of table[queue[h]]) {
            if (to !== null && dist[to] < 0) {
              dist[to] = dist[queue[h]] + 1;
              queue.push(to);
            }
          }
        }
        const { graph, results } = checkInvariants(spec);
        expect(graph.keys.length).toBe(dist.filter((d) => d >= 0).length);
        const r = results[0];
        if (dist[bad] < 0) expect(r.holds).toBe(true);
        else expect(r.counterexample?.trace.steps.length).toBe(dist[bad]);
      }),
    );
  });
});
