// `nvme-lm verify --qemu`: the no-lm suites against QEMU 7.2's NVMe device
// with SR-IOV VFs, end to end through the CLI. Skipped where
// qemu-system-x86_64 is absent.
import { describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../../src/verify/run.ts';
import { DEVIATIONS } from '../../../models/engine/deviations.ts';
import { hasQemu, nvmeLm } from './helpers.ts';

const IO_COMPLETE_EDGE = 'vfLifecycle.running|IO_COMPLETE|0';

describe.skipIf(!hasQemu)('nvme-lm verify --qemu', () => {
  it('D1, D2, D13, D15, D17: --vfs 2 --json covers every reachable no-lm transition QEMU can exhibit and exits 0', async () => {
    const run = await nvmeLm(['verify', '--qemu', '--vfs', '2', '--json']);
    const r = JSON.parse(run.stdout) as VerifyResult;
    expect(r.failures.filter((f) => !f.deviation).map((f) => `${f.suite}: ${f.path} (step ${f.step} ${f.event}): expected ${f.expected}, observed ${f.observed}`)).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
    expect(r.vfs).toBe(2);
    expect(r.unsupportedProfiles).toEqual([]);
    const byId = new Map(r.suites.map((s) => [s.suite, s]));
    expect([...byId.keys()].sort()).toEqual(['pfAcceptance:no-lm', 'vfLifecycle:no-lm:deferred', 'vfLifecycle:no-lm:immediate']);
    for (const id of ['vfLifecycle:no-lm:immediate', 'pfAcceptance:no-lm']) {
      const s = byId.get(id);
      if (!s) throw new Error(`verify ran no suite ${id}`);
      expect(s.vfs, id).toBe(2);
      expect(s.unsupported, id).toBeUndefined();
      expect(s.passed + s.knownDeviations, id).toBe(s.paths);
      expect(s.edges.covered, id).toBe(s.edges.reachable);
      expect(s.transitions.covered, id).toBe(s.transitions.reachable);
    }
    // deferred I/O: unsupported with the reason, and the only edge no suite that ran took is IO_COMPLETE
    expect(byId.get('vfLifecycle:no-lm:deferred')?.unsupported).toMatch(/completeIo/);
    expect(r.notExhibited.map((n) => [n.suite, n.edges])).toEqual([['vfLifecycle:no-lm:deferred', [IO_COMPLETE_EDGE]]]);
    expect(r.knownDeviations).toBe(r.failures.filter((f) => f.deviation).length);
    expect(r.failures.every((f) => DEVIATIONS.some((d) => d.id === f.deviation?.id))).toBe(true);
    expect(r.steps).toBeGreaterThan(r.paths);
  }, 300_000);

  it('D17: --profile lm is unsupported on QEMU: exit 2 with the reason', async () => {
    const run = await nvmeLm(['verify', '--qemu', '--profile', 'lm', '--json']);
    expect(run.status).toBe(2);
    const r = JSON.parse(run.stdout) as VerifyResult;
    expect(r.unsupportedProfiles).toEqual(['lm']);
    expect(r.suites.every((s) => s.unsupported !== undefined)).toBe(true);
    expect(r.suites.find((s) => s.suite === 'pfAcceptance:lm')?.unsupported).toMatch(/use --profile no-lm/);
    expect(run.stderr).toMatch(/no requested profile is supported by qemu/);
  }, 120_000);

  it('D17: --profile lm no-lm runs no-lm and reports lm unsupported (exit 0: one requested profile is supported)', async () => {
    const run = await nvmeLm(['verify', '--qemu', '--profile', 'lm', 'no-lm', '--vfs', '3', '--json']);
    const r = JSON.parse(run.stdout) as VerifyResult;
    expect(run.status, run.stderr).toBe(0);
    expect(r.unsupportedProfiles).toEqual(['lm']);
    expect(r.suites.find((s) => s.suite === 'pfAcceptance:no-lm:vfs=3')?.passed).toBe(18);
    expect(r.passed).toBe(22);
  }, 300_000);
});
