// Run generated suites against an implementation and account for what they
// covered: the shared engine behind `nvme-lm check`, `nvme-lm verify` and the
// generated vitest files.
import { type Adapter } from '../../src/target/adapter.ts';
import { runPaths, type PathResult, type RunStats } from '../../src/paths/trie.ts';
import type { Path } from '../../src/paths/path.ts';
import { initialStateKey, TransitionSet } from '../../src/check/transitionKey.ts';
import { eventName, Mismatch, NotRealisable, type Suite } from './suite.ts';
import { ProtocolError, TargetFault, UnsupportedProfileError, type TargetFaultKind } from '../../src/target/errors.ts';
import { unmetRequirement } from './requirements.ts';
import { idOfPath } from './pathId.ts';
import type { CommandInfo, FieldDifference } from './mismatchDetail.ts';
import { CompletionFault } from '../../src/target/completionCheck.ts';
import { toHex } from '../../src/wire/hex.ts';
import { QueueWatch } from './queueWatch.ts';
import { ReplayRecord, type ReplayRecordStats } from './replayRecord.ts';

export interface PathFailure {
  suite: string;
  /** the path's name: its events joined by ' > ' */
  path: string;
  /** the path's stable id (models/engine/pathId.ts), for `verify --replay`; absent for a path not in suite.paths() */
  pathId?: string;
  /** 1-based step that failed; 0 when reset failed */
  step: number;
  event: string;
  expected: string;
  observed: string;
  /** what the binding checked (the Mismatch's subject); absent for an error that is not a Mismatch */
  what?: string;
  /** the fields that differ, one by one (SCT, SC, DNR, ...), where the binding compared fields */
  differences?: FieldDifference[];
  /** the decision id of the expected behaviour */
  decision?: string;
  /** the command involved: function, queue, CID and its SQE bytes (hex) */
  command?: CommandInfo;
  /** the completion's 16 bytes (hex) */
  cqe?: string;
  /** the target crashed or hung at this step: what happened and the last lines of its stderr */
  fault?: { kind: TargetFaultKind; stderr: string[] };
}

export interface SuiteRun {
  suite: string;
  /** set when the implementation refused the suite's profile in reset */
  unsupported?: string;
  paths: number;
  passed: number;
  failed: number;
  /** paths this target cannot play (NotRealisable), with the reason */
  notRealisable: Array<{ path: string; reason: string }>;
  failures: PathFailure[];
  /** definition edges taken by steps that passed */
  coveredEdges: string[];
  /** concrete transitions (state, event, state) exercised by steps that passed */
  coveredTransitions: number;
  stats: RunStats;
  /** prefixes replayed from the record of their first play (replayRecord.ts) and replayed live; absent when none was replayed */
  replays?: ReplayRecordStats;
}

export interface RunSuiteOptions {
  /** replay from snapshots where the adapter can take them (default true) */
  useSnapshots?: boolean;
  /**
   * `cover` (default): suite.paths(). `branches`: suite.branchPaths() where the
   * suite has them and the adapter can snapshot, else suite.paths(). See
   * choosePaths.
   */
  pathSet?: 'cover' | 'branches';
  /** play only these paths (a replay of one path: `verify --replay`); overrides pathSet */
  only?: readonly Path[];
  /**
   * Stop at the first path that fails (NotRealisable is no failure): enough to
   * show a broken implementation is caught. The paths not played then count
   * as neither passed nor failed.
   */
  stopAtFirstFailure?: boolean;
  /**
   * Replay a path's prefix from the record of its first play where the
   * target allows (replayRecord.ts: synchronous, with batch): its requests
   * in one batch, its answers compared byte for byte. Default true.
   */
  replayFromRecord?: boolean;
  onPath?(done: number, total: number): void;
}

function failureOf(suite: Suite, r: PathResult): PathFailure {
  const stepIndex = r.failedStep ?? -1;
  const event = stepIndex >= 0 ? eventName(r.path.steps[stepIndex].event) : 'reset';
  const e = r.error;
  const id = idOfPath(suite, r.path);
  const base = { suite: suite.id, path: r.path.name, ...(id !== undefined ? { pathId: id } : {}), step: stepIndex + 1, event };
  if (e instanceof Mismatch) {
    const d = e.detail;
    return {
      ...base,
      expected: e.expected,
      observed: e.observed,
      what: e.what,
      ...(d.differences && d.differences.length > 0 ? { differences: d.differences } : {}),
      ...(d.decision ? { decision: d.decision } : {}),
      ...(d.command ? { command: d.command } : {}),
      ...(d.cqe ? { cqe: d.cqe } : {}),
    };
  }
  if (e instanceof TargetFault) {
    return {
      ...base,
      expected: 'the step to run',
      observed: `target ${e.kind === 'crash' ? 'crashed' : 'hung'}: ${e.message}`,
      ...(e.command ? { command: e.command } : {}),
      fault: { kind: e.kind, stderr: [...e.stderrTail] },
    };
  }
  if (e instanceof CompletionFault) return { ...base, ...faultFailure(e) };
  const message = e instanceof Error ? e.message : String(e);
  return { ...base, expected: 'the step to run', observed: `error: ${message}` };
}

/** A completion the queue driver found broken (any step, any queue): the field, both values, the command and the bytes (I2 for SQ id and CID). */
function faultFailure(e: CompletionFault): Pick<PathFailure, 'expected' | 'observed' | 'what' | 'differences' | 'decision' | 'command' | 'cqe'> {
  const d = e.detail;
  return {
    what: `function ${d.fn} CQ ${d.cqid}: ${e.why}`,
    expected: `${d.field} ${d.expected}`,
    observed: `${d.field} ${d.observed}`,
    differences: [{ field: d.field, expected: d.expected, observed: d.observed }],
    ...(d.field === 'SQ id' || d.field === 'CID' ? { decision: 'I2' } : {}),
    ...(d.command ? { command: { fn: d.fn, ...d.command } } : {}),
    cqe: toHex(d.cqe),
  };
}

/** Every path failed at reset (step 0) with `error`, reported as done one by one. */
function failedAtReset(paths: readonly Path[], error: unknown, onPath: RunSuiteOptions['onPath']): PathResult[] {
  return paths.map((path, i) => {
    onPath?.(i + 1, paths.length);
    return { path, ok: false, error, failedStep: -1 };
  });
}

/** Paths a suite runs, with a readable name each (events joined by ' > '). */
export function suitePaths(suite: Suite): Path[] {
  return suite.paths();
}

/**
 * The paths a run plays. One path per transition pays off only when the
 * runner restores snapshots (each transition then plays once); replayed from
 * reset the short cover takes far fewer steps.
 */
export function choosePaths(suite: Suite, adapter: Adapter, options: RunSuiteOptions = {}): Path[] {
  if (options.only !== undefined) return [...options.only];
  return options.pathSet === 'branches' && restoresSnapshots(adapter, options) && suite.branchPaths ? suite.branchPaths() : suite.paths();
}

/**
 * The runner goes back up its trie by restoring the adapter's snapshots (else it replays from reset).
 * Before a reset this is what the adapter has, not what its target offers (a program says that in
 * its reset answer, and runSuite decides again after it): a program without snapshots would get
 * the branch paths replayed from reset. Only `check` asks for them, on the emulator.
 */
function restoresSnapshots(adapter: Adapter, options: RunSuiteOptions): boolean {
  return options.useSnapshots !== false && adapter.snapshot !== undefined && adapter.restore !== undefined;
}

export async function runSuite(suite: Suite, adapter: Adapter, options: RunSuiteOptions = {}): Promise<SuiteRun> {
  const paths = choosePaths(suite, adapter, options);
  const why = unmetRequirement(suite.requires, adapter);
  const empty: RunStats = { steps: 0, naiveSteps: 0, resets: 0, snapshots: 0, restores: 0, ms: 0 };
  if (why !== undefined) {
    return { suite: suite.id, unsupported: why, paths: paths.length, passed: 0, failed: 0, notRealisable: [], failures: [], coveredEdges: [], coveredTransitions: 0, stats: empty };
  }
  const watch = new QueueWatch();
  // only a target that takes batches gains (one across a process boundary); one that turns out to take snapshots restores instead of replaying, and the record stands aside
  // the watch counts what may change the device below the record: a prefix the record sends again changes it too
  const record = options.replayFromRecord === false || adapter.batch === undefined ? null : new ReplayRecord(watch.observe(adapter));
  const observed = record?.adapter ?? watch.observe(adapter);
  const played = await watch.during(observed, async () => {
    const watched = watch.watch(suite.implementation(observed));
    const impl = record?.implementation(watched) ?? watched;
    try {
      await impl.reset();
    } catch (e) {
      if (e instanceof UnsupportedProfileError) return { unsupported: e.message };
      if (e instanceof ProtocolError) throw e;
      // the implementation misbehaved in reset or set-up: every path fails there, with the reason, and verify goes on
      return { results: failedAtReset(paths, e, options.onPath), stats: { ...empty, resets: 1 } };
    }
    // whether snapshots may be used is known once the target answered a reset (a program says so in its answer)
    const useSnapshots = options.useSnapshots !== false && watch.changes.snapshots && impl.snapshot !== undefined && impl.restore !== undefined;
    if (useSnapshots) record?.standAside();
    return runPaths(paths, impl, {
      useSnapshots,
      onResult: (_r, done, total) => options.onPath?.(done, total),
    });
  });
  if ('unsupported' in played) {
    return { suite: suite.id, unsupported: played.unsupported, paths: paths.length, passed: 0, failed: 0, notRealisable: [], failures: [], coveredEdges: [], coveredTransitions: 0, stats: empty };
  }
  const { results, stats } = played;
  const protocolFault = results.find((r) => r.error instanceof ProtocolError);
  if (protocolFault) throw protocolFault.error;

  const covered = new Set<string>();
  /** edge lists already counted: every path through one transition shares its list */
  const edgeLists = new Set<readonly string[]>();
  const transitions = new TransitionSet();
  const notRealisable: SuiteRun['notRealisable'] = [];
  const failures: PathFailure[] = [];
  let passed = 0;
  const initial = initialStateKey(suite.spec);
  for (const r of results) {
    const upTo = r.ok ? r.path.steps.length : Math.min(r.path.steps.length, Math.max(0, r.failedStep ?? 0));
    for (let i = 0; i < upTo; i++) {
      const edges = r.path.steps[i].edges;
      if (edgeLists.has(edges)) continue;
      edgeLists.add(edges);
      for (const e of edges) covered.add(e);
    }
    transitions.addSteps(initial, r.path.steps, upTo);
    if (r.ok) passed++;
    else if (r.error instanceof NotRealisable) notRealisable.push({ path: r.path.name, reason: r.error.message });
    else failures.push(failureOf(suite, r));
  }
  return {
    suite: suite.id,
    paths: paths.length,
    passed,
    failed: failures.length,
    notRealisable,
    failures,
    coveredEdges: [...covered].sort(),
    coveredTransitions: transitions.keys.size,
    stats,
    ...(record !== null && record.stats.fromRecord + record.stats.live > 0 ? { replays: { ...record.stats } } : {}),
  };
}
