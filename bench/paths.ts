// The prefix-sharing runner (src/paths/trie.ts: a trie of paths, emulator
// snapshots at branching points) against a naive runner that replays every
// path from reset, on the full generated suite (models/catalog.ts) on the
// built-in emulator, with the paths `nvme-lm check` plays there (choosePaths:
// one per transition where a suite has them). Both drive the same bindings
// through the same EmulatorAdapter and must agree on which paths pass. The
// short transition cover (what targets without snapshots play) is measured
// too, as a detail.
import { allSuites } from '../models/catalog.ts';
import { EMULATOR_SAVED_FORMAT } from '../models/host/savedFormat.ts';
import { NotRealisable, type Suite } from '../models/engine/suite.ts';
import { choosePaths } from '../models/engine/run.ts';
import { totalSteps } from '../src/paths/path.ts';
import type { Path } from '../src/paths/path.ts';
import { runPaths, type Implementation } from '../src/paths/trie.ts';
import { EmulatorAdapter } from '../src/verify/emulatorAdapter.ts';
import { check, median, result, timeOnceAsync, type BenchResult } from './harness.ts';

export interface PathsConfig {
  rounds: number;
  /** untimed warm-up: both runners on the first this many paths of every suite */
  warmupPaths: number;
  /** smoke mode: only the first this many suites, and paths of each; default all */
  suiteLimit?: number;
  pathLimit?: number;
}

type Outcome = 'pass' | 'notRealisable' | 'fail';

interface Run {
  steps: number;
  /** per path */
  outcomes: Outcome[];
}

function outcomeOf(ok: boolean, error: unknown): Outcome {
  return ok ? 'pass' : error instanceof NotRealisable ? 'notRealisable' : 'fail';
}

/** Every path: reset, then every step; stop a path at its first failure, as the trie runner does. */
async function runNaive(paths: readonly Path[], impl: Implementation): Promise<Run> {
  let steps = 0;
  const outcomes: Outcome[] = [];
  for (const path of paths) {
    let error: unknown;
    let ok = true;
    try {
      await impl.reset();
      for (const s of path.steps) {
        steps++;
        await impl.step(s.event, s);
      }
    } catch (e) {
      ok = false;
      error = e;
    }
    outcomes.push(outcomeOf(ok, error));
  }
  return { steps, outcomes };
}

async function runTrie(paths: readonly Path[], impl: Implementation): Promise<Run> {
  const { results, stats } = await runPaths(paths, impl, { useSnapshots: true });
  return { steps: stats.steps, outcomes: results.map((r) => outcomeOf(r.ok, r.error)) };
}

interface Prepared {
  suite: Suite;
  paths: Path[];
}

async function runAll(prepared: readonly Prepared[], runner: (p: readonly Path[], i: Implementation) => Promise<Run>): Promise<Run[]> {
  const out: Run[] = [];
  for (const { suite, paths } of prepared) out.push(await runner(paths, suite.implementation(new EmulatorAdapter())));
  return out;
}

export async function pathsBenches(c: PathsConfig): Promise<BenchResult[]> {
  const suites = allSuites({ timeoutMs: 0, savedFormat: EMULATOR_SAVED_FORMAT }).slice(0, c.suiteLimit);
  if (suites.length === 0) throw new Error('models/catalog.ts lists no suites: nothing to run paths on');
  // path generation is not what is compared: done once, untimed
  const prepared = suites.map((suite) => ({ suite, paths: choosePaths(suite, new EmulatorAdapter(), { pathSet: 'branches' }).slice(0, c.pathLimit) }));
  const cover = suites.map((suite) => suite.paths().slice(0, c.pathLimit));
  let trie: Run[] = [];
  let naive: Run[] = [];
  const trieMs: number[] = [];
  const naiveMs: number[] = [];
  // untimed warm-up on a few paths of every suite (a full pass costs as much as a round), then interleaved rounds
  const warm = prepared.map((p) => ({ ...p, paths: p.paths.slice(0, c.warmupPaths) }));
  await runAll(warm, runTrie);
  await runAll(warm, runNaive);
  for (let i = 0; i < c.rounds; i++) {
    trieMs.push(await timeOnceAsync(async () => void (trie = await runAll(prepared, runTrie))));
    naiveMs.push(await timeOnceAsync(async () => void (naive = await runAll(prepared, runNaive))));
  }
  prepared.forEach(({ suite }, k) => {
    const a = trie[k].outcomes;
    const b = naive[k].outcomes;
    check(a.length === b.length && a.every((x, p) => x === b[p]), `${suite.id}: the trie and the naive runner disagree on which paths pass`);
  });
  const sum = (runs: Run[]): number => runs.reduce((n, r) => n + r.steps, 0);
  const totalCover = cover.reduce((n, ps) => n + totalSteps(ps), 0);
  // the trie on the short cover, once (untimed): how much prefix sharing saves there
  const coverTrie = await runAll(prepared.map((p, k) => ({ ...p, paths: cover[k] })), runTrie);
  const trieSteps = sum(trie);
  const naiveSteps = sum(naive);
  const paths = prepared.reduce((n, p) => n + p.paths.length, 0);
  const count = (o: Outcome, runs: Run[] = trie): number => runs.reduce((n, r) => n + r.outcomes.filter((x) => x === o).length, 0);
  const perSuite = prepared.map(({ suite, paths: ps }, k) => ({
    suite: suite.id,
    paths: ps.length,
    passed: count('pass', [trie[k]]),
    notRealisable: count('notRealisable', [trie[k]]),
    failed: count('fail', [trie[k]]),
    trieSteps: trie[k].steps,
    naiveSteps: naive[k].steps,
  }));
  const what =
    `${suites.length} suites, ${paths} paths on the EmulatorAdapter (${count('pass')} pass, ${count('notRealisable')} not realisable there, ` +
    `${count('fail')} fail; both runners agree path by path)`;
  const stepsEntry = result({
    name: 'paths.trie_vs_naive.steps_ratio',
    value: trieSteps,
    unit: 'steps',
    better: 'lower',
    baseline: { name: 'replay every path from reset', value: naiveSteps },
    target: 'ratio >= 5',
    meets: (_v, ratio) => ratio >= 5,
    note:
      `${what}; ratio = naive steps / trie steps. The paths are check's: one per reachable transition for vfLifecycle and system ` +
      `(each transition played once through the trie), the transition cover for the others; the short cover alone (what verify plays ` +
      `on a target without snapshots) is ${totalCover} steps from reset`,
    details: { suites: perSuite, coverNaiveSteps: totalCover, coverTrieSteps: sum(coverTrie) },
  });
  const timeEntry = result({
    name: 'paths.trie_vs_naive.time_ratio',
    value: median(trieMs),
    unit: 'ms',
    better: 'lower',
    baseline: { name: 'replay every path from reset', value: median(naiveMs) },
    note: `${what}; ratio = naive time / trie time, median of ${c.rounds}; the trie pays for emulator snapshots and restores`,
  });
  return [stepsEntry, timeEntry];
}
