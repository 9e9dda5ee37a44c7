// `nvme-lm report`: from saved results or a fresh check, where it writes,
// what a bad input says, and the exit code that follows the verdict.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerReport } from '../../../src/cli/commands/report.ts';
import { runReport, type ReportDeps } from '../../../src/cli/actions/report.ts';
import { vfToy } from '../../check/toys.ts';
import { buildFixture, type Fixture } from './fixture.ts';

let dir: string;
let failing: Fixture;
let passing: Fixture;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-lm-report-'));
  failing = buildFixture([vfToy({ saveWhileRunning: true })]);
  passing = buildFixture([vfToy()]);
  passing.check.tests = { passed: 5, failed: 0, failures: [] };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Deps over a fixture that count how often the check ran. */
function deps(f: Fixture): ReportDeps & { runs: number } {
  const d = {
    runs: 0,
    catalog: () => f.catalog,
    runCheck: async () => {
      d.runs++;
      return f.check;
    },
  };
  return d;
}

describe('runReport', () => {
  it('without --from it runs the check once and writes the page, creating the directory', async () => {
    const d = deps(failing);
    const file = join(dir, 'fresh', 'nested', 'report.html');
    const { file: written, verdict } = await runReport(d, { output: file });
    expect(written).toBe(file);
    expect(d.runs).toBe(1);
    expect(verdict.pass).toBe(false);
    expect(await readFile(file, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*data-machine="vf:bug"/);
  });

  it('--from reads the saved results and does not run the check', async () => {
    const saved = join(dir, 'pass.json');
    await writeFile(saved, JSON.stringify(passing.check));
    const d = deps(failing);
    const { verdict } = await runReport(d, { output: join(dir, 'from.html'), from: saved });
    expect(d.runs).toBe(0);
    expect(verdict.pass).toBe(true);
    expect(await readFile(join(dir, 'from.html'), 'utf8')).toContain('<title>nvme-lm check report: PASS</title>');
  });

  it('-o naming a directory writes report.html inside it', async () => {
    const out = join(dir, 'outdir');
    await mkdir(out);
    expect((await runReport(deps(passing), { output: out })).file).toBe(join(out, 'report.html'));
  });

  it('a missing --from file: one line that says how to write it', async () => {
    const absent = join(dir, 'absent.json');
    await expect(runReport(deps(passing), { output: join(dir, 'x.html'), from: absent })).rejects.toThrow(
      `cannot read check results ${absent} (ENOENT); write them with \`nvme-lm check --json > ${absent}\``,
    );
  });

  it('a --from file of the wrong shape: one line naming the field', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ machines: [], invariants: [], liveness: [], tests: { passed: 'all' } }));
    const err = await runReport(deps(passing), { output: join(dir, 'x.html'), from: bad }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toMatch(/^.*bad\.json is not `nvme-lm check --json` output: tests\.passed: expected number, received string/);
  });

  it('a check that returns the wrong shape is named as the check, not as a file', async () => {
    const d: ReportDeps = { catalog: () => [], runCheck: async () => ({ machines: 'none' }) };
    await expect(runReport(d, { output: join(dir, 'y.html') })).rejects.toThrow(/^the check results of `nvme-lm check` is not .*machines: expected array/);
  });

  it('an unwritable output: the error names the file and asks for another -o', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    await expect(runReport(deps(passing), { output: join(blocker, 'r.html') })).rejects.toThrow(/^cannot write the report to .*r\.html \(\w+\); pass a writable path with -o$/);
  });
});

describe('registerReport', () => {
  function program(d: ReportDeps): { program: Command; help: () => string } {
    let text = '';
    const p = new Command().exitOverride().configureOutput({ writeOut: (s) => void (text += s), writeErr: (s) => void (text += s) });
    registerReport(p, d);
    return { program: p, help: () => text };
  }

  it('--help shows the options, the exit codes and an example', async () => {
    const { program: p, help } = program(deps(passing));
    await expect(p.parseAsync(['report', '--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    expect(help()).toContain('-o, --output <file>');
    expect(help()).toContain('--from <check.json>');
    expect(help()).toContain('Examples:');
    expect(help()).toContain('nvme-lm report -o out/report.html --from check.json');
  });

  it('without -o it is a usage error', async () => {
    const { program: p } = program(deps(passing));
    await expect(p.parseAsync(['report'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
  });

  it('a failed check: the report is written, stderr says FAIL and why, exit code 1', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { program: p } = program(deps(failing));
    const file = join(dir, 'cli-fail.html');
    await p.parseAsync(['report', '-o', file], { from: 'user' });
    expect(await readFile(file, 'utf8')).toContain('FAIL');
    expect(stderr).toHaveBeenCalledWith(`wrote ${file} (FAIL: 1 invariant violated (I5); 1 path test failed)\n`);
    expect(process.exitCode).toBe(1);
  });

  it('a passing check: exit code stays 0', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { program: p } = program(deps(passing));
    await p.parseAsync(['report', '-o', join(dir, 'cli-pass.html')], { from: 'user' });
    expect(process.exitCode).toBeUndefined();
  });
});
