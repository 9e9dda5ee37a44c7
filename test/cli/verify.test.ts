// verify end to end: the built-in emulator served over JSON lines passes,
// and each deliberately broken variant served the same way is caught.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { NVME_LM, verify } from './verifyProcess.ts';
import { formatVerify } from '../../src/cli/commands/verify.ts';
import type { VerifyResult } from '../../src/verify/run.ts';

interface VerifyJson {
  passed: number;
  failed: number;
  steps: number;
  roundTrips?: number;
  waitedMs?: number;
  ms: number;
  replays?: { fromRecord: number; live: number; differed: number; firstLiveReason?: string };
  restores?: number;
  unsupportedProfiles: string[];
  failures: Array<{ suite: string; path: string; step: number; expected: string; observed: string }>;
  suites: Array<{ suite: string; unsupported?: string; paths: number; steps: number; passed: number; failed: number; notRealisable: unknown[]; transitions: { covered: number; reachable: number } }>;
}

// no --completion-timeout: serve says it is synchronous at reset, so nothing waits
const fast = ['--json'];

describe('nvme-lm verify --exec "nvme-lm serve"', () => {
  // A sample of the suites over the process boundary, played beside the same
  // suites in process: the full replay of every path is `npm run bench`'s
  // verify entry; the generated suites play every path in process.
  // (vfLifecycle:no-lm:deferred holds I/O in flight: its replayed prefixes carry completeIo in their batch)
  const sample = ['--profile', 'lm', 'no-lm', '--suite', 'pfAcceptance:lm', 'pfAcceptance:no-lm', 'vfLifecycle:no-lm:immediate', 'vfLifecycle:no-lm:deferred', ...fast];
  const sampleRuns = new Map<string, Promise<VerifyJson>>();
  /** verify --json of the sample against `target`, which must pass (exit 0); run once per target and shared by the tests */
  const sampleRun = (...target: string[]): Promise<VerifyJson> => {
    const key = target.join(' ');
    let run = sampleRuns.get(key);
    if (run === undefined) {
      run = verify([...target, ...sample]).then((r) => {
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as VerifyJson;
      });
      sampleRuns.set(key, run);
    }
    return run;
  };
  it('the built-in emulator served over JSON lines plays exactly the paths it plays in process, and passes them all (exit 0)', async () => {
    // without snapshots, as the example adapter (which has none): every prefix replayed from reset, step for step as in process
    const [over, here] = await Promise.all([sampleRun('--exec', `${NVME_LM} serve --no-snapshots`), sampleRun('--adapter', 'examples/adapter.ts')]);
    const played = (j: VerifyJson) => j.suites.map((s) => ({ suite: s.suite, paths: s.paths, steps: s.steps, passed: s.passed, failed: s.failed, transitions: s.transitions }));
    expect(played(over)).toEqual(played(here));
    expect(over.suites.map((s) => s.suite).sort()).toEqual(['pfAcceptance:lm', 'pfAcceptance:lm:drop', 'pfAcceptance:lm:strict', 'pfAcceptance:no-lm', 'vfLifecycle:no-lm:deferred', 'vfLifecycle:no-lm:immediate']);
    expect(over.failed).toBe(0);
    // every path the suites hold is played, or named as not realisable on this target with its reason
    for (const s of over.suites) expect(s.passed + s.notRealisable.length, s.suite).toBe(s.paths);
    expect(over.passed).toBeGreaterThan(200);
    // the round trips are counted for the target across the pipe only; batches keep them
    // under 10 a step (one request per operation was about 51 a step)
    expect(here.roundTrips).toBeUndefined();
    // and the time spent waiting for its answers, part of the run's
    expect(here.waitedMs).toBeUndefined();
    expect(over.waitedMs).toBeGreaterThan(0);
    expect(over.waitedMs).toBeLessThan(over.ms);
    expect(over.roundTrips).toBeGreaterThan(over.steps);
    expect(over.roundTrips).toBeLessThan(over.steps * 10);
    // the served emulator answers every replayed prefix as the first time: each went in one batch, none request by request
    expect(over.replays?.fromRecord).toBeGreaterThan(0);
    expect(over.replays?.live).toBe(0);
    expect(here.replays).toBeUndefined();
  }, 300_000);

  it('served with snapshots, the same paths pass with the same coverage, each branching point restored instead of its prefix replayed', async () => {
    const [with_, without] = await Promise.all([sampleRun('--exec', `${NVME_LM} serve`), sampleRun('--exec', `${NVME_LM} serve --no-snapshots`)]);
    const verdicts = (j: VerifyJson) => j.suites.map((s) => ({ suite: s.suite, paths: s.paths, passed: s.passed, failed: s.failed, notRealisable: s.notRealisable, transitions: s.transitions }));
    expect(verdicts(with_)).toEqual(verdicts(without));
    // no prefix is played again: fewer steps in all, and in every suite whose paths branch
    expect(with_.replays).toBeUndefined();
    expect(with_.restores).toBeGreaterThan(0);
    expect(without.restores).toBeUndefined();
    expect(with_.steps).toBeLessThan(without.steps);
    for (const [i, s] of with_.suites.entries()) if (s.paths > 1) expect(s.steps, s.suite).toBeLessThan(without.suites[i].steps);
  }, 300_000);

  it('the summary says how many path prefixes were replayed from the record, and warns when a target answered the same requests otherwise', () => {
    const base: VerifyResult = { target: 'exec "x"', passed: 10, failed: 0, crashed: 0, hung: 0, knownDeviations: 0, unsupportedProfiles: [], paths: 10, steps: 100, roundTrips: 150, ms: 1000, suites: [], notExhibited: [], failures: [], failureGroups: [] };
    expect(formatVerify({ ...base, replays: { fromRecord: 9, live: 0, differed: 0 } })).toMatch(/150 round trips \(1\.50 a step, 9 path prefixes replayed from the record\)/);
    const changed = formatVerify({ ...base, replays: { fromRecord: 5, live: 4, differed: 3, firstLiveReason: "the target's answer to call 10 (regRead) differs from the recorded one" } });
    expect(changed).toMatch(/3 path prefixes replayed request by request because the target answered the same requests otherwise than the first time \(the first: the target's answer to call 10 \(regRead\) differs from the recorded one\)/);
    // a target that never offered replays is not warned about
    expect(formatVerify({ ...base, replays: { fromRecord: 0, live: 9, differed: 0, firstLiveReason: 'the target did not say both synchronous and batch' } })).not.toMatch(/request by request/);
    expect(formatVerify(base)).toMatch(/150 round trips \(1\.50 a step\)/);
    // a target with snapshots: the branching points restored instead
    expect(formatVerify({ ...base, restores: 7 })).toMatch(/150 round trips \(1\.50 a step, 7 branching points restored from snapshots\)/);
  });

  it('the summary says how much of the run went in waiting for the implementation\'s answers, for a target across a process boundary only', () => {
    const base: VerifyResult = { target: 'exec "x"', passed: 10, failed: 0, crashed: 0, hung: 0, knownDeviations: 0, unsupportedProfiles: [], paths: 10, steps: 100, roundTrips: 150, ms: 2500, suites: [], notExhibited: [], failures: [], failureGroups: [] };
    expect(formatVerify({ ...base, waitedMs: 1400 })).toMatch(/150 round trips \(1\.50 a step\), 2\.5 s, 1\.4 s of it waiting for the implementation's answers\)/);
    expect(formatVerify(base)).not.toMatch(/waiting/);
  });

  const cases: Array<{ mutant: string; profile: string; decision: string }> = [
    { mutant: 'acceptLmOnVfQueue', profile: 'lm', decision: 'D1' },
    { mutant: 'saveWhileRunning', profile: 'lm', decision: 'D5' },
    { mutant: 'partialLoad', profile: 'lm', decision: 'D7' },
    { mutant: 'queryOffByOneQueue', profile: 'lm', decision: 'D8' },
    { mutant: 'ignoreCapability', profile: 'no-lm', decision: 'D17' },
    { mutant: 'staleSqHead', profile: 'lm', decision: 'NVMe SQ head pointer' },
    { mutant: 'noPhaseInvert', profile: 'lm', decision: 'NVMe phase tag' },
    { mutant: 'duplicateCompletion', profile: 'lm', decision: 'I2' },
  ];
  for (const c of cases) {
    it(`${c.decision}: the broken variant ${c.mutant} served over JSON lines is caught (exit 1, failing path named)`, async () => {
      // each acceptance suite of the profile catches each of them; one suite is
      // the sample over the process boundary (a verify here is two programs
      // loading from nothing, the whole replay is `npm run bench`'s)
      const one = c.profile === 'lm' ? 'pfAcceptance:lm:drop' : 'pfAcceptance:no-lm';
      const r = await verify(['--exec', `${NVME_LM} serve --mutant ${c.mutant}`, '--profile', c.profile, '--suite', one, ...fast]);
      expect(r.status, r.stderr).toBe(1);
      const j = JSON.parse(r.stdout) as VerifyJson;
      expect(j.failed).toBeGreaterThan(0);
      expect(j.failures[0].suite).toBe(one);
      expect(j.failures[0].path).toMatch(/ > /);
      expect(j.failures[0].expected).not.toBe(j.failures[0].observed);
    }, 120_000);
  }

  it('D2, D17: a PF whose Identify byte 3072 is wrong (badPfIdentify) fails every vfLifecycle path at reset with the reason: exit 1, not 2', async () => {
    const r = await verify(['--exec', `${NVME_LM} serve --mutant badPfIdentify`, '--profile', 'lm', '--suite', 'vfLifecycle', ...fast]);
    expect(r.status, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout) as VerifyJson;
    expect(j.failed).toBeGreaterThan(0);
    expect(j.failures[0]).toMatchObject({ step: 0, expected: '0x01 (lm)', observed: '0x00' });
  }, 120_000);

  it('a profile the server does not claim is reported unsupported; none supported exits 2', async () => {
    const r = await verify(['--exec', `${NVME_LM} serve --profile no-lm`, '--profile', 'lm', ...fast]);
    expect(r.status).toBe(2);
    expect((JSON.parse(r.stdout) as VerifyJson).unsupportedProfiles).toEqual(['lm']);
    expect(r.stderr).toMatch(/no requested profile is supported/);
  });

  it('an implementation that answers garbage is a protocol error: exit 2 with the reason', async () => {
    const garbage = `${JSON.stringify(process.execPath)} -e "process.stdin.on('data', () => console.log('hello'))"`;
    const r = await verify(['--exec', garbage, '--profile', 'lm', ...fast]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broke the protocol: bad answer to reset: not JSON/);
  });

  it('--adapter loads a module exporting createAdapter (the README example) and passes', async () => {
    const r = await verify(['--adapter', 'examples/adapter.ts', '--profile', 'no-lm', ...fast]);
    expect(r.status, r.stderr).toBe(0);
  });

  it('D26: the README example gives its device the tp4159 choices a suite asks for, so the whole-only suite passes and the no-vendor suite runs', async () => {
    const r = await verify(['--adapter', 'examples/adapter.ts', '--profile', 'tp4159', '--suite', 'tp4159Lifecycle:whole-only', 'tp4159Acceptance:no-vendor:whole-only:pc0', ...fast]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as VerifyJson;
    expect(j.failed).toBe(0);
    expect(j.suites.map((x) => x.unsupported)).toEqual([undefined, undefined]);
    expect(j.passed).toBeGreaterThan(200);
  }, 120_000);

  it('--suite runs only the named suites (an id or its leading part); a name that matches none exits 2 listing the ids', async () => {
    const r = await verify(['--exec', `${NVME_LM} serve`, '--suite', 'vfLifecycle:no-lm', 'vfioMigration:p2p', ...fast]);
    expect(r.status, r.stderr).toBe(0);
    const ids = (JSON.parse(r.stdout) as { suites: Array<{ suite: string }> }).suites.map((x) => x.suite);
    expect(ids).toEqual(['vfLifecycle:no-lm:deferred', 'vfLifecycle:no-lm:immediate', 'vfioMigration:p2p']);
    const bad = await verify(['--exec', `${NVME_LM} serve`, '--suite', 'pfAccept', ...fast]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--suite pfAccept: no such suite .*pfAcceptance:lm/);
  }, 120_000);

  it('usage errors exit 2: no target, two targets', async () => {
    expect((await verify([])).status).toBe(2);
    expect((await verify(['--qemu', '--exec', 'x'])).status).toBe(2);
  });

  it('usage errors exit 2 and say what to give: verify --sessions not a whole number from 1 to 16 or without --exec, serve --sessions likewise, serve --qemu with --sessions', async () => {
    for (const n of ['0', '17', '1.5', 'two', '0x2', '1e1']) {
      const r = await verify(['--exec', 'x', '--sessions', n]);
      expect(r.status, n).toBe(2);
      expect(r.stderr, n).toContain(`--sessions ${n}: give a whole number from 1 to 16`);
    }
    const adapter = await verify(['--adapter', 'examples/adapter.ts', '--sessions', '2']);
    expect(adapter.status).toBe(2);
    expect(adapter.stderr).toContain('--sessions applies to a run of the suites against an --exec program');
    const serve = (args: string[]): Promise<{ status: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const p = spawn(process.execPath, ['bin/nvme-lm.mjs', 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('exit', (status) => resolve({ status, stderr }));
      });
    for (const n of ['17', '0x3']) {
      const many = await serve(['--sessions', n]);
      expect(many.status, n).toBe(2);
      expect(many.stderr, n).toContain('give a whole number from 1 to 16');
    }
    const qemu = await serve(['--qemu', '--sessions', '2']);
    expect(qemu.status).toBe(2);
    expect(qemu.stderr).toContain('QEMU is one device');
  });
});
