// One exploration per machine in a check run (issue 17): inside a scope the
// suites' path generation reads the graph the check explored; outside, a
// graph is kept per spec object (verify reads a suite's graph for its paths
// and again for its coverage row), so a test's variant under an existing id
// never sees another machine's graph.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/report.ts';
import { explore } from '../../src/check/explore.ts';
import { exploreShared, shareExploration, sharingExplorations } from '../../src/check/sharedExploration.ts';
import { mutexToy } from './toys.ts';

describe('sharedExploration', () => {
  it('inside a scope the graph the check shared is the one exploreShared returns; a spec not shared is explored once', async () => {
    const spec = mutexToy(2);
    const other = mutexToy(3);
    await sharingExplorations(async () => {
      const { graph } = check(spec);
      shareExploration(spec, graph);
      expect(exploreShared(spec)).toBe(graph);
      const first = exploreShared(other);
      expect(exploreShared(other)).toBe(first);
      expect(first.keys).toEqual(explore(other).keys);
    });
  });

  it('outside a scope a graph is kept per spec object only: the same spec is explored once, a variant under its id explores its own, a scope shares nothing after it', async () => {
    const spec = mutexToy(2);
    const shared = check(spec).graph;
    await sharingExplorations(async () => shareExploration(spec, shared));
    const a = exploreShared(spec);
    expect(a).not.toBe(shared);
    expect(exploreShared(spec)).toBe(a);
    expect(a.keys).toEqual(explore(spec).keys);
    const variant = { ...mutexToy(3), id: spec.id };
    const b = exploreShared(variant);
    expect(b).not.toBe(a);
    expect(b.keys).toEqual(explore(variant).keys);
    expect(b.keys).not.toEqual(a.keys);
  });

  it('a graph explored under symmetry reduction cannot stand for the concrete one', async () => {
    const spec = mutexToy(2);
    await sharingExplorations(async () => {
      expect(() => shareExploration(spec, explore(spec, { symmetry: true }))).toThrow(/symmetry/);
    });
  });
});
