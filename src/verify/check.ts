// The main job (`nvme-lm check`, what `npm start` runs): explore every
// specification machine, prove the invariants and liveness properties, run the
// generated suites against an implementation (the built-in emulator by
// default, checkEmulator), and account for coverage. Returns plain
// JSON-serialisable data (its shape: src/check/checkJson.ts); the command
// prints it.
import type { MachineSpec } from '../../machines/spec.ts';
import { machineSpecs } from '../../machines/catalog.ts';
import { check, type CheckReport } from '../check/report.ts';
import { reachableCoverage } from '../check/coverage.ts';
import type { CheckResult, MachineResult, PropertyResult } from '../check/checkJson.ts';
import { initialStateKey } from '../check/transitionKey.ts';
import { vfioWalkL1 } from '../check/vfioWalk.ts';
import { shareExploration, sharingExplorations } from '../check/sharedExploration.ts';
import { notRealisableTransitions, passedTransitions } from './transitionCoverage.ts';
import type { Adapter } from '../target/adapter.ts';
import { choosePaths, runSuite, type RunSuiteOptions, type SuiteRun } from '../../models/engine/run.ts';
import type { Path } from '../paths/path.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { PROPERTY_TEXT } from '../check/propertyText.ts';
import { suitesFor } from '../../models/catalog.ts';
import { EMULATOR_SAVED_FORMAT } from '../../models/host/savedFormat.ts';
import { EmulatorAdapter, emulatorOffers } from './emulatorAdapter.ts';

interface RunCheckOptions {
  /** suites to run; default none (exploration only) */
  suites?: Suite[];
  /** the implementation; one fresh adapter per suite */
  adapter?: () => Adapter;
  /** machines to explore; default the catalog plus every suite's spec */
  specs?: MachineSpec[];
  maxStates?: number;
  /** `what` starts now; `done` of `total` steps (one per machine explored, one per suite run) are finished */
  onProgress?(what: string, done: number, total: number): void;
}

/** check plays one path per transition where the target can snapshot: every transition once, through the trie */
const RUN_OPTIONS: RunSuiteOptions = { pathSet: 'branches' };

function byId<T extends { id: string }>(items: T[]): T[] {
  const seen = new Map<string, T>();
  for (const i of items) if (!seen.has(i.id)) seen.set(i.id, i);
  return [...seen.values()];
}

function mergeProperties(reports: CheckReport[], pick: 'invariants' | 'liveness'): PropertyResult[] {
  const out = new Map<string, PropertyResult>();
  for (const r of reports) {
    for (const p of r[pick]) {
      const e = out.get(p.id) ?? { id: p.id, description: PROPERTY_TEXT[p.id] ?? p.description, holds: true, machines: [], ms: 0 };
      e.machines.push(r.id);
      e.ms += 'ms' in p && typeof p.ms === 'number' ? p.ms : 0;
      if (!p.holds) {
        e.holds = false;
        if ('counterexample' in p && p.counterexample && !e.counterexample) e.counterexample = { machine: r.id, message: p.counterexample.message, trace: p.counterexample.trace };
        if ('lasso' in p && p.lasso && !e.lasso) e.lasso = { machine: r.id, ...p.lasso };
      }
      out.set(p.id, e);
    }
  }
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** The check explores each spec once: the suites' path generation reads the same graphs (src/check/sharedExploration.ts). */
export function runCheck(o: RunCheckOptions = {}): Promise<CheckResult> {
  return sharingExplorations(() => checkAll(o));
}

async function checkAll(o: RunCheckOptions): Promise<CheckResult> {
  const t0 = performance.now();
  const suites = o.suites ?? [];
  // a suite's own spec object stands for its id (in the catalog's order): its
  // binding then starts from the explored graph's very initial snapshot and
  // takes its steps from the graph (models/engine/observe.ts nextState)
  const suiteSpecs = new Map(byId(suites.map((s) => s.spec)).map((s) => [s.id, s]));
  const specs = byId([...(o.specs ?? machineSpecs()).map((s) => suiteSpecs.get(s.id) ?? s), ...suites.map((s) => s.spec)]);

  // 1. Exploration, invariants, liveness
  const total = specs.length + suites.length;
  const explored = specs.map((spec, i) => {
    o.onProgress?.(`exploring ${spec.id}`, i, total);
    const { report, graph } = check(spec, { maxStates: o.maxStates });
    shareExploration(spec, graph);
    const reach = reachableCoverage(spec.machine, graph);
    return { spec, report, graph, reach, initialKey: initialStateKey(spec) };
  });

  // 2. Generated suites against the implementation
  const runs: SuiteRun[] = [];
  /** the paths each suite played: one per transition where the target snapshots (choosePaths) */
  const played = new Map<string, Path[]>();
  for (const [i, suite] of suites.entries()) {
    if (!o.adapter) throw new Error('runCheck: suites given without an adapter factory');
    o.onProgress?.(`running ${suite.id}`, specs.length + i, total);
    const adapter = o.adapter();
    try {
      played.set(suite.id, choosePaths(suite, adapter, RUN_OPTIONS));
      runs.push(await runSuite(suite, adapter, RUN_OPTIONS));
    } finally {
      await adapter.close();
    }
  }

  // 3. Coverage per machine: edges and concrete transitions exercised by passing steps
  const machines: MachineResult[] = explored.map(({ spec, report, reach, initialKey }) => {
    const mine = suites.filter((s) => s.spec.id === spec.id);
    const coveredEdges = new Set<string>();
    const coveredTransitions = new Set<string>();
    const explained = new Set<string>();
    for (const s of mine) {
      const run = runs.find((r) => r.suite === s.id);
      if (!run || run.unsupported) continue;
      for (const e of run.coveredEdges) coveredEdges.add(e);
      const paths = played.get(s.id) ?? s.paths();
      for (const t of passedTransitions(initialKey, paths, run)) coveredTransitions.add(t);
      for (const t of notRealisableTransitions(initialKey, paths, run)) explained.add(t);
    }
    const reachableEdges = [...reach.reachable].sort();
    const covered = reachableEdges.filter((e) => coveredEdges.has(e));
    const reasons = new Map<string, string>();
    for (const s of mine) {
      const run = runs.find((r) => r.suite === s.id);
      if (!run) continue;
      const why = new Map(run.notRealisable.map((n) => [n.path, n.reason]));
      for (const p of (played.get(s.id) ?? s.paths())) {
        const reason = why.get(p.name);
        if (reason) for (const st of p.steps) for (const e of st.edges) if (!reasons.has(e)) reasons.set(e, reason);
      }
    }
    const uncovered = reachableEdges.filter((e) => !coveredEdges.has(e)).map((edge) => (reasons.has(edge) ? { edge, notRealisable: reasons.get(edge) } : { edge }));
    return {
      id: spec.id,
      description: spec.description,
      states: report.states,
      depth: report.depth,
      ms: Math.round(report.ms),
      transitions: { reachable: report.transitions.reachable, covered: coveredTransitions.size, notRealisable: [...explained].filter((t) => !coveredTransitions.has(t)).length },
      edges: { definition: reach.total, reachable: reachableEdges.length, covered: covered.length },
      unreachable: report.unreachable,
      dead: [],
      otherConfiguration: [],
      coveredEdges: covered,
      reachableEdges,
      deadlocks: report.deadlocks.count,
      suites: mine.map((s) => s.id),
      fullyCovered:
        mine.length > 0 &&
        covered.length === reachableEdges.length &&
        coveredTransitions.size + [...explained].filter((t) => !coveredTransitions.has(t)).length >= report.transitions.reachable,
      uncovered,
    };
  });

  // An edge unreachable in one option set may be reachable in another of the
  // same machine (e.g. strict-only checks): that is configuration, not dead
  // specification. Family = the machine id before the first ':'.
  const family = (id: string): string => id.split(':')[0];
  for (const m of machines) {
    const siblings = machines.filter((x) => family(x.id) === family(m.id) && x !== m);
    for (const edge of m.unreachable) {
      const reachableIn = siblings.filter((x) => x.reachableEdges.includes(edge)).map((x) => x.id);
      if (reachableIn.length) m.otherConfiguration.push({ edge, reachableIn });
      else m.dead.push(edge);
    }
  }

  const reports = explored.map((e) => e.report);
  const invariants = mergeProperties(reports, 'invariants');
  const liveness = [vfioWalkL1(), ...mergeProperties(reports, 'liveness')].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  // runs[i] is suites[i]'s run: a failure names the machine its suite plays (the report links it to the diagram)
  const failures = runs.flatMap((r, i) => r.failures.map((f) => ({ ...f, machine: suites[i].spec.id })));
  const tests = {
    passed: runs.reduce((n, r) => n + r.passed, 0),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    notRealisable: runs.reduce((n, r) => n + r.notRealisable.length, 0),
    steps: runs.reduce((n, r) => n + r.stats.steps, 0),
    naiveSteps: runs.reduce((n, r) => n + r.stats.naiveSteps, 0),
    failures,
  };
  const mustCover = machines.filter((m) => m.suites.length > 0);
  const ok =
    invariants.every((p) => p.holds) &&
    liveness.every((p) => p.holds) &&
    machines.every((m) => m.deadlocks === 0 && m.dead.length === 0) &&
    tests.failed === 0 &&
    (suites.length === 0 || mustCover.every((m) => m.fullyCovered));
  return {
    machines,
    invariants,
    liveness,
    tests,
    suites: runs.map(({ failures: _f, coveredEdges: _c, ...rest }) => rest),
    ok,
    ms: Math.round(performance.now() - t0),
  };
}

interface CheckEmulatorOptions {
  /** false: explore and prove only, run no suite */
  suites?: boolean;
  maxStates?: number;
  onProgress?(what: string, done: number, total: number): void;
}

/**
 * The check on the built-in emulated controller: every suite of the catalog
 * whose profile the emulator offers (or none), one fresh emulator per suite.
 * A profile's suites join as soon as the emulator offers the profile.
 */
export function checkEmulator(o: CheckEmulatorOptions = {}): Promise<CheckResult> {
  return runCheck({
    suites: o.suites === false ? [] : suitesFor([], { timeoutMs: 0, savedFormat: EMULATOR_SAVED_FORMAT }).filter((s) => emulatorOffers(s.profile)),
    adapter: () => new EmulatorAdapter(),
    maxStates: o.maxStates,
    onProgress: o.onProgress,
  });
}
