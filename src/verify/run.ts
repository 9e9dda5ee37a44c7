// The `verify` job: the generated suites against an implementation that is
// not ours, through an adapter module, a JSON-lines process, or QEMU
// (targets.ts); what `--vfs N` does to each suite is in suiteVfs.ts. Returns
// plain JSON-serialisable data; the command prints it.
import { PROFILES, type Adapter, type Profile } from '../target/adapter.ts';
import { exploreShared } from '../check/sharedExploration.ts';
import { transitionKey } from '../check/transitionKey.ts';
import { runSuite, type PathFailure, type SuiteRun } from '../../models/engine/run.ts';
import type { ReplayRecordStats } from '../../models/engine/replayRecord.ts';
import { suitesFor } from '../../models/catalog.ts';
import { DEVIATIONS, matchDeviation, type Deviation } from '../../models/engine/deviations.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { UnsupportedProfileError } from '../target/errors.ts';
import { openTarget, targetName, type Target } from './targets.ts';
import { MAX_VERIFY_VFS, suiteForVfs } from './suiteVfs.ts';
import { passedTransitions } from './transitionCoverage.ts';
import { recordingAdapter, type TraceFile } from './recordingAdapter.ts';
import { groupFailures, type FailureGroup } from './failureGroups.ts';

export { DEFAULT_COMPLETION_TIMEOUT_MS, QEMU_COMPLETION_TIMEOUT_MS } from './verifyLimits.ts';
import { DEFAULT_COMPLETION_TIMEOUT_MS, DEFAULT_VERIFY_SESSIONS, QEMU_COMPLETION_TIMEOUT_MS } from './verifyLimits.ts';

export interface VerifyFailure extends PathFailure {
  /** set when the failure is a documented deviation of the target */
  deviation?: { id: string; specification: string; implementation: string };
}

/** `f` with the documented deviation it is on this target, if any (`target`: deviationTarget's name). */
export function withDeviation(target: string, f: PathFailure, list: readonly Deviation[] = DEVIATIONS): VerifyFailure {
  const d = matchDeviation(target, f, list);
  return d ? { ...f, deviation: { id: d.id, specification: d.specification, implementation: d.implementation } } : f;
}

/** The name deviations are registered under for a target: `qemu` for any QEMU, else the target as verify names it. */
export function deviationTarget(t: Target): string {
  return t.kind === 'qemu' ? 'qemu' : targetName(t);
}

export interface VerifySuiteResult {
  suite: string;
  machine: string;
  profile: Profile;
  /** VFs reset asked for */
  vfs: number;
  /** why the suite did not run: the profile refused in reset, or a capability the target lacks */
  unsupported?: string;
  paths: number;
  passed: number;
  failed: number;
  /** failed paths on which the target crashed (its process ended) / hung (answered nothing in time) */
  crashed: number;
  hung: number;
  knownDeviations: number;
  notRealisable: Array<{ path: string; reason: string }>;
  /** definition edges taken by passing steps / taken by any reachable transition */
  edges: { covered: number; reachable: number };
  /** concrete transitions (state, event, state) taken by passing steps / in the explored graph */
  transitions: { covered: number; reachable: number };
  steps: number;
  ms: number;
}

/** Reachable transitions of a machine the target did not exhibit, because the suite carrying them could not run. */
export interface NotExhibited {
  suite: string;
  reason: string;
  /** `from > EVENT > to` state keys; none of them taken by a suite of the same machine family and profile that ran */
  transitions: string[];
  /** definition edges those transitions take that no suite which ran took */
  edges: string[];
}

export interface VerifyResult {
  target: string;
  vfs?: number;
  passed: number;
  failed: number;
  /** failed paths on which the target crashed / hung; each one was followed by a fresh target */
  crashed: number;
  hung: number;
  knownDeviations: number;
  /** requested profiles for which no suite could run */
  unsupportedProfiles: string[];
  paths: number;
  steps: number;
  /** requests sent to an implementation across a process boundary (`--exec`), a batch counting one; absent for other targets */
  roundTrips?: number;
  /** milliseconds of the run spent waiting for those requests' answers (the implementation's work and the pipes); absent for other targets */
  waitedMs?: number;
  /**
   * Path prefixes (a reset alone included) replayed from the record of their
   * first play, their requests sent again at once (models/engine/replayRecord.ts),
   * and those replayed live instead, with the first reason; absent for a
   * target without batch or with snapshots
   */
  replays?: ReplayRecordStats;
  /** times the runner went back to a branching point by restoring a snapshot instead of replaying the steps to it; absent when it never did */
  restores?: number;
  ms: number;
  suites: VerifySuiteResult[];
  notExhibited: NotExhibited[];
  /** real failures first, shortest path first; then known deviations */
  failures: VerifyFailure[];
  /** identical differences, grouped (failureGroups.ts), in order of their first failure */
  failureGroups: FailureGroup[];
}

export interface RunVerifyOptions {
  target: Target;
  profiles?: Profile[];
  /** VFs reset asks for (1..MAX_VERIFY_VFS); default: what each suite needs */
  vfs?: number;
  /** how long a client-side poll waits for a completion on asynchronous targets */
  completionTimeoutMs?: number;
  /** run only the suites whose id is one of these or starts with one of them and a colon (`pfAcceptance`, `vfLifecycle:no-lm`) */
  only?: string[];
  suites?: Suite[];
  /** the documented deviations failures are matched against (default DEVIATIONS) */
  deviations?: readonly Deviation[];
  /** `suite` starts now, after `done` of `total` suites */
  onSuite?(suite: string, done: number, total: number): void;
  /** write the whole session to this trace file (`--record`); closed when the run ends; suites are then played one at a time */
  record?: TraceFile;
  /** suites played at once on a target that offers sessions (default DEFAULT_VERIFY_SESSIONS; 1: one at a time) */
  sessions?: number;
}

/** A refusal relayed through processes (a proxy, `serve`) repeats the profile prefix; keep the innermost one. */
function innermostReason(message: string): string {
  return message.replace(/^(profile "[^"]*" is not supported: )+(?=profile ")/, '');
}

const family = (suiteId: string): string => suiteId.split(':')[0];

interface Reachable {
  initial: string;
  /** every transition of the explored machine, as `from > EVENT > to`, with the edges it takes */
  transitions: Map<string, string[]>;
}

const reachableCache = new WeakMap<Suite['spec'], Reachable>();

/** Explored once per machine spec: a suite's reachable transitions are needed for its row and again for what was not exhibited. */
function reachableOf(suite: Suite): Reachable {
  let r = reachableCache.get(suite.spec);
  if (r === undefined) {
    // read through exploreShared, as the suite's paths are: one exploration per spec object (src/check/sharedExploration.ts)
    const g = exploreShared(suite.spec);
    r = { initial: g.keys[0], transitions: new Map(g.transitions.map((t) => [transitionKey(g.keys[t.from], g.events[t.event], g.keys[t.to]), t.edges])) };
    reachableCache.set(suite.spec, r);
  }
  return r;
}

/**
 * The suites `--suite` names: an exact id, or an id prefix ending where a
 * colon follows; `=id` names that id alone (tp4159Udmq without its
 * tp4159Udmq:entries=3:one-shot variant).
 */
export function selectSuites(suites: readonly Suite[], only: readonly string[]): Suite[] {
  const named = (id: string, p: string): boolean => (p.startsWith('=') ? id === p.slice(1) : id === p || id.startsWith(`${p}:`));
  const unknown = only.filter((p) => !suites.some((s) => named(s.id, p)));
  if (unknown.length > 0) {
    throw new Error(`--suite ${unknown.join(' ')}: no such suite for the chosen profiles; the suites are ${suites.map((s) => s.id).join(', ')}`);
  }
  return suites.filter((s) => only.some((p) => named(s.id, p)));
}

/** The suites a verify run plays: the profiles' (or o.suites), those --suite names, built for --vfs. */
export function verifySuites(o: Pick<RunVerifyOptions, 'target' | 'profiles' | 'vfs' | 'completionTimeoutMs' | 'only' | 'suites'>): Suite[] {
  const profiles = o.profiles ?? (o.target.kind === 'qemu' ? (['no-lm'] as Profile[]) : [...PROFILES]);
  const timeoutMs = o.completionTimeoutMs ?? (o.target.kind === 'qemu' ? QEMU_COMPLETION_TIMEOUT_MS : DEFAULT_COMPLETION_TIMEOUT_MS);
  let suites = (o.suites ?? suitesFor(profiles, { timeoutMs })).filter((s) => profiles.includes(s.profile));
  if (o.only !== undefined) suites = selectSuites(suites, o.only);
  if (o.vfs !== undefined) {
    const n = o.vfs;
    if (!Number.isInteger(n) || n < 1 || n > MAX_VERIFY_VFS) throw new RangeError(`vfs ${n}: give a whole number from 1 to ${MAX_VERIFY_VFS}`);
    suites = suites.map((s) => suiteForVfs(s, n, timeoutMs));
  }
  return suites;
}

/** A suite played on `adapter`; a profile the target refused in reset is a run that says so. */
async function playSuite(suite: Suite, adapter: Adapter): Promise<{ run: SuiteRun; ms: number }> {
  const s0 = performance.now();
  let run: SuiteRun;
  try {
    run = await runSuite(suite, adapter);
  } catch (e) {
    if (!(e instanceof UnsupportedProfileError)) throw e;
    run = { suite: suite.id, unsupported: e.message, paths: 0, passed: 0, failed: 0, notRealisable: [], failures: [], coveredEdges: [], coveredTransitions: 0, stats: { steps: 0, naiveSteps: 0, resets: 0, snapshots: 0, restores: 0, ms: 0 } };
  }
  return { run, ms: Math.round(performance.now() - s0) };
}

/**
 * Every suite played, its run in suite order. On a target that offers
 * sessions (independent controllers of one program), up to `most` suites
 * are played at once, one per session, largest first, so one waits for its
 * answers while another works; the sessions beyond the first start once the
 * first reset answer said how many there are. Each suite is played exactly
 * as alone: its own controller, from reset.
 */
async function playSuites(suites: readonly Suite[], adapter: Adapter, most: number, onSuite: RunVerifyOptions['onSuite']): Promise<Array<{ run: SuiteRun; ms: number }>> {
  const played: Array<{ run: SuiteRun; ms: number }> = [];
  const size = (s: Suite): number => s.paths().reduce((n, p) => n + p.steps.length, 0);
  // alone, in suite order; in sessions, the longest first, so no long one is left to play alone at the end
  const order = [...suites.keys()];
  if (most > 1 && adapter.sessions) {
    const sizes = suites.map(size);
    order.sort((a, b) => sizes[b] - sizes[a] || a - b);
  }
  let next = 0;
  let done = 0;
  const lane = async (a: Adapter): Promise<void> => {
    while (next < order.length) {
      const i = order[next++];
      onSuite?.(suites[i].id, done, suites.length);
      played[i] = await playSuite(suites[i], a);
      done++;
    }
  };
  const first = lane(adapter);
  const more = most > 1 && adapter.sessions ? await Promise.race([adapter.sessions(most), first.then(() => [])]) : [];
  await Promise.all([first, ...more.map(lane)]);
  return played;
}

export async function runVerify(o: RunVerifyOptions): Promise<VerifyResult> {
  const t0 = performance.now();
  const suites = verifySuites(o);
  const deviationName = deviationTarget(o.target);
  const opened = await openTarget(o.target);
  const adapter = o.record ? recordingAdapter(opened, o.record) : opened;
  const results: VerifySuiteResult[] = [];
  const failures: VerifyFailure[] = [];
  /** per family and profile: transitions and definition edges that suites which ran covered */
  const exhibited = new Map<string, { transitions: Set<string>; edges: Set<string> }>();
  const skipped: Array<{ suite: Suite; reason: string }> = [];
  let replays: ReplayRecordStats | undefined;
  let restores = 0;
  /** each suite's run as it was played, in suite order, and how long it took */
  let played: Array<{ run: SuiteRun; ms: number }>;
  try {
    // a trace is one conversation: --record plays one suite at a time (the recording adapter offers no sessions either)
    played = await playSuites(suites, adapter, o.record ? 1 : (o.sessions ?? DEFAULT_VERIFY_SESSIONS), o.onSuite);
  } finally {
    await adapter.close();
  }
  for (const [i, suite] of suites.entries()) {
    const { run, ms } = played[i];
    const paths = suite.paths();
    const { initial, transitions: reachable } = reachableOf(suite);
    const reachableEdges = new Set([...reachable.values()].flat());
    const base = { suite: suite.id, machine: suite.spec.id, profile: suite.profile, vfs: suite.reset.vfs, paths: paths.length, notRealisable: run.notRealisable };
    if (run.unsupported !== undefined) {
      const reason = innermostReason(run.unsupported);
      skipped.push({ suite, reason });
      results.push({ ...base, unsupported: reason, passed: 0, failed: 0, crashed: 0, hung: 0, knownDeviations: 0, edges: { covered: 0, reachable: reachableEdges.size }, transitions: { covered: 0, reachable: reachable.size }, steps: 0, ms });
      continue;
    }
    restores += run.stats.restores;
    if (run.replays) {
      replays ??= { fromRecord: 0, live: 0, differed: 0 };
      replays.fromRecord += run.replays.fromRecord;
      replays.live += run.replays.live;
      replays.differed += run.replays.differed;
      replays.firstLiveReason ??= run.replays.firstLiveReason;
    }
    let known = 0;
    for (const f of run.failures) {
      const judged = withDeviation(deviationName, f, o.deviations ?? DEVIATIONS);
      if (judged.deviation) known++;
      failures.push(judged);
    }
    const covered = passedTransitions(initial, paths, run);
    const key = `${family(suite.id)}|${suite.profile}`;
    const seen = exhibited.get(key) ?? { transitions: new Set<string>(), edges: new Set<string>() };
    for (const t of covered) seen.transitions.add(t);
    for (const e of run.coveredEdges) seen.edges.add(e);
    exhibited.set(key, seen);
    results.push({
      ...base,
      passed: run.passed,
      failed: run.failed - known,
      crashed: run.failures.filter((f) => f.fault?.kind === 'crash').length,
      hung: run.failures.filter((f) => f.fault?.kind === 'hang').length,
      knownDeviations: known,
      edges: { covered: run.coveredEdges.length, reachable: reachableEdges.size },
      transitions: { covered: [...covered].filter((t) => reachable.has(t)).length, reachable: reachable.size },
      steps: run.stats.steps,
      ms,
    });
  }
  const roundTrips = opened.roundTrips?.();
  const waited = opened.waitedMs?.();
  const notExhibited = skipped.map(({ suite, reason }): NotExhibited => {
    const seen = exhibited.get(`${family(suite.id)}|${suite.profile}`) ?? { transitions: new Set<string>(), edges: new Set<string>() };
    const reachable = reachableOf(suite).transitions;
    const missing = [...reachable.keys()].filter((t) => !seen.transitions.has(t));
    const edges = [...new Set(missing.flatMap((t) => reachable.get(t) as string[]))].filter((e) => !seen.edges.has(e)).sort();
    return { suite: suite.id, reason, transitions: missing, edges };
  });
  const steps = (f: PathFailure): number => f.path.split(' > ').length;
  failures.sort((a, b) => Number(!!a.deviation) - Number(!!b.deviation) || steps(a) - steps(b) || a.path.localeCompare(b.path));
  const ran = new Set(results.filter((r) => r.unsupported === undefined).map((r) => r.profile));
  const sum = (f: (r: VerifySuiteResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  return {
    target: targetName(o.target),
    ...(o.vfs !== undefined ? { vfs: o.vfs } : {}),
    passed: sum((r) => r.passed),
    failed: sum((r) => r.failed),
    crashed: sum((r) => r.crashed),
    hung: sum((r) => r.hung),
    knownDeviations: sum((r) => r.knownDeviations),
    unsupportedProfiles: [...new Set(results.map((r) => r.profile))].filter((p) => !ran.has(p)),
    paths: sum((r) => (r.unsupported === undefined ? r.paths : 0)),
    steps: sum((r) => r.steps),
    ...(roundTrips !== undefined ? { roundTrips } : {}),
    ...(waited !== undefined ? { waitedMs: Math.round(waited) } : {}),
    ...(replays !== undefined ? { replays } : {}),
    ...(restores > 0 ? { restores } : {}),
    ms: Math.round(performance.now() - t0),
    suites: results,
    notExhibited,
    failures,
    failureGroups: groupFailures(failures, (id) => results.find((r) => r.suite === id)?.machine ?? family(id)),
  };
}

