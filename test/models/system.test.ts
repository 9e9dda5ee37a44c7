// The system:2 byte binding on the emulator: every path of both suites plays
// in bytes on the PF, VF 1 and VF 2 and agrees with the machine; the paths
// take every reachable definition edge; broken emulators, and devices that
// leak one VF's commands into the other (D14), are caught by a named path;
// and the suites pass through a process boundary (nvme-lm serve).
import { describe, expect, it } from 'vitest';
import { Mismatch, type Suite } from '../../models/engine/suite.ts';
import { runSuite } from '../../models/engine/run.ts';
import { SYSTEM_SUITE_VFS, systemSuites } from '../../models/bindings/system.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import type { Path } from '../../src/paths/path.ts';
import { runPaths, type PathResult } from '../../src/paths/trie.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';

const suites = systemSuites({ timeoutMs: 0 });
const suite = (id: string): Suite => {
  const s = suites.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
};

async function run(s: Suite, adapter: Adapter): Promise<PathResult[]> {
  return (await runPaths(s.paths(), s.implementation(adapter))).results;
}

const describeFailure = (r: PathResult): string => `path "${r.path.name}" step ${(r.failedStep ?? -1) + 1}: ${String(r.error)}`;

/** The emulator with one VF's events leaking into the other VF: a device that breaks isolation (D14). */
function leaky(kind: 'flr' | 'completeIo'): Adapter {
  const inner = new EmulatorAdapter();
  const other = (fn: number): number => (fn === 1 ? 2 : 1);
  return {
    reset: (o) => inner.reset(o),
    regWrite: (fn, off, w, v) => inner.regWrite(fn, off, w, v),
    regRead: (fn, off, w) => inner.regRead(fn, off, w),
    memWrite: (a, d) => inner.memWrite(a, d),
    memRead: (a, n) => inner.memRead(a, n),
    submit: (fn, q, sqe) => inner.submit(fn, q, sqe),
    snapshot: () => inner.snapshot(),
    restore: (x) => inner.restore(x),
    close: () => inner.close(),
    async flr(fn) {
      await inner.flr(fn);
      if (kind === 'flr' && fn !== 0) await inner.flr(other(fn));
    },
    async completeIo(fn, count) {
      const n = await inner.completeIo(fn, count);
      if (kind === 'completeIo') await inner.completeIo(other(fn), 1);
      return n;
    },
  };
}

describe('system binding: every path in bytes on the emulator', () => {
  it('two suites, system:2 and system:2:drop, on 2 VFs with deferred I/O', () => {
    expect(suites.map((s) => s.id)).toEqual(['system:2', 'system:2:drop']);
    expect(suite('system:2').reset).toEqual({ vfs: SYSTEM_SUITE_VFS, profile: 'lm', vfQueuePolicy: 'reject', ioCompletion: 'deferred' });
    expect(suite('system:2:drop').requires).toEqual({ deferredIo: true });
    expect(suite('system:2').paths()).toBe(suite('system:2').paths()); // memoised
  });

  for (const s of suites) {
    it(`${s.id}: D1, D5-D8, D11, D13-D15, D18 hold in bytes on every path, with the other VF checked after each command`, async () => {
      const failed = (await run(s, new EmulatorAdapter())).filter((r) => !r.ok);
      expect(failed.map(describeFailure)).toEqual([]);
    }, 60_000);

    it(`${s.id}: the paths, and the steps that passed, take every reachable definition edge`, async () => {
      const reachable = reachableCoverage(s.spec.machine, explore(s.spec)).reachable;
      expect(pathCoverage(s.spec.machine, s.paths()).covered).toBe(reachable.length);
      const r = await runSuite(s, new EmulatorAdapter());
      expect(reachable.filter((e) => !r.coveredEdges.includes(e))).toEqual([]);
    }, 60_000);
  }
});

describe('system binding: broken devices are caught by a named path', () => {
  const cases: Array<[Mutant, RegExp]> = [
    ['acceptLmOnVfQueue', /^VF_LM$/],
    ['saveWhileRunning', /^LM_SAVE$/],
    ['partialLoad', /^LM_LOAD_CORRUPT$/],
    ['queryOffByOneQueue', /^PF_ENABLE$/], // the host's first SAVE (its images) finds the size wrong
  ];
  for (const [mutant, at] of cases) {
    it(`${mutant} is caught by system:2`, async () => {
      const caught = (await run(suite('system:2'), new EmulatorAdapter({ mutant }))).filter((r) => !r.ok && r.error instanceof Mismatch);
      expect(caught.length, `${mutant} passed every path`).toBeGreaterThan(0);
      const first = caught[0];
      expect(first.path.steps[first.failedStep ?? 0].event.type, describeFailure(first)).toMatch(at);
    }, 60_000);
  }

  it('D14: an FLR of one VF that also resets the other is caught (the other VF\'s CSTS.RDY)', async () => {
    const caught = (await run(suite('system:2'), leaky('flr'))).filter((r) => !r.ok);
    expect(caught.length).toBeGreaterThan(0);
    expect(String(caught[0].error), describeFailure(caught[0])).toMatch(/D14/);
    expect(caught[0].path.steps[caught[0].failedStep ?? 0].event.type).toBe('FLR');
  }, 60_000);

  it('D14: completing one VF\'s I/O that also completes the other VF\'s is caught (a completion it did not expect)', async () => {
    const caught = (await run(suite('system:2'), leaky('completeIo'))).filter((r) => !r.ok);
    expect(caught.length).toBeGreaterThan(0);
    expect(String(caught[0].error), describeFailure(caught[0])).toMatch(/completion/i);
  }, 60_000);
});

describe('system binding: through a process boundary', () => {
  it('D14, D18: paths pass against `nvme-lm serve` over JSON lines', async () => {
    const adapter = new ProcessAdapter(`${JSON.stringify(process.execPath)} bin/nvme-lm.mjs serve`, { timeoutMs: 20_000 });
    const s = suite('system:2');
    const has = (p: Path, type: string): boolean => p.events.some((e) => e.type === type);
    const picks = ['LM_LOAD_IO', 'IO_COMPLETE', 'PF_FLR', 'PF_DISABLE'].map((t) => {
      const p = s.paths().find((x) => has(x, t));
      if (!p) throw new Error(`system:2 has no path with ${t}`);
      return p;
    });
    try {
      const { results } = await runPaths(picks, s.implementation(adapter));
      expect(results.filter((r) => !r.ok).map(describeFailure)).toEqual([]);
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
