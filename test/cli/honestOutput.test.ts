// What the CLI prints must say what happened: check names every path it could
// not play and why; a report of a check that ran no suite does not claim PASS
// for them; a bad -o is refused before any work; no progress bar on a pipe.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatCheck } from '../../src/cli/actions/check.ts';
import { runReport } from '../../src/cli/actions/report.ts';
import { checkOutputPath } from '../../src/cli/outputPath.ts';
import { startProgress } from '../../src/cli/progress.ts';
import { buildProgram } from '../../src/cli/program.ts';
import type { CheckResult } from '../../src/check/checkJson.ts';
import { UsageError } from '../../src/cli/usageError.ts';
import { vfToy } from '../check/toys.ts';
import { buildFixture } from '../diagram/report/fixture.ts';
import { runProgram } from './runProgram.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-lm-honest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function checkResult(): CheckResult {
  return {
    machines: [],
    invariants: [],
    liveness: [],
    tests: { passed: 131, failed: 0, notRealisable: 1, steps: 400, naiveSteps: 900, failures: [] },
    suites: [
      {
        suite: 'vfLifecycle:lm',
        paths: 132,
        passed: 131,
        failed: 0,
        notRealisable: [{ path: 'RESET -> FLR_DURING_SAVE', reason: 'the emulator completes SAVE before an FLR can arrive' }],
        coveredTransitions: 131,
        stats: { steps: 400, naiveSteps: 900, resets: 1, snapshots: 0, restores: 0, ms: 5 },
      },
    ],
    ok: true,
    ms: 1000,
  };
}

describe('check: not-realisable paths are visible in the text output', () => {
  it('each not-realisable path is printed with its suite and reason, not only counted', () => {
    const text = formatCheck(checkResult());
    expect(text).toContain('1 not realisable');
    expect(text).toContain('  not realisable in vfLifecycle:lm: RESET -> FLR_DURING_SAVE\n    the emulator completes SAVE before an FLR can arrive');
  });
});

describe('report: suites that did not run are not reported as passed', () => {
  it('a check with --no-suites (0 tests) is PROOFS ONLY, says the tests were not run, and never PASS', async () => {
    const f = buildFixture([vfToy()]);
    f.check.tests = { passed: 0, failed: 0, notRealisable: 0, steps: 0, naiveSteps: 0, failures: [] };
    const file = join(dir, 'no-suites.html');
    const { badge, verdict } = await runReport({ catalog: () => f.catalog, runCheck: async () => f.check }, { output: file });
    expect(verdict.pass).toBe(true);
    expect(badge).toBe('PROOFS ONLY');
    const html = await readFile(file, 'utf8');
    expect(html).toContain('<span class="badge">PROOFS ONLY</span>');
    expect(html).toContain('the path tests were not run');
    expect(html).not.toContain('every path test passed');
    expect(html).not.toContain('>PASS<');
    expect(html).toContain('path tests: <b>not run</b>');
  });

  it('non-vacuity: the same check with tests that ran is PASS', async () => {
    const f = buildFixture([vfToy()]);
    f.check.tests = { passed: 5, failed: 0, notRealisable: 0, steps: 9, naiveSteps: 9, failures: [] };
    const { badge } = await runReport({ catalog: () => f.catalog, runCheck: async () => f.check }, { output: join(dir, 'ran.html') });
    expect(badge).toBe('PASS');
  });
});

describe('output paths are checked before any work', () => {
  it('a missing directory, a directory where a file is needed, a file where a directory is needed: UsageError saying what to do', async () => {
    const file = join(dir, 'plain');
    await writeFile(file, 'x');
    await expect(checkOutputPath('-o', join(dir, 'missing', 'x.json'), { directoryOk: false, makesDirectories: false })).rejects.toThrow(/does not exist; create it \(mkdir -p .*missing\)/);
    await expect(checkOutputPath('-o', dir, { directoryOk: false, makesDirectories: false })).rejects.toThrow(UsageError);
    await expect(checkOutputPath('-o', join(file, 'sub', 'r.html'), { directoryOk: true, makesDirectories: true })).rejects.toThrow(/is a file, not a directory/);
    await expect(checkOutputPath('-o', join(dir, 'new', 'deep', 'r.html'), { directoryOk: true, makesDirectories: true })).resolves.toBeUndefined();
    await expect(checkOutputPath('-o', join(dir, 'ok.json'), { directoryOk: false, makesDirectories: false })).resolves.toBeUndefined();
  });

  it('check -o missing-dir/x.json, report -o and diagram -o fail at once, before the job loads', async () => {
    const file = join(dir, 'plain2');
    await writeFile(file, 'x');
    const t0 = performance.now();
    for (const args of [
      ['check', '-o', join(dir, 'missing', 'x.json')],
      ['report', '-o', join(file, 'r.html')],
      ['diagram', 'vfLifecycle', '-o', join(dir, 'missing', 'v.mmd')],
    ]) {
      const { error } = await runProgram(buildProgram(), args);
      expect(error, args.join(' ')).toBeInstanceOf(UsageError);
    }
    // the check alone takes tens of seconds; refusing takes milliseconds
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('progress', () => {
  it('prints nothing when stderr is not a terminal (a pipe)', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = false;
    try {
      const p = await startProgress('check', true);
      p.update('exploring vf', 1, 3);
      p.stop();
      expect(write).not.toHaveBeenCalled();
    } finally {
      process.stderr.isTTY = tty;
      write.mockRestore();
    }
  });

  it('on a terminal it shows done/total, rate, ETA and what runs', async () => {
    let out = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = true;
    try {
      const p = await startProgress('check', true);
      p.update('exploring vfLifecycle', 1, 3);
      p.stop();
    } finally {
      process.stderr.isTTY = tty;
      write.mockRestore();
    }
    expect(out).toMatch(/check .* 1\/3 \| [\d.]+\/s \| .* left \| exploring vfLifecycle/);
  });
});
