// The vfLifecycle byte binding on the emulator: every path of every suite
// plays in bytes and agrees with the machine, the paths take every reachable
// definition edge, each relevant broken emulator is caught by a named path,
// and the suites pass through a process boundary (nvme-lm serve).
import { describe, expect, it } from 'vitest';
import { runSuite, type SuiteRun } from '../../models/engine/run.ts';
import { Mismatch, type Suite } from '../../models/engine/suite.ts';
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { totalSteps, type Path } from '../../src/paths/path.ts';
import { runPaths, type PathResult } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';

const suites = vfLifecycleSuites({ timeoutMs: 0 });
const suite = (id: string): Suite => {
  const s = suites.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
};

/** The paths of `s` on a broken emulator, up to the first that the binding catches (a Mismatch): what the mutant tests need. */
async function firstCatches(s: Suite, mutant: Mutant): Promise<PathResult[]> {
  const caught = (r: PathResult): boolean => !r.ok && r.error instanceof Mismatch;
  const { results } = await runPaths(s.paths(), s.implementation(new EmulatorAdapter({ mutant })), { stopWhen: caught });
  return results;
}

/** One run of every path per suite on the unbroken emulator, read by both tests of the suite (each path played once, not twice). */
const unbroken = new Map<string, Promise<SuiteRun>>();
function runOnce(s: Suite): Promise<SuiteRun> {
  let run = unbroken.get(s.id);
  if (run === undefined) unbroken.set(s.id, (run = runSuite(s, new EmulatorAdapter())));
  return run;
}

describe('vfLifecycle binding: every path in bytes on the emulator', () => {
  it('six suites: lm x {reject, drop} x {immediate, deferred}, and no-lm (D17) immediate and deferred', () => {
    expect(suites.map((s) => s.id)).toEqual([
      'vfLifecycle:lm:drop:deferred',
      'vfLifecycle:lm:drop:immediate',
      'vfLifecycle:lm:reject:deferred',
      'vfLifecycle:lm:reject:immediate',
      'vfLifecycle:no-lm:deferred',
      'vfLifecycle:no-lm:immediate',
    ]);
    expect(suite('vfLifecycle:lm:drop:deferred').reset).toEqual({ vfs: 1, profile: 'lm', ioCompletion: 'deferred', vfQueuePolicy: 'drop' });
    expect(suite('vfLifecycle:no-lm:immediate').reset).toEqual({ vfs: 1, profile: 'no-lm', ioCompletion: 'immediate' });
    expect(suite('vfLifecycle:lm:drop:deferred').requires).toEqual({ deferredIo: true });
    expect(suite('vfLifecycle:lm:reject:immediate').paths()).toBe(suite('vfLifecycle:lm:reject:immediate').paths()); // memoised
  });

  for (const s of suites) {
    it(`${s.id}: D1, D5-D8, D11-D13, D15, D17, I2 hold in bytes on every path`, async () => {
      const r = await runOnce(s);
      const failed = [...r.failures.map((f) => `${f.path} (step ${f.step}): ${f.what ?? ''} expected ${f.expected}, observed ${f.observed}`), ...r.notRealisable.map((n) => `${n.path}: ${n.reason}`)];
      expect(failed).toEqual([]);
      expect(r.passed).toBe(r.paths);
    }, 60_000);

    it(`${s.id}: the paths take every reachable definition edge, and the passing steps take them all (with deferred I/O, the SAVE drain's too: D12, L4)`, async () => {
      const graph = explore(s.spec);
      const reachable = reachableCoverage(s.spec.machine, graph).reachable;
      const generated = pathCoverage(s.spec.machine, s.paths());
      expect(generated.uncovered.map((e) => e.id)).toEqual([]);
      expect(generated.covered).toBe(reachable.length);
      const r = await runOnce(s);
      const missing = reachable.filter((e) => !r.coveredEdges.includes(e));
      expect(missing).toEqual([]);
      if (s.profile === 'lm' && s.reset.ioCompletion === 'deferred') {
        expect(reachable).toEqual(expect.arrayContaining(['vfLifecycle.suspended|LM_SAVE|1', 'vfLifecycle.saving|IO_COMPLETE|0', 'vfLifecycle.saving|IO_COMPLETE|1']));
      }
      expect(totalSteps(s.paths())).toBeGreaterThan(0);
    }, 60_000);
  }
});

describe('vfLifecycle binding: broken emulators are caught by a named path', () => {
  const cases: Array<[Mutant, string[], RegExp]> = [
    ['acceptLmOnVfQueue', ['vfLifecycle:lm:reject:immediate', 'vfLifecycle:lm:drop:immediate'], /^VF_LM_/],
    ['saveWhileRunning', ['vfLifecycle:lm:reject:immediate', 'vfLifecycle:lm:drop:immediate', 'vfLifecycle:lm:reject:deferred'], /^LM_SAVE$/],
    ['partialLoad', ['vfLifecycle:lm:reject:immediate', 'vfLifecycle:lm:drop:deferred'], /^LM_LOAD_CORRUPT$/],
    ['queryOffByOneQueue', ['vfLifecycle:lm:reject:immediate', 'vfLifecycle:lm:reject:deferred'], /^LM_(SAVE|LOAD)$/],
    ['ignoreCapability', ['vfLifecycle:no-lm:immediate', 'vfLifecycle:no-lm:deferred'], /^LM_/],
  ];
  for (const [mutant, ids, at] of cases) {
    for (const id of ids) {
      it(`${mutant} is caught by ${id} (${mutant === 'ignoreCapability' ? 'D17' : mutant === 'acceptLmOnVfQueue' ? 'D1, I1' : mutant === 'saveWhileRunning' ? 'D5' : mutant === 'partialLoad' ? 'D7, I5' : 'D8'})`, async () => {
        const results = await firstCatches(suite(id), mutant);
        const caught = results.filter((r) => !r.ok && r.error instanceof Mismatch);
        expect(caught.length, `${mutant} passed every path of ${id}`).toBeGreaterThan(0);
        const first = caught[0];
        const event = first.path.steps[first.failedStep ?? 0].event.type;
        expect(event, `${mutant} first caught by path "${first.path.name}" at step ${(first.failedStep ?? 0) + 1}: ${String(first.error)}`).toMatch(at);
      }, 60_000);
    }
  }
});

describe('vfLifecycle binding: through a process boundary', () => {
  /** A few paths that take the events of interest (first match each). */
  function pick(s: Suite, wanted: string[][]): Path[] {
    return wanted.map((types) => {
      const p = s.paths().find((x) => types.every((t) => x.events.some((e) => e.type === t)));
      if (!p) throw new Error(`${s.id} has no path with ${types.join(', ')}`);
      return p;
    });
  }

  it('D1, D5-D8, D11, D13, D15, D17: the same bytes pass against `nvme-lm serve` over JSON lines', async () => {
    const adapter = new ProcessAdapter(`${JSON.stringify(process.execPath)} bin/nvme-lm.mjs serve`, { timeoutMs: 20_000 });
    try {
      const plan: Array<[string, string[][]]> = [
        ['vfLifecycle:lm:reject:immediate', [['LM_SAVE', 'LM_LOAD'], ['SUBMIT_IO', 'LM_RESUME'], ['VF_LM_SAVE'], ['FLR', 'LM_QUERY']]],
        ['vfLifecycle:lm:drop:deferred', [['IO_COMPLETE', 'LM_SAVE'], ['VF_LM_QUERY']]],
        ['vfLifecycle:no-lm:immediate', [['SUBMIT_IO', 'LM_QUERY'], ['VF_LM_LOAD']]],
      ];
      for (const [id, wanted] of plan) {
        const s = suite(id);
        const { results } = await runPaths(pick(s, wanted), s.implementation(adapter));
        expect(results.filter((r) => !r.ok).map((r) => `${r.path.name}: ${String(r.error)}`), id).toEqual([]);
      }
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
