// The pfAcceptance byte binding on the emulator: every path of every option
// set plays in bytes and agrees with the machine; every realisable reachable
// edge is executed; each relevant broken emulator is caught by a named path;
// and the same suites pass through a process boundary (nvme-lm serve).
import { describe, expect, it } from 'vitest';
import { NOT_REALISABLE, pfAcceptanceSuites } from '../../models/pfAcceptance.ts';
import { Mismatch, NotRealisable, type Suite } from '../../models/suite.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import type { Path } from '../../src/paths/path.ts';
import { runPaths, type PathResult } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';

const suites = pfAcceptanceSuites({ timeoutMs: 0 });
const suite = (id: string): Suite => {
  const s = suites.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
};
const finalOf = (p: Path): string => String(p.steps[p.steps.length - 1].snapshot.value);
const executesLm = (s: Suite): boolean => s.profile === 'lm' || s.profile === 'reserved';

async function run(s: Suite, mutant?: Mutant): Promise<PathResult[]> {
  const { results } = await runPaths(s.paths(), s.implementation(new EmulatorAdapter(mutant ? { mutant } : {})));
  return results;
}

describe('pfAcceptance binding: every path in bytes on the emulator', () => {
  it('six suites, one per option set, with the reset options the machine was built for', () => {
    expect(suites.map((s) => s.id)).toEqual([
      'pfAcceptance:lm',
      'pfAcceptance:no-lm',
      'pfAcceptance:reserved',
      'pfAcceptance:foreign',
      'pfAcceptance:lm:strict',
      'pfAcceptance:lm:drop',
    ]);
    expect(suite('pfAcceptance:lm:strict').reset).toEqual({ vfs: 2, profile: 'lm', strict: true, vfQueuePolicy: 'reject' });
    expect(suite('pfAcceptance:lm:drop').reset).toEqual({ vfs: 2, profile: 'lm', strict: false, vfQueuePolicy: 'drop' });
    expect(suite('pfAcceptance:lm').paths()).toBe(suite('pfAcceptance:lm').paths()); // memoized, deterministic
  });

  for (const s of suites) {
    it(`${s.id}: D1, D4, D5, D7, D9, D10, D17 and I3 hold in bytes on every path; only the format-bound D7 defects are NotRealisable`, async () => {
      const results = await run(s);
      const failed = results.filter((r) => !r.ok);
      for (const r of failed) {
        expect(r.error, `${r.path.name}: ${String(r.error)}`).toBeInstanceOf(NotRealisable);
        expect(r.path.events.some((e) => Object.hasOwn(NOT_REALISABLE, e.type)), r.path.name).toBe(true);
      }
      // lm-like PFs: SAVE and LOAD with a PRP list entry offset (the emulator's data is at most 2640 bytes), bad version, bad geometry
      expect(failed.length).toBe(executesLm(s) ? 4 : 0);
      const listPaths = failed.filter((r) => r.path.events.some((e) => e.type === 'PRP_LIST_ENTRY_OFFSET'));
      for (const r of listPaths) expect(String(r.error)).toMatch(/at most 2640 bytes \(with 64 I\/O queue pairs/);
    }, 60_000);

    it(`${s.id}: the passing paths take every reachable definition edge except the NotRealisable events' own`, async () => {
      const results = await run(s);
      const passing = results.filter((r) => r.ok).map((r) => r.path);
      const reach = reachableCoverage(s.spec.machine, explore(s.spec));
      const cov = pathCoverage(s.spec.machine, passing);
      const unexecuted = reach.reachable.filter((id) => cov.uncovered.some((u) => u.id === id));
      const expected = executesLm(s)
        ? ['pfAcceptance.dataTransfer|PRP_LIST_ENTRY_OFFSET|0', 'pfAcceptance.loadData|LOAD_BAD_VERSION|0', 'pfAcceptance.loadData|LOAD_BAD_GEOMETRY|0']
        : [];
      expect(unexecuted).toEqual(expected);
      expect(pathCoverage(s.spec.machine, s.paths()).covered).toBe(reach.reachable.length);
    }, 60_000);
  }
});

/** mutant, suite, a final state at which the suite must catch it, and the rule it breaks */
const MUTANT_CASES: Array<{ mutant: Mutant; suite: string; at: string; rule: string }> = [
  { mutant: 'acceptLmOnVfQueue', suite: 'pfAcceptance:lm', at: 'rejectedVfQueue', rule: 'D1/I1' },
  { mutant: 'acceptLmOnVfQueue', suite: 'pfAcceptance:lm:drop', at: 'droppedVfQueue', rule: 'D1/I1' },
  { mutant: 'ignoreCapability', suite: 'pfAcceptance:no-lm', at: 'rejectedUnknownOpcode', rule: 'D17' },
  { mutant: 'ignoreCapability', suite: 'pfAcceptance:foreign', at: 'executedForeignErase', rule: 'D17' },
  { mutant: 'partialLoad', suite: 'pfAcceptance:lm', at: 'rejectedLoadChecksum', rule: 'D7/I5' },
  { mutant: 'saveWhileRunning', suite: 'pfAcceptance:lm', at: 'rejectedSequence', rule: 'D5' },
  { mutant: 'queryOffByOneQueue', suite: 'pfAcceptance:lm', at: 'executedQuery', rule: 'D8' },
];

describe('pfAcceptance binding: broken emulators are caught', () => {
  for (const { mutant, suite: id, at, rule } of MUTANT_CASES) {
    it(`${rule}: the ${mutant} mutant is caught by ${id} at ${at}`, async () => {
      const results = await run(suite(id), mutant);
      const caught = results.filter((r) => !r.ok && r.error instanceof Mismatch);
      const names = caught.map((r) => `${finalOf(r.path)} via ${r.path.name}: ${(r.error as Error).message}`);
      expect(caught.length, `${mutant} on ${id} was caught by no path`).toBeGreaterThan(0);
      expect(caught.some((r) => finalOf(r.path) === at), `${mutant} caught only at:\n${names.join('\n')}`).toBe(true);
    }, 60_000);
  }

  it('D17: the unbroken emulator passes the suites the mutants fail (so a catch is the mutant, not the binding)', async () => {
    for (const id of ['pfAcceptance:lm', 'pfAcceptance:no-lm', 'pfAcceptance:foreign', 'pfAcceptance:lm:drop']) {
      const results = await run(suite(id));
      expect(results.filter((r) => !r.ok && r.error instanceof Mismatch).map((r) => r.path.name)).toEqual([]);
    }
  }, 60_000);
});

describe('pfAcceptance binding through a process boundary', () => {
  /** suite -> final states to play there (one path each) */
  const PICKS: Record<string, string[]> = {
    'pfAcceptance:lm': [
      'executedQuery',
      'executedSuspend',
      'executedResume',
      'executedSave',
      'executedLoad',
      'rejectedVfQueue',
      'rejectedIoQueue',
      'rejectedVfIndexAbove',
      'rejectedSequence',
      'rejectedPrpOffset',
      'rejectedDataTransfer',
      'rejectedLoadSizeOverBuffer',
      'rejectedLoadChecksum',
    ],
    'pfAcceptance:lm:strict': ['rejectedReserved', 'rejectedNsid'],
    'pfAcceptance:lm:drop': ['droppedVfQueue'],
    'pfAcceptance:foreign': ['executedForeignErase', 'rejectedUnknownOpcode'],
    'pfAcceptance:no-lm': ['rejectedVfUnknownOpcode', 'notLmCommand'],
  };

  it('D1, D5, D7, D8, D11, D17: the same bytes pass against `nvme-lm serve` over JSON lines', async () => {
    const adapter = new ProcessAdapter('npx tsx src/cli/main.ts serve', { timeoutMs: 20_000 });
    try {
      for (const s of pfAcceptanceSuites({ timeoutMs: 100 })) {
        const wanted = PICKS[s.id] ?? [];
        const paths = wanted.map((final) => {
          const p = s.paths().find((x) => finalOf(x) === final && !x.events.some((e) => Object.hasOwn(NOT_REALISABLE, e.type)));
          if (!p) throw new Error(`${s.id} has no realisable path to ${final}`);
          return p;
        });
        if (paths.length === 0) continue;
        const { results } = await runPaths(paths, s.implementation(adapter));
        expect(results.filter((r) => !r.ok).map((r) => `${r.path.name}: ${String(r.error)}`), s.id).toEqual([]);
      }
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
