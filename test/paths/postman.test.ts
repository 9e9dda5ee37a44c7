import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { systemSpec } from '../../machines/system.ts';
import { vfLifecycleSpec } from '../../machines/vfLifecycle.ts';
import { explore } from '../../src/check/explore.ts';
import type { StateGraph } from '../../src/check/graph.ts';
import { totalSteps } from '../../src/paths/path.ts';
import type { Path } from '../../src/paths/path.ts';
import { postmanCover, transport } from '../../src/paths/postman.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import { doorbellToy, drainToy, mutexToy, vfToy } from '../check/toys.ts';
import { replayKeys } from './helpers.ts';
import { tableMachine } from '../check/tableMachine.ts';

/** Steps plus one reset between consecutive paths. */
const cost = (paths: Path[]): number => totalSteps(paths) + Math.max(0, paths.length - 1);

/** Every transition index the paths take, checked by replaying them through the graph. */
function takenTransitions(g: StateGraph, paths: Path[]): Set<number> {
  const taken = new Set<number>();
  for (const p of paths) {
    let s = 0;
    for (const step of p.steps) {
      const ti = g.out[s].find((t) => g.keys[g.transitions[t].to] === step.state && g.events[g.transitions[t].event] === step.event);
      expect(ti).toBeDefined();
      taken.add(ti as number);
      s = g.transitions[ti as number].to;
    }
  }
  return taken;
}

/** The cheapest covering walk by exhaustive search over (state, transitions taken so far); moves and resets cost 1. */
function optimalCost(g: StateGraph): number {
  const T = g.transitions.length;
  const full = (1 << T) - 1;
  const seen = new Map<number, number>();
  let frontier = [0 * (1 << T)];
  seen.set(0, 0);
  for (let d = 0; ; d++) {
    const next: number[] = [];
    for (const code of frontier) {
      const v = Math.floor(code / (1 << T));
      const mask = code % (1 << T);
      if (mask === full) return d;
      const moves = [...g.out[v].map((ti) => g.transitions[ti].to * (1 << T) + (mask | (1 << ti))), 0 * (1 << T) + mask];
      for (const m of moves) {
        if (seen.has(m)) continue;
        seen.set(m, d + 1);
        next.push(m);
      }
    }
    frontier = next;
  }
}

describe('postman cover', () => {
  for (const spec of [vfToy(), mutexToy(3), doorbellToy(), drainToy({ fetchWhileDraining: true }), systemSpec(2)]) {
    it(`${spec.id}: takes every reachable transition, with paths that replay`, () => {
      const g = explore(spec);
      const paths = postmanCover(g);
      expect(takenTransitions(g, paths).size).toBe(g.transitions.length);
      for (const p of paths) expect(replayKeys(spec, p.events)).toEqual(p.steps.map((s) => s.state));
    });
  }

  it('property: on random machines it is optimal (steps + resets equal the exhaustive minimum)', () => {
    const arb = fc.integer({ min: 1, max: 4 }).chain((n) =>
      fc.array(fc.array(fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: null }), { minLength: 3, maxLength: 3 }), {
        minLength: n,
        maxLength: n,
      }),
    );
    fc.assert(
      fc.property(arb, (table) => {
        const g = explore(tableMachine(table));
        fc.pre(g.transitions.length <= 11);
        const paths = postmanCover(g);
        expect(takenTransitions(g, paths).size).toBe(g.transitions.length);
        expect(cost(paths)).toBe(optimalCost(g));
        // and the greedy cover is never better than the optimum
        expect(cost(transitionCover(g))).toBeGreaterThanOrEqual(cost(paths));
      }),
      { numRuns: 200 },
    );
  });

  it('the greedy transitionCover stays within 10% of the optimum on the project machines', () => {
    for (const spec of [vfLifecycleSpec({}), systemSpec(2), mutexToy(5)]) {
      const g = explore(spec);
      expect(cost(transitionCover(g))).toBeLessThanOrEqual(1.1 * cost(postmanCover(g)));
    }
  });

  it('cuts paths at maxLength and still covers everything', () => {
    const g = explore(mutexToy(3));
    const paths = postmanCover(g, { maxLength: 10 });
    expect(Math.max(...paths.map((p) => p.steps.length))).toBeLessThanOrEqual(10);
    expect(takenTransitions(g, paths).size).toBe(g.transitions.length);
  });

  it('transport: min-cost flow matches exhaustive search on small instances', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }),
        (supply, demandRaw, costs) => {
          // scale the demands to the supplies' total by adding the difference to the last one
          const total = supply.reduce((a, b) => a + b, 0);
          const demand = [...demandRaw];
          const diff = total - demand.reduce((a, b) => a + b, 0);
          fc.pre(demand[demand.length - 1] + diff >= 0);
          demand[demand.length - 1] += diff;
          const c = supply.map((_, i) => demand.map((_, j) => costs[i * 3 + j]));
          const flow = transport(supply, demand, c);
          supply.forEach((s, i) => expect(flow[i].reduce((a, b) => a + b, 0)).toBe(s));
          demand.forEach((d, j) => expect(flow.reduce((a, row) => a + row[j], 0)).toBe(d));
          const got = flow.reduce((a, row, i) => a + row.reduce((b, f, j) => b + f * c[i][j], 0), 0);
          // exhaustive: assign each unit of supply to a demand
          const units = supply.flatMap((s, i) => new Array<number>(s).fill(i));
          let best = Infinity;
          const left = [...demand];
          const go = (k: number, acc: number): void => {
            if (acc >= best) return;
            if (k === units.length) {
              best = acc;
              return;
            }
            for (let j = 0; j < left.length; j++) {
              if (left[j] === 0) continue;
              left[j]--;
              go(k + 1, acc + c[units[k]][j]);
              left[j]++;
            }
          };
          go(0, 0);
          expect(got).toBe(best);
        },
      ),
    );
  });
});
