import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import type { StateGraph } from '../../src/check/graph.ts';
import { simplePaths } from '../../src/paths/simple.ts';
import { mutexToy, vfToy } from '../check/toys.ts';
import { replayKeys } from './helpers.ts';

/** Every simple path of 1..maxDepth transitions, by brute force over transition sequences. */
function bruteForce(g: StateGraph, maxDepth: number): string[] {
  const out: string[] = [];
  const go = (s: number, visited: number[], names: string[]): void => {
    if (names.length === maxDepth) return;
    for (const ti of g.out[s]) {
      const t = g.transitions[ti];
      if (visited.includes(t.to)) continue;
      const n = [...names, g.events[t.event].type + JSON.stringify(g.events[t.event])];
      out.push(n.join(' '));
      go(t.to, [...visited, t.to], n);
    }
  };
  go(0, [0], []);
  return out.sort();
}

describe('bounded simple paths', () => {
  it('with prefixes: exactly the simple paths up to the bound (brute force)', () => {
    for (const [spec, depth] of [
      [vfToy(), 4],
      [mutexToy(3), 5],
    ] as const) {
      const g = explore(spec);
      const names = simplePaths(g, { maxDepth: depth, prefixes: true }).map((p) => p.events.map((e) => e.type + JSON.stringify(e)).join(' '));
      expect(names.sort()).toEqual(bruteForce(g, depth));
    }
  });

  it('maximal only: no path is a prefix of another, none repeats a state, all within the bound, and they replay', () => {
    const spec = mutexToy(2);
    const g = explore(spec);
    const paths = simplePaths(g, { maxDepth: 4 });
    const names = paths.map((p) => p.name);
    for (const p of paths) {
      expect(p.steps.length).toBeLessThanOrEqual(4);
      const states = [g.keys[0], ...p.steps.map((s) => s.state)];
      expect(new Set(states).size).toBe(states.length);
      expect(replayKeys(spec, p.events)).toEqual(p.steps.map((s) => s.state));
      expect(names.some((o) => o !== p.name && o.startsWith(`${p.name} > `))).toBe(false);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('stops with an error naming the options when there are too many paths', () => {
    expect(() => simplePaths(explore(mutexToy(3)), { maxDepth: 8, limit: 5 })).toThrow(/raise the limit option or lower maxDepth/);
  });
});
