// The product explorer on machines/system.ts agrees with the generic explorer.
import { describe, expect, it } from 'vitest';
import { systemSpec } from '../../machines/system.ts';
import { explore } from '../../src/check/explore.ts';
import { exploreSystem } from '../../src/check/systemProduct.ts';

describe('system on packed vectors', () => {
  for (const policy of ['reject', 'drop'] as const) {
    for (const n of [1, 2, 3]) {
      it(`system:${n} (${policy}): same states, transitions, self-loops, depth and deadlocks as explore()`, () => {
        const g = explore(systemSpec(n, { vfQueuePolicy: policy }));
        const p = exploreSystem(n, { system: { vfQueuePolicy: policy } });
        expect(p.states).toBe(g.keys.length);
        expect(p.transitions).toBe(g.transitions.length);
        expect(p.selfLoops).toBe(g.transitions.filter((t) => t.from === t.to).length);
        expect(p.depth).toBe(g.maxDepth);
        expect(p.stuck).toBe(g.deadlocks.length);
      });
    }
  }

  for (const n of [2, 3]) {
    it(`system:${n}: under symmetry, the same state count as explore() with systemSymmetricKey`, () => {
      const g = explore(systemSpec(n), { symmetry: true });
      const p = exploreSystem(n, { symmetry: true });
      expect(p.states).toBe(g.keys.length);
      expect(p.depth).toBe(g.maxDepth);
    });
  }

  it('D18: every VF local state is reachable, so system:n has 8^n + 1 states (PF disabled: one state)', () => {
    for (const n of [1, 4, 6]) {
      const p = exploreSystem(n);
      expect(p.localStates.length).toBe(9); // 8 VF local states + offline
      expect(p.states).toBe(8 ** n + 1);
      expect(p.representation).toBe('packed');
    }
  });

  it('I1, I3-I6 hold on every learned step of system:7, and 7 VFs are explored exhaustively (2,097,153 states)', () => {
    const p = exploreSystem(7);
    expect(p.invariants.map((i) => [i.id, i.holds])).toEqual([
      ['I1', true],
      ['I3', true],
      ['I4', true],
      ['I5', true],
      ['I6', true],
    ]);
    expect(p.states).toBe(8 ** 7 + 1);
    expect(p.stuck).toBe(0);
  });
});
