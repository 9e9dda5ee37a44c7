// branchCover: one path per reachable transition along the breadth-first
// tree; through the prefix-sharing runner each transition plays exactly once.
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import { branchCover } from '../../src/paths/branchCover.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import { buildTrie, type TrieNode } from '../../src/paths/trie.ts';
import { totalSteps } from '../../src/paths/path.ts';
import { vfLifecycleSpec } from '../../machines/vfLifecycle.ts';

const graph = explore(vfLifecycleSpec({}));

function trieEdges(node: TrieNode): number {
  let n = 0;
  for (const child of node.children) n += 1 + trieEdges(child);
  return n;
}

describe('branchCover on vfLifecycle', () => {
  const paths = branchCover(graph);

  it('takes every reachable transition, and the trie of its paths has exactly one edge per transition', () => {
    const taken = new Set<string>();
    for (const p of paths) {
      let from = graph.keys[0];
      for (const s of p.steps) {
        taken.add(`${from} ${JSON.stringify(s.event)} ${s.state}`);
        from = s.state;
      }
    }
    expect(taken.size).toBe(graph.transitions.length);
    expect(trieEdges(buildTrie(paths))).toBe(graph.transitions.length);
  });

  it('no path is a prefix of another (the longer one plays it), and the order is the same on every run', () => {
    const names = paths.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const a of names) expect(names.some((b) => b !== a && b.startsWith(`${a} > `))).toBe(false);
    expect(branchCover(graph).map((p) => p.name)).toEqual(names);
  });

  it('costs more from reset than the short transition cover, fewer through the trie', () => {
    const cover = transitionCover(graph);
    expect(totalSteps(paths)).toBeGreaterThan(totalSteps(cover));
    expect(trieEdges(buildTrie(paths))).toBeLessThan(trieEdges(buildTrie(cover)));
  });
});
