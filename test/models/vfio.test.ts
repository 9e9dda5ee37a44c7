// The vfioMigration binding: the host driver over the emulated PF, judged arc
// by arc against the machine for every flag set; the device mutants that a
// driver's migration exercises are caught; and the suite runs through a
// process boundary.
import { describe, expect, it } from 'vitest';
import { vfioSuites } from '../../models/bindings/vfio.ts';
import { Mismatch, type Suite } from '../../models/engine/suite.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { runPaths, type PathResult } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';

const suites = vfioSuites({ timeoutMs: 0 });

async function run(s: Suite, mutant?: Mutant): Promise<PathResult[]> {
  const { results } = await runPaths(s.paths(), s.implementation(new EmulatorAdapter(mutant ? { mutant } : {})));
  return results;
}

const failures = (results: PathResult[]): string[] =>
  results.filter((r) => !r.ok).map((r) => `step ${r.failedStep} of ${r.path.name.split(' > ').length}: ${String(r.error)}`);

describe('vfio binding: the host driver on the emulator', () => {
  it('four suites, one per VFIO flag set, each on an lm PF', () => {
    expect(suites.map((s) => s.id)).toEqual(['vfioMigration:stop-copy', 'vfioMigration:p2p', 'vfioMigration:pre-copy', 'vfioMigration:p2p,pre-copy']);
    for (const s of suites) expect(s.reset).toEqual({ vfs: 2, profile: 'lm' });
  });

  for (const s of suites) {
    it(`${s.id}: I8, D13, D16: every arc, refusal, failed arc and VF reset agrees with the machine (state, commands, errors, data fds)`, async () => {
      expect(failures(await run(s))).toEqual([]);
    }, 60_000);

    it(`${s.id}: the paths take every reachable definition edge`, () => {
      const reach = reachableCoverage(s.spec.machine, explore(s.spec));
      const cov = pathCoverage(s.spec.machine, s.paths());
      expect(cov.uncovered.map((e) => e.id)).toEqual(reach.unreachable.map((e) => e.id));
      expect(reach.unreachable).toEqual([]);
    });
  }
});

describe('vfio binding: broken devices are caught through the driver', () => {
  it('D7/I5: the partialLoad mutant is caught when a LOAD fails (ARC_FAILED from RESUMING leaves VF 1\'s registers changed)', async () => {
    for (const s of suites) {
      const bad = (await run(s, 'partialLoad')).filter((r) => !r.ok);
      expect(bad.length, `${s.id}: partialLoad not caught`).toBeGreaterThan(0);
      expect(bad[0].error).toBeInstanceOf(Mismatch);
      expect(String(bad[0].error), s.id).toMatch(/ARC_FAILED\(target=\w+\) in RESUMING: VF 1's registers after the rejected command/);
    }
  }, 60_000);

  it('D8: the queryOffByOneQueue mutant is caught: the driver loads what QUERY sized, and the PF refuses it', async () => {
    for (const s of suites) {
      const bad = (await run(s, 'queryOffByOneQueue')).filter((r) => !r.ok);
      expect(bad.length, `${s.id}: queryOffByOneQueue not caught`).toBeGreaterThan(0);
      expect(String(bad[0].error), s.id).toMatch(/in RESUMING: the driver's VFIO state \(I8\): expected STOP, observed RESUMING .*LOAD_DATA/);
    }
  }, 60_000);

  it('D1, D5, D17: mutants on paths a correct driver never takes (VF queue, running SAVE, missing capability) pass the driver suites', async () => {
    // The driver sends LM commands only to an lm PF's admin queue, SAVEs only a suspended VF; the pfAcceptance suites catch these.
    for (const mutant of ['acceptLmOnVfQueue', 'saveWhileRunning', 'ignoreCapability'] as const) {
      expect(failures(await run(suites[0], mutant)), mutant).toEqual([]);
    }
  }, 60_000);
});

describe('vfio binding through a process boundary', () => {
  it('I8, D13, D16: the stop-copy suite passes against `nvme-lm serve` over JSON lines', async () => {
    const adapter = new ProcessAdapter(`${JSON.stringify(process.execPath)} bin/nvme-lm.mjs serve`, { timeoutMs: 20_000 });
    try {
      const [s] = vfioSuites({ timeoutMs: 100 });
      const { results } = await runPaths(s.paths(), s.implementation(adapter));
      expect(failures(results)).toEqual([]);
    } finally {
      await adapter.close();
    }
  }, 180_000);
});
