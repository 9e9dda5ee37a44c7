// Run generated suites against an implementation and account for what they
// covered: the shared engine behind `nvme-lm check`, `nvme-lm verify` and the
// generated vitest files.
import { type Adapter } from '../../src/target/adapter.ts';
import { runPaths, type PathResult, type RunStats } from '../../src/paths/trie.ts';
import type { Path } from '../../src/paths/path.ts';
import { initialStateKey, transitionKey } from '../../src/check/transitionKey.ts';
import { eventName, Mismatch, NotRealisable, type Suite } from './suite.ts';
import { ProtocolError, TargetFault, UnsupportedProfileError, type TargetFaultKind } from '../../src/target/errors.ts';
import { unmetRequirement } from './requirements.ts';
import { idOfPath } from './pathId.ts';
import type { CommandInfo, FieldDifference } from './mismatchDetail.ts';

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
  const message = e instanceof Error ? e.message : String(e);
  return { ...base, expected: 'the step to run', observed: `error: ${message}` };
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
  const snapshots = options.useSnapshots !== false && adapter.snapshot !== undefined && adapter.restore !== undefined;
  return options.pathSet === 'branches' && snapshots && suite.branchPaths ? suite.branchPaths() : suite.paths();
}

export async function runSuite(suite: Suite, adapter: Adapter, options: RunSuiteOptions = {}): Promise<SuiteRun> {
  const paths = choosePaths(suite, adapter, options);
  const why = unmetRequirement(suite.requires, adapter);
  if (why !== undefined) {
    return { suite: suite.id, unsupported: why, paths: paths.length, passed: 0, failed: 0, notRealisable: [], failures: [], coveredEdges: [], coveredTransitions: 0, stats: { steps: 0, naiveSteps: 0, resets: 0, snapshots: 0, restores: 0, ms: 0 } };
  }
  const impl = suite.implementation(adapter);
  const empty: RunStats = { steps: 0, naiveSteps: 0, resets: 0, snapshots: 0, restores: 0, ms: 0 };
  try {
    await impl.reset();
  } catch (e) {
    if (e instanceof UnsupportedProfileError) {
      return { suite: suite.id, unsupported: e.message, paths: paths.length, passed: 0, failed: 0, notRealisable: [], failures: [], coveredEdges: [], coveredTransitions: 0, stats: empty };
    }
    throw e;
  }
  const { results, stats } = await runPaths(paths, impl, {
    useSnapshots: options.useSnapshots,
    onResult: (_r, done, total) => options.onPath?.(done, total),
    stopWhen: options.stopAtFirstFailure ? (r) => !r.ok && !(r.error instanceof NotRealisable) : undefined,
  });
  const protocolFault = results.find((r) => r.error instanceof ProtocolError);
  if (protocolFault) throw protocolFault.error;

  const covered = new Set<string>();
  const transitions = new Set<string>();
  const notRealisable: SuiteRun['notRealisable'] = [];
  const failures: PathFailure[] = [];
  let passed = 0;
  const initial = initialStateKey(suite.spec);
  for (const r of results) {
    const upTo = r.ok ? r.path.steps.length : Math.max(0, r.failedStep ?? 0);
    let from = initial;
    for (const s of r.path.steps.slice(0, upTo)) {
      for (const e of s.edges) covered.add(e);
      transitions.add(transitionKey(from, s.event, s.state));
      from = s.state;
    }
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
    coveredTransitions: transitions.size,
    stats,
  };
}
