// The pfAcceptance byte binding on the emulator: every path of every option
// set plays in bytes and agrees with the machine; with the emulator's
// saved-data format every reachable edge is executed (without it, only the
// two format-bound D7 edges are not); each relevant broken emulator is caught
// by a named path; and the same suites pass through a process boundary
// (nvme-lm serve).
import { describe, expect, it } from 'vitest';
import { LIST_LOAD_BYTES, NO_SAVED_FORMAT, pfAcceptanceSuites, TARGET_BOUND_EVENTS } from '../../models/bindings/pfAcceptance.ts';
import { AcceptanceHost, LIST_THRESHOLD } from '../../models/host/pfAcceptanceHost.ts';
import { ACCEPTANCE_PLAN } from '../../models/host/hostPlan.ts';
import { EMULATOR_SAVED_FORMAT } from '../../models/host/savedFormat.ts';
import { Mismatch, NotRealisable, type Suite } from '../../models/engine/suite.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import type { Path } from '../../src/paths/path.ts';
import { runPaths, type PathResult } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { describeStatus, generic, SC } from '../../src/wire/status.ts';

/** The suites as `nvme-lm check` runs them on the emulator: with its saved-data format. */
const suites = pfAcceptanceSuites({ timeoutMs: 0, savedFormat: EMULATOR_SAVED_FORMAT });
/** The suites as verify builds them for a target of unknown format. */
const bare = pfAcceptanceSuites({ timeoutMs: 0 });
const suite = (id: string, from = suites): Suite => {
  const s = from.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
};
const finalOf = (p: Path): string => String(p.steps[p.steps.length - 1].snapshot.value);
const has = (p: Path, type: string): boolean => p.events.some((e) => e.type === type);
const targetBound = (p: Path): boolean => p.events.some((e) => TARGET_BOUND_EVENTS.includes(e.type));
const SAVE_LIST_REASON = /^SAVE with a PRP list entry offset: .*at most 2640 bytes \(with 64 I\/O queue pairs, all it accepts\), so no SAVE on this target reads a PRP list$/;
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
    it(`${s.id}: D1, D4, D5, D7, D9, D10, D17 and I3 hold in bytes on every path; only SAVE with a PRP list entry offset is NotRealisable (D8: at most 2640 bytes)`, async () => {
      const results = await run(s);
      const failed = results.filter((r) => !r.ok);
      for (const r of failed) expect(r.error, `${r.path.name}: ${String(r.error)}`).toBeInstanceOf(NotRealisable);
      expect(failed.map((r) => r.path.events.map((e) => e.type).filter((t) => t.startsWith('OPC_') || t === 'PRP_LIST_ENTRY_OFFSET'))).toEqual(
        executesLm(s) ? [['OPC_SAVE', 'PRP_LIST_ENTRY_OFFSET']] : [],
      );
      for (const r of failed) expect((r.error as Error).message).toMatch(SAVE_LIST_REASON);
    }, 60_000);

    it(`${s.id}: with the emulator's saved-data format the passing paths take every reachable definition edge`, async () => {
      const results = await run(s);
      const passing = results.filter((r) => r.ok).map((r) => r.path);
      const reach = reachableCoverage(s.spec.machine, explore(s.spec));
      const cov = pathCoverage(s.spec.machine, passing);
      expect(reach.reachable.filter((id) => cov.uncovered.some((u) => u.id === id))).toEqual([]);
      expect(reach.reachable.length).toBe(executesLm(s) ? 63 : reach.reachable.length);
    }, 60_000);
  }

  it('the paths are the same with and without a format descriptor (so a test number means the same path on every target)', () => {
    for (const s of suites) expect(s.paths().map((p) => p.name)).toEqual(suite(s.id, bare).paths().map((p) => p.name));
  });

  for (const id of ['pfAcceptance:lm', 'pfAcceptance:lm:strict']) {
    it(`D7: ${id} plays LOAD with an unknown version and with an excess geometry (Invalid Field), and LOAD with a PRP list entry offset (PRP Offset Invalid)`, async () => {
      const s = suite(id);
      const results = await run(s);
      const newPaths = results.filter((r) => has(r.path, 'LOAD_BAD_VERSION') || has(r.path, 'LOAD_BAD_GEOMETRY') || (has(r.path, 'OPC_LOAD') && has(r.path, 'PRP_LIST_ENTRY_OFFSET')));
      expect(newPaths.map((r) => finalOf(r.path)).sort()).toEqual(['rejectedLoadGeometry', 'rejectedLoadVersion', 'rejectedPrpOffset']);
      expect(newPaths.filter((r) => !r.ok).map((r) => `${r.path.name}: ${String(r.error)}`)).toEqual([]);
    }, 60_000);
  }

  for (const s of bare) {
    it(`${s.id} without a format descriptor: LOAD_BAD_VERSION and LOAD_BAD_GEOMETRY are NotRealisable ("${NO_SAVED_FORMAT}"), every other reachable edge runs`, async () => {
      const results = await run(s);
      const failed = results.filter((r) => !r.ok);
      for (const r of failed) {
        expect(r.error, `${r.path.name}: ${String(r.error)}`).toBeInstanceOf(NotRealisable);
        expect(targetBound(r.path), r.path.name).toBe(true);
      }
      const noFormat = failed.filter((r) => (r.error as Error).message.startsWith(`${NO_SAVED_FORMAT}: `));
      expect(noFormat.map((r) => finalOf(r.path)).sort()).toEqual(executesLm(s) ? ['rejectedLoadGeometry', 'rejectedLoadVersion'] : []);
      expect(failed.length).toBe(executesLm(s) ? 3 : 0); // and SAVE with a PRP list entry offset

      const passing = results.filter((r) => r.ok).map((r) => r.path);
      const reach = reachableCoverage(s.spec.machine, explore(s.spec));
      const cov = pathCoverage(s.spec.machine, passing);
      const unexecuted = reach.reachable.filter((id) => cov.uncovered.some((u) => u.id === id));
      expect(unexecuted).toEqual(executesLm(s) ? ['pfAcceptance.loadData|LOAD_BAD_VERSION|0', 'pfAcceptance.loadData|LOAD_BAD_GEOMETRY|0'] : []);
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
  { mutant: 'partialLoad', suite: 'pfAcceptance:lm', at: 'rejectedLoadVersion', rule: 'D7/I5' },
  { mutant: 'partialLoad', suite: 'pfAcceptance:lm', at: 'rejectedLoadGeometry', rule: 'D7/I5' },
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
      'rejectedLoadVersion',
      'rejectedLoadGeometry',
    ],
    'pfAcceptance:lm:strict': ['rejectedReserved', 'rejectedNsid'],
    'pfAcceptance:lm:drop': ['droppedVfQueue'],
    'pfAcceptance:foreign': ['executedForeignErase', 'rejectedUnknownOpcode'],
    'pfAcceptance:no-lm': ['rejectedVfUnknownOpcode', 'notLmCommand'],
  };

  it('D1, D5, D7, D8, D11, D17: the same bytes (and the emulator format\'s version and geometry defects) pass against `nvme-lm serve` over JSON lines', async () => {
    const adapter = new ProcessAdapter(`${JSON.stringify(process.execPath)} bin/nvme-lm.mjs serve`, { timeoutMs: 20_000 });
    try {
      for (const s of pfAcceptanceSuites({ timeoutMs: 100, savedFormat: EMULATOR_SAVED_FORMAT })) {
        const wanted = PICKS[s.id] ?? [];
        const paths = wanted.map((final) => {
          const p = s.paths().find((x) => finalOf(x) === final && !(has(x, 'OPC_SAVE') && has(x, 'PRP_LIST_ENTRY_OFFSET')));
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

describe('LOAD with a PRP list: what PRP_LIST_ENTRY_OFFSET plays for LOAD', () => {
  it('NVMe, D7: a LOAD of LIST_LOAD_BYTES reads a PRP list; an entry with an offset is PRP Offset Invalid, the same LOAD with the list aligned reaches the data checks (Invalid Field)', async () => {
    expect(LIST_LOAD_BYTES).toBeGreaterThan(LIST_THRESHOLD);
    const adapter = new EmulatorAdapter();
    const host = new AcceptanceHost(adapter, 0);
    await adapter.reset({ vfs: 2, profile: 'lm' });
    await host.enable(0);
    await host.enable(1);
    await host.createIoPair(1, 1);
    await host.pfLm('SUSPEND', LM.SUSPEND, 1);
    await adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(LIST_LOAD_BYTES)); // host memory behind every page the LOAD names
    expect(await host.saveImage(1)).toBeLessThan(LIST_THRESHOLD); // so the size the host chooses is past the image
    const loadWith = async (prps: { prp1: bigint; prp2: bigint }): Promise<string> => {
      const cqe = await host.admin(0, encodeLmCommand({ opcode: LM.LOAD, cid: host.nextCid(), vfIndex: 1, ...prps, size: LIST_LOAD_BYTES }));
      return cqe === null ? 'no completion' : describeStatus(cqe);
    };
    expect(await loadWith(await host.prpsFor('listEntryOffset', LIST_LOAD_BYTES))).toBe(describeStatus(generic(SC.PRP_OFFSET_INVALID)));
    expect(await loadWith(await host.prpsFor('valid', LIST_LOAD_BYTES))).toBe(describeStatus(generic(SC.INVALID_FIELD)));
  });
});
