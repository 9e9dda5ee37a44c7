import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MachineSpec } from '../../machines/spec.ts';
import { canonicalJson } from '../../src/check/canonical.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { StateGraph } from '../../src/check/graph.ts';
import { totalSteps } from '../../src/paths/path.ts';
import type { Path } from '../../src/paths/path.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import { deadlockToy, doorbellToy, drainToy, mutexToy, vfToy } from '../check/toys.ts';
import { replayKeys } from './helpers.ts';
import { tableMachine } from '../check/tableMachine.ts';

/** The concrete transitions the paths take, found by replaying them with XState (not trusting the path's own steps). */
function takenByReplay(spec: MachineSpec, g: StateGraph, paths: Path[]): Set<string> {
  const taken = new Set<string>();
  for (const p of paths) {
    const keys = replayKeys(spec, p.events);
    p.events.forEach((e, i) => taken.add(`${i === 0 ? g.keys[0] : keys[i - 1]}|${canonicalJson(e)}|${keys[i]}`));
  }
  return taken;
}

function allTransitions(g: StateGraph): Set<string> {
  return new Set(g.transitions.map((t) => `${g.keys[t.from]}|${canonicalJson(g.events[t.event])}|${g.keys[t.to]}`));
}

const specs = [vfToy(), mutexToy(3), doorbellToy(), drainToy({ fetchWhileDraining: true }), deadlockToy()];

describe('transition cover', () => {
  for (const spec of specs) {
    it(`${spec.id}: takes every reachable transition, hence every reachable definition edge`, () => {
      const g = explore(spec);
      const paths = transitionCover(g);
      expect(takenByReplay(spec, g, paths)).toEqual(allTransitions(g));
      const edges = pathCoverage(spec.machine, paths);
      expect(edges.uncovered.map((e) => e.id)).toEqual(reachableCoverage(spec.machine, g).unreachable.map((e) => e.id));
    });
  }

  it('uses far fewer steps than one shortest path per transition', () => {
    const g = explore(mutexToy(3));
    const paths = transitionCover(g);
    const naive = g.transitions.reduce((n, t) => n + g.depth[t.from] + 1, 0);
    const steps = totalSteps(paths);
    expect(steps).toBeGreaterThanOrEqual(g.transitions.length);
    expect(steps).toBeLessThan(naive / 2);
  });

  it('starts a new path past maxLength', () => {
    const g = explore(mutexToy(3));
    const paths = transitionCover(g, { maxLength: 12 });
    expect(Math.max(...paths.map((p) => p.steps.length))).toBeLessThanOrEqual(12);
    expect(paths.length).toBeGreaterThan(transitionCover(g).length);
    expect(takenByReplay(mutexToy(3), g, paths)).toEqual(allTransitions(g));
  });

  it('is deterministic', () => {
    expect(transitionCover(explore(mutexToy(3))).map((p) => p.name)).toEqual(transitionCover(explore(mutexToy(3))).map((p) => p.name));
  });

  it('property: covers every transition of random machines, with paths that replay', () => {
    const arb = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.array(fc.array(fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: null }), { minLength: 3, maxLength: 3 }), {
        minLength: n,
        maxLength: n,
      }),
    );
    fc.assert(
      fc.property(arb, fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }), (table, maxLength) => {
        const spec = tableMachine(table);
        const g = explore(spec);
        const paths = transitionCover(g, { maxLength });
        expect(takenByReplay(spec, g, paths)).toEqual(allTransitions(g));
        for (const p of paths) expect(replayKeys(spec, p.events)).toEqual(p.steps.map((s) => s.state));
      }),
    );
  });
});
