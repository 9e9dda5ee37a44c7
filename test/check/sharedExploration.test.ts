// One exploration per machine in a check run (issue 17): inside a scope the
// suites' path generation reads the graph the check explored; outside, every
// call explores its own machine (a test's variant under an existing id must
// not see another machine's graph).
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

  it('outside a scope nothing is kept: each call explores afresh', async () => {
    const spec = mutexToy(2);
    await sharingExplorations(async () => shareExploration(spec, check(spec).graph));
    const a = exploreShared(spec);
    expect(exploreShared(spec)).not.toBe(a);
    expect(a.keys).toEqual(explore(spec).keys);
  });

  it('a graph explored under symmetry reduction cannot stand for the concrete one', async () => {
    const spec = mutexToy(2);
    await sharingExplorations(async () => {
      expect(() => shareExploration(spec, explore(spec, { symmetry: true }))).toThrow(/symmetry/);
    });
  });
});
