// The system decomposes into identical independent VF regions, so the
// product explorer (src/check) can learn one VF's relation once and explore
// 8 VFs exhaustively.
import { describe, expect, it } from 'vitest';
import { systemDecomposition, systemSpec } from '../../machines/system.ts';
import { exploreProduct } from '../../src/check/productExplorer.ts';
import { bfs } from './vfLifecycleBfs.ts';

describe('system as a product of identical VF regions', () => {
  it.each([1, 2, 3])('D14: with %i VF(s) the product explorer reaches the same states as a plain BFS, with and without symmetry', (n) => {
    const spec = systemSpec(n);
    const d = systemDecomposition(n);
    expect(exploreProduct(spec, d).states).toBe(bfs(spec.machine, spec.events, spec.key!).snapshots.length);
    expect(exploreProduct(spec, d, { symmetry: true }).states).toBe(bfs(spec.machine, spec.events, spec.symmetricKey!).snapshots.length);
  });

  it('D14/D18: 8 VFs explored exhaustively under VF symmetry: 6,436 states (C(15,8) + PF off), 9 local states learned (8 + offline)', () => {
    const spec = systemSpec(8);
    const g = exploreProduct(spec, systemDecomposition(8), { symmetry: true });
    expect(g.localStates).toHaveLength(9);
    expect(g.states).toBe(6436);
    expect(g.ms).toBeLessThan(60_000);
  });
});
