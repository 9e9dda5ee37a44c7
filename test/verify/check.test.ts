// The check job (src/verify/check.ts): what it reports without suites.
import { describe, expect, it } from 'vitest';
import { VFIO_FLAG_SETS, formatVfioFeatures } from '../../machines/vfio/states.ts';
import { runCheck } from '../../src/verify/check.ts';

describe('nvme-lm check: L1 comes from the checker', () => {
  it('L1: holds on the fixed driver walk for all four flag sets, with K = 4, the machines explored and the time', async () => {
    const r = await runCheck({ specs: [] });
    expect(r.liveness).toHaveLength(1);
    const [l1] = r.liveness;
    expect(l1.id).toBe('L1');
    expect(l1.holds).toBe(true);
    expect(l1.machines).toEqual(VFIO_FLAG_SETS.map((f) => `vfioWalk:${formatVfioFeatures(f)}:fixed`));
    expect(l1.ms).toBeGreaterThan(0);
    expect(l1.detail).toMatch(/within K = 4 arcs \(worst: START\(current=\w+, requested=\w+\) with p2p,pre-copy\)/);
    expect(l1.lasso).toBeUndefined();
  });
});
