// The same pfAcceptance binding on QEMU's NVMe device (profile no-lm, the only
// one QEMU is, D17): every path of the no-lm suite plays in bytes through
// qtest and agrees with the machine. Skipped where qemu-system-x86_64 is absent.
import { describe, expect, it } from 'vitest';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { runPaths } from '../../src/paths/trie.ts';
import { QemuAdapter } from '../../src/verify/qemu/qemuAdapter.ts';
import { findQemu } from '../../src/verify/qemu/qemuProcess.ts';

describe.skipIf(findQemu() === null)('pfAcceptance binding on QEMU', () => {
  it('D1, D17: QEMU answers the five opcodes as unknown on the PF, the VF admin queue and the I/O queue, changing nothing', async () => {
    const suite = pfAcceptanceSuites({ timeoutMs: 300 }).find((s) => s.id === 'pfAcceptance:no-lm');
    if (!suite) throw new Error('no pfAcceptance:no-lm suite');
    const adapter = new QemuAdapter();
    try {
      const { results } = await runPaths(suite.paths(), suite.implementation(adapter));
      expect(results.length).toBe(18);
      expect(results.filter((r) => !r.ok).map((r) => `${r.path.name}: ${String(r.error)}`)).toEqual([]);
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
