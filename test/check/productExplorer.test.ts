import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import { exploreProduct } from '../../src/check/productExplorer.ts';
import { initialTransition, transition } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { productToy, mutexToy } from './toys.ts';

describe('product explorer', () => {
  for (const n of [1, 2, 3]) {
    it(`n=${n}: reaches the same states, transitions, self-loops and depth as explore()`, () => {
      const spec = productToy(n);
      const g = explore(spec);
      const p = exploreProduct(spec, spec.decomposition);
      expect(p.states).toBe(g.keys.length);
      expect(p.transitions).toBe(g.transitions.length);
      expect(p.selfLoops).toBe(g.transitions.filter((t) => t.from === t.to).length);
      expect(p.depth).toBe(g.maxDepth);
      expect(p.stuck).toBe(g.deadlocks.length);
    });

    it(`n=${n}: with symmetry, the same state count as explore() with the sorted-region key`, () => {
      const spec = productToy(n);
      const g = explore(spec, { symmetry: true });
      const p = exploreProduct(spec, spec.decomposition, { symmetry: true });
      expect(p.states).toBe(g.keys.length);
      expect(p.depth).toBe(g.maxDepth);
    });
  }

  it('the packed (bitset) and hashed (vector set) representations give the same counts', () => {
    for (const n of [1, 2, 4, 5]) {
      const spec = productToy(n);
      const packed = exploreProduct(spec, spec.decomposition, { representation: 'packed' });
      const hashed = exploreProduct(spec, spec.decomposition, { representation: 'hashed' });
      expect(packed.representation).toBe('packed');
      expect(hashed.representation).toBe('hashed');
      const counts = (g: typeof packed) => [g.states, g.transitions, g.selfLoops, g.depth, g.stuck];
      expect(counts(hashed)).toEqual(counts(packed));
    }
  });

  it('under symmetry, independent regions give one state per multiset of local states', () => {
    const binomial = (a: number, b: number): number => (b === 0 ? 1 : (binomial(a, b - 1) * (a - b + 1)) / b);
    for (const n of [2, 5, 8]) {
      const spec = productToy(n);
      const g = exploreProduct(spec, spec.decomposition, { symmetry: true });
      const L = g.localStates.length;
      expect(g.states).toBe(binomial(L + n - 1, n));
    }
  });

  it('learns each (local state, local event) once: XState calls do not grow with the number of regions', () => {
    const small = exploreProduct(productToy(2), productToy(2).decomposition);
    const big = exploreProduct(productToy(6), productToy(6).decomposition);
    // at most 3 states x counter 0..2 local states, and 7 local events
    expect(big.localStates.length).toBeLessThanOrEqual(9);
    expect(big.xstateCalls).toBeLessThanOrEqual(9 * 7);
    expect(big.xstateCalls).toBeLessThanOrEqual(small.xstateCalls + 9 * 2);
    // independent regions: the product of the local reachable sets (running 0..2, suspended 0..2, saved 0)
    expect(big.states).toBe(small.localStates.length ** 6);
  });

  it('a decomposition that leaves out shared state gives wrong counts, which the comparison with explore() exposes (mutex shares its lock)', () => {
    // mutex: ENTER of one region reads the shared holder, and EXIT of one region changes what others may do
    const spec = mutexToy(2);
    const d = {
      regions: 2,
      project: (s: { value: unknown; context: unknown }) => {
        const v = s.value as Record<string, string>;
        return [v.vf1, v.vf2];
      },
      route: (e: { type: string; vf?: number }) => ({ region: (e.vf as number) - 1, local: e.type }),
    };
    // ENTER is learned from a witness where the lock is free and reused where it is not: the projection must include
    // everything a region reads, which is why every decomposition gets the n=1..3 comparison above
    const p = exploreProduct(spec, d as never);
    expect(p.states).not.toBe(explore(spec).keys.length);
  });

  it('rejects an event that changes a region it is not routed to', () => {
    const spec = productToy(2);
    const wrong = { ...spec.decomposition, route: (e: { type: string; vf?: number }) => ({ region: 0, local: `${e.type}${e.vf ?? ''}` }) };
    expect(() => exploreProduct(spec, wrong as never)).toThrow(/not independent|root-level edge/);
  });

  it('checks the invariants on every learned step, with a concrete trace that replays to the violation', () => {
    const base = productToy(3);
    const spec: MachineSpec & { decomposition: typeof base.decomposition } = {
      ...base,
      invariants: [
        {
          id: 'SAVE_IDLE',
          description: 'SAVE only with nothing in flight',
          check: ({ event, after }) => {
            if (event.type !== 'SAVE') return true;
            const vf = (event as unknown as { vf: number }).vf;
            const saved = (after.value as Record<string, string>)[`vf${vf}`] === 'saved';
            return !saved || (after.context as { c: number[] }).c[vf - 1] === 0 || 'saved with I/O in flight';
          },
        },
        {
          id: 'NO_SAVED',
          description: 'no region is ever saved (false on purpose)',
          check: ({ after }) => !Object.values((after.value as Record<string, string>)).includes('saved') || 'a region is saved',
        },
      ],
    };
    const g = exploreProduct(spec, spec.decomposition);
    expect(g.invariants.map((i) => [i.id, i.holds])).toEqual([
      ['SAVE_IDLE', true],
      ['NO_SAVED', false],
    ]);
    expect(g.invariants[0].checked).toBe(g.xstateCalls);
    const events = g.invariants[1].counterexample!.trace.steps.map((st) => st.event);
    expect(events.map((e) => e.type)).toEqual(['SUSPEND', 'SAVE']);
    let [s] = initialTransition(spec.machine);
    for (const e of events) [s] = transition(spec.machine, s, e);
    expect(spec.invariants[1].check({ before: s, event: events[1], after: s })).toBe('a region is saved');
  });
});
