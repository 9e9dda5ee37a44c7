// `nvme-lm verify`: the generated suites against an implementation that is
// not ours, through an adapter module, a JSON-lines process, or QEMU.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { PROFILES, UnsupportedProfileError, type Adapter, type Profile } from '../verify/adapter.ts';
import { ProcessAdapter, ProtocolError } from '../verify/processAdapter.ts';
import { QemuAdapter } from '../verify/qemu/qemuAdapter.ts';
import { runSuite, type PathFailure, type SuiteRun } from '../../models/run.ts';
import { suitesFor } from '../../models/catalog.ts';
import { matchDeviation } from '../../models/deviations.ts';
import type { Suite } from '../../models/suite.ts';

export type Target = { kind: 'adapter'; module: string } | { kind: 'exec'; command: string; timeoutMs?: number } | { kind: 'qemu' };

export interface VerifyFailure extends PathFailure {
  /** set when the failure is a documented deviation of the target */
  deviation?: { id: string; specification: string; implementation: string };
}

export interface VerifySuiteResult {
  suite: string;
  machine: string;
  profile: Profile;
  unsupported?: string;
  paths: number;
  passed: number;
  failed: number;
  knownDeviations: number;
  notRealisable: Array<{ path: string; reason: string }>;
  edges: { covered: number; reachable: number };
  steps: number;
  ms: number;
}

export interface VerifyResult {
  target: string;
  passed: number;
  failed: number;
  knownDeviations: number;
  unsupportedProfiles: string[];
  suites: VerifySuiteResult[];
  /** real failures first, shortest path first; then known deviations */
  failures: VerifyFailure[];
}

/** Load a user's adapter module: it exports `createAdapter()` (or a default function) returning an Adapter. */
export async function loadAdapterModule(module: string): Promise<Adapter> {
  const url = pathToFileURL(resolve(module)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`could not load adapter module ${module}: ${(e as Error).message}`);
  }
  const factory = (mod.createAdapter ?? mod.default) as unknown;
  if (typeof factory !== 'function') throw new Error(`adapter module ${module} must export a function createAdapter() (or a default export) that returns an Adapter`);
  const adapter = (await (factory as () => unknown)()) as Partial<Adapter> | undefined;
  const missing = ['reset', 'regWrite', 'regRead', 'memWrite', 'memRead', 'submit', 'flr', 'close'].filter((m) => typeof (adapter as Record<string, unknown> | undefined)?.[m] !== 'function');
  if (missing.length) throw new Error(`adapter from ${module} lacks ${missing.join(', ')}: see "Verify your implementation" in the README`);
  return adapter as Adapter;
}

export async function openTarget(t: Target): Promise<Adapter> {
  switch (t.kind) {
    case 'adapter':
      return loadAdapterModule(t.module);
    case 'exec':
      return new ProcessAdapter(t.command, { timeoutMs: t.timeoutMs });
    case 'qemu':
      return new QemuAdapter();
  }
}

export function targetName(t: Target): string {
  return t.kind === 'adapter' ? `adapter ${t.module}` : t.kind === 'exec' ? `exec "${t.command}"` : 'qemu';
}

export interface RunVerifyOptions {
  target: Target;
  profiles?: Profile[];
  vfs?: number;
  /** how long a client-side poll waits for a completion on asynchronous targets */
  completionTimeoutMs?: number;
  suites?: Suite[];
  onSuite?(suite: string): void;
}

export async function runVerify(o: RunVerifyOptions): Promise<VerifyResult> {
  const profiles = o.profiles ?? (o.target.kind === 'qemu' ? (['no-lm'] as Profile[]) : [...PROFILES]);
  const suites = (o.suites ?? suitesFor(profiles, { timeoutMs: o.completionTimeoutMs ?? 300 })).filter((s) => profiles.includes(s.profile));
  const deviationTarget = o.target.kind === 'qemu' ? 'qemu' : targetName(o.target);
  const adapter = await openTarget(o.target);
  const results: VerifySuiteResult[] = [];
  const failures: VerifyFailure[] = [];
  const unsupported = new Set<string>();
  try {
    for (const suite of suites) {
      o.onSuite?.(suite.id);
      const t0 = performance.now();
      let run: SuiteRun;
      try {
        run = await runSuite(suite, adapter);
      } catch (e) {
        if (e instanceof UnsupportedProfileError) {
          unsupported.add(suite.profile);
          continue;
        }
        throw e;
      }
      if (run.unsupported) unsupported.add(suite.profile);
      let known = 0;
      for (const f of run.failures) {
        const d = matchDeviation(deviationTarget, f.suite, f.event, f.observed);
        if (d) known++;
        failures.push(d ? { ...f, deviation: { id: d.id, specification: d.specification, implementation: d.implementation } } : f);
      }
      const reachable = new Set(suite.paths().flatMap((p) => p.steps.flatMap((s) => s.edges)));
      results.push({
        suite: suite.id,
        machine: suite.spec.id,
        profile: suite.profile,
        unsupported: run.unsupported,
        paths: run.paths,
        passed: run.passed,
        failed: run.failed - known,
        knownDeviations: known,
        notRealisable: run.notRealisable,
        edges: { covered: run.coveredEdges.length, reachable: reachable.size },
        steps: run.stats.steps,
        ms: Math.round(performance.now() - t0),
      });
    }
  } finally {
    await adapter.close();
  }
  const steps = (f: PathFailure): number => f.path.split(' > ').length;
  failures.sort((a, b) => Number(!!a.deviation) - Number(!!b.deviation) || steps(a) - steps(b) || a.path.localeCompare(b.path));
  return {
    target: targetName(o.target),
    passed: results.reduce((n, r) => n + r.passed, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    knownDeviations: results.reduce((n, r) => n + r.knownDeviations, 0),
    unsupportedProfiles: [...unsupported],
    suites: results,
    failures,
  };
}

export { ProtocolError };
