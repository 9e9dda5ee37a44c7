// The vfLifecycle binding on QEMU's NVMe device (profile no-lm, D17): every
// path of vfLifecycle:no-lm:immediate plays in bytes through qtest: the guest
// enables its VF, creates and deletes queue pairs, writes and reads back
// data, FLRs, and the LM opcodes are unknown on the PF and on the VF.
// Skipped where qemu-system-x86_64 is absent.
import { describe, expect, it } from 'vitest';
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { runSuite } from '../../models/engine/run.ts';
import { reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import { QemuAdapter } from '../../src/verify/qemu/qemuAdapter.ts';
import { findQemu } from '../../src/verify/qemu/qemuProcess.ts';

describe.skipIf(findQemu() === null)('vfLifecycle binding on QEMU', () => {
  it('D2, D13, D15, D17: every path of vfLifecycle:no-lm:immediate passes and takes every reachable edge', async () => {
    const suite = vfLifecycleSuites({ timeoutMs: 300 }).find((s) => s.id === 'vfLifecycle:no-lm:immediate');
    if (!suite) throw new Error('no vfLifecycle:no-lm:immediate suite');
    const adapter = new QemuAdapter();
    try {
      const r = await runSuite(suite, adapter);
      expect(r.unsupported).toBeUndefined();
      expect(r.failures.map((f) => `${f.path} (step ${f.step} ${f.event}): expected ${f.expected}, observed ${f.observed}`)).toEqual([]);
      expect(r.passed).toBe(r.paths);
      expect(r.coveredEdges).toEqual([...reachableCoverage(suite.spec.machine, explore(suite.spec)).reachable].sort());
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
