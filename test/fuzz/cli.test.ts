// `nvme-lm fuzz` through the real CLI: the JSON summary, a planted bug found
// with its shrunk sequence and replay line (exit 1), and bad input (exit 2).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parseFuzzOptions } from '../../src/cli/commands/fuzz.ts';
import { UsageError } from '../../src/cli/usageError.ts';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/nvme-lm.mjs', 'fuzz', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nvme-lm fuzz', () => {
  it('--json prints {runs, failures, seed, commands, ms} and exits 0 on the correct emulator', () => {
    const r = cli('--runs', '40', '--seed', '9', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['runs', 'failures', 'seed', 'commands', 'ms']);
    expect(j).toMatchObject({ runs: 40, failures: 0, seed: 9 });
    expect(j.commands).toBeGreaterThan(100);
  });

  it('D1: a planted bug (--mutant acceptLmOnVfQueue) exits 1 with the shrunk sequence, one command per line, and the replay arguments', () => {
    const r = cli('--runs', '500', '--seed', '3', '--mutant', 'acceptLmOnVfQueue');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED (D1|I1|I4):/);
    expect(r.stdout).toMatch(/shrunk sequence \(\d+ steps?, after \d+ shrinks\):\n {2}0\. /);
    expect(r.stdout).toMatch(/post VF\d admin \w+/);
    expect(r.stdout).toMatch(/replay: nvme-lm fuzz --seed 3 --path [\d:]+ --mutant acceptLmOnVfQueue/);
  });

  it('bad input exits 2 with one line saying what to give', () => {
    for (const args of [['--runs', '0'], ['--mutant', 'nope']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn') && !l.startsWith('(run with')).length, r.stderr).toBe(1);
    }
  });

  it('parseFuzzOptions refuses bad flags with a UsageError that says what to give', () => {
    expect(() => parseFuzzOptions({ runs: 'many' })).toThrow(/--runs many: give a whole number from 1/);
    expect(() => parseFuzzOptions({ seed: '1.5' })).toThrow(/--seed 1.5: give a whole number/);
    expect(() => parseFuzzOptions({ path: '1:2' })).toThrow(/together with its --seed/);
    expect(() => parseFuzzOptions({ seed: '1', path: 'x' })).toThrow(/--path x: give the path a failed run printed/);
    expect(() => parseFuzzOptions({ maxSteps: '0' })).toThrow(UsageError);
  });

  it('--help shows an example', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nvme-lm fuzz --runs 200000 --json');
  });

  it('parseFuzzOptions: defaults, and a random seed when none is given', () => {
    const p = parseFuzzOptions({});
    expect(p.runs).toBe(1000);
    expect(Number.isInteger(p.seed)).toBe(true);
    expect(parseFuzzOptions({ seed: '-5', path: '3:0', runs: '7' })).toMatchObject({ seed: -5, path: '3:0', runs: 7 });
  });
});
