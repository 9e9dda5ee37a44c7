// runVerify's own rules, on the built-in emulator (no QEMU needed): what
// `--vfs N` does to each suite family, which profiles count as unsupported,
// and the exit code.
import { describe, expect, it } from 'vitest';
import { atLeastVfs, runVerify, suiteForVfs, type VerifyResult, type VerifySuiteResult } from '../../src/cli/runVerify.ts';
import { verifyExitCode } from '../../src/cli/commands/verify.ts';
import { pfAcceptanceSuites } from '../../models/pfAcceptance.ts';
import { vfLifecycleSuites } from '../../models/vfLifecycle.ts';
import { systemSuites } from '../../models/system.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import { resets } from './fixtures/recordingAdapter.ts';

const FIXTURE = 'test/cli/fixtures/recordingAdapter.ts';

function find<T extends { id: string }>(list: T[], id: string): T {
  const s = list.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
}

describe('verify --vfs N', () => {
  it('D4: pfAcceptance is built for N VFs (index N valid, N + 1 invalid), its id says so unless N is the default 2', () => {
    const base = find(pfAcceptanceSuites({ timeoutMs: 0 }), 'pfAcceptance:no-lm');
    const three = suiteForVfs(base, 3, 0);
    expect(three.id).toBe('pfAcceptance:no-lm:vfs=3');
    expect(three.reset.vfs).toBe(3);
    expect(three.spec.events.some((e) => e.type === 'VF_INDEX' && (e as { index?: number }).index === 4)).toBe(true);
    expect(suiteForVfs(base, 2, 0).id).toBe('pfAcceptance:no-lm');
  });

  it('D14: vfLifecycle and system keep their machines and reset with max(N, the VFs they drive)', () => {
    const vf = find(vfLifecycleSuites({ timeoutMs: 0 }), 'vfLifecycle:no-lm:immediate');
    const vf3 = suiteForVfs(vf, 3, 0);
    expect(vf3.id).toBe(vf.id);
    expect(vf3.spec).toBe(vf.spec);
    expect(vf3.reset).toEqual({ ...vf.reset, vfs: 3 });
    const system = find(systemSuites({ timeoutMs: 0 }), 'system:2');
    expect(suiteForVfs(system, 1, 0)).toBe(system);
  });

  it('atLeastVfs: every reset asks for max(N, asked); snapshot/restore/completeIo kept only where the target has them', async () => {
    const seen: ResetOptions[] = [];
    const fake: Adapter = {
      reset: async (o) => void seen.push(o),
      regWrite: async () => undefined,
      regRead: async () => 0n,
      memWrite: async () => undefined,
      memRead: async (_a, len) => new Uint8Array(len),
      submit: async () => null,
      flr: async () => undefined,
      close: async () => undefined,
    };
    const a = atLeastVfs(fake, 4);
    await a.reset({ vfs: 1, profile: 'no-lm' });
    await a.reset({ vfs: 6, profile: 'lm' });
    expect(seen.map((o) => o.vfs)).toEqual([4, 6]);
    expect(a.completeIo).toBeUndefined();
    expect(a.snapshot).toBeUndefined();
    expect(atLeastVfs({ ...fake, completeIo: async () => 0 }, 2).completeIo).toBeTypeOf('function');
  });

  it('D17: runVerify --vfs 3 on an adapter module: every reset asks for at least 3 VFs and every no-lm suite passes with every reachable transition', async () => {
    resets.length = 0;
    const r = await runVerify({ target: { kind: 'adapter', module: FIXTURE }, profiles: ['no-lm'], vfs: 3, completionTimeoutMs: 0 });
    expect(r.failures).toEqual([]);
    expect(resets.length).toBeGreaterThan(0);
    expect(resets.every((o) => o.vfs >= 3)).toBe(true);
    expect(r.suites.map((s) => s.suite).sort()).toEqual(['pfAcceptance:no-lm:vfs=3', 'vfLifecycle:no-lm:deferred', 'vfLifecycle:no-lm:immediate']);
    for (const s of r.suites) {
      expect(s.vfs).toBe(3);
      expect(s.transitions.covered, s.suite).toBe(s.transitions.reachable);
    }
    // the emulator holds I/O in flight: nothing is left unexhibited
    expect(r.notExhibited).toEqual([]);
    expect(r.paths).toBe(r.suites.reduce((n, s) => n + s.paths, 0));
  });
});

describe('verifyExitCode', () => {
  const suite = (over: Partial<VerifySuiteResult>): VerifySuiteResult => ({
    suite: 's',
    machine: 'm',
    profile: 'no-lm',
    vfs: 2,
    paths: 1,
    passed: 1,
    failed: 0,
    knownDeviations: 0,
    notRealisable: [],
    edges: { covered: 1, reachable: 1 },
    transitions: { covered: 1, reachable: 1 },
    steps: 1,
    ms: 0,
    ...over,
  });
  const result = (suites: VerifySuiteResult[], failed = 0, knownDeviations = 0): VerifyResult => ({
    target: 't',
    passed: 0,
    failed,
    knownDeviations,
    unsupportedProfiles: [],
    paths: 0,
    steps: 0,
    ms: 0,
    suites,
    notExhibited: [],
    failures: [],
  });

  it('D17: 2 only when no requested profile is supported; one unsupported suite among supported ones is not an error', () => {
    expect(verifyExitCode(result([suite({ unsupported: 'no' }), suite({ unsupported: 'no' })]))).toBe(2);
    expect(verifyExitCode(result([suite({ unsupported: 'needs completeIo' }), suite({})]))).toBe(0);
  });

  it('known deviations alone exit 0; any other failure exits 1', () => {
    expect(verifyExitCode(result([suite({ knownDeviations: 1, passed: 0 })], 0, 1))).toBe(0);
    expect(verifyExitCode(result([suite({ failed: 1, passed: 0 })], 1, 0))).toBe(1);
  });
});
