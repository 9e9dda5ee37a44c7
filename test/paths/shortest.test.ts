import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import { shortestPaths } from '../../src/paths/shortest.ts';
import { mutexToy, vfToy } from '../check/toys.ts';
import { replayKeys } from './helpers.ts';

describe('shortest paths', () => {
  for (const spec of [vfToy(), mutexToy(3)]) {
    it(`${spec.id}: one path per reachable state, of BFS length, that really ends there`, () => {
      const g = explore(spec);
      const paths = shortestPaths(g);
      expect(paths.length).toBe(g.keys.length - 1);
      paths.forEach((p, i) => {
        const s = i + 1;
        expect(p.steps.length).toBe(g.depth[s]);
        expect(p.steps[p.steps.length - 1].state).toBe(g.keys[s]);
        expect(replayKeys(spec, p.events)).toEqual(p.steps.map((st) => st.state));
      });
    });
  }

  it('names a path by its events and is the same on every run', () => {
    const a = shortestPaths(explore(mutexToy(2)));
    const b = shortestPaths(explore(mutexToy(2)));
    expect(a.map((p) => p.name)).toEqual(b.map((p) => p.name));
    expect(a[0].name).toBe('REQ(vf=1)');
    expect(a.map((p) => p.name)).toContain('REQ(vf=1) > ENTER(vf=1)');
  });

  it('refuses a symmetry-reduced graph, whose paths would not be concrete', () => {
    expect(() => shortestPaths(explore(mutexToy(2), { symmetry: true }))).toThrow(/explore it without symmetry/);
  });
});
