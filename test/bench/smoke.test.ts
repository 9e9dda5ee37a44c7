// The benchmark harness in smoke mode (tiny sizes): `npm run bench -- --smoke
// --json <file>` writes a report with every required entry, each with a
// baseline measured in the same run. No timing is asserted: the figures of a
// smoke run mean nothing, only their shape does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/harness.ts';
import { REQUIRED_ENTRIES } from '../../bench/suite.ts';
import { formatReport } from '../../bench/table.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('bench: smoke run of the harness', () => {
  let dir = '';
  let report: BenchReport;
  let stdout = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nvme-lm-bench-'));
    const file = join(dir, 'results.json');
    stdout = execFileSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--json', file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('results.json names the machine (cpu model, cores, node version) and says it was a smoke run', () => {
    expect(report.machine).toMatch(/^.+, \d+ cores, node v\d+\.\d+\.\d+$/);
    expect(report.smoke).toBe(true);
    expect(report.clock).toBe('cpu');
    expect(Number.isFinite(report.loadAverage.start) && Number.isFinite(report.loadAverage.end)).toBe(true);
  });

  it('every required entry is present exactly once, in order, and nothing else', () => {
    expect(report.results.map((r) => r.name)).toEqual([...REQUIRED_ENTRIES]);
  });

  it('each entry has a value, a unit, a baseline from the same run and the ratio the harness defines', () => {
    for (const r of report.results) {
      expect(Number.isFinite(r.value) && r.value > 0, `${r.name} value ${r.value}`).toBe(true);
      expect(r.unit.length, `${r.name} unit`).toBeGreaterThan(0);
      expect(r.baseline.name.length, `${r.name} baseline name`).toBeGreaterThan(0);
      expect(Number.isFinite(r.baseline.value) && r.baseline.value > 0, `${r.name} baseline ${r.baseline.value}`).toBe(true);
      const ratio = r.better === 'higher' ? r.value / r.baseline.value : r.baseline.value / r.value;
      expect(r.ratio).toBeCloseTo(ratio, 9);
      if (r.target !== undefined) expect(typeof r.met, `${r.name} has a target, so it says whether it was met`).toBe('boolean');
    }
  });

  it('explorer.scaling carries its table (states and seconds per VF count), the baseline rows agreeing on state counts', () => {
    const table = report.results.find((r) => r.name === 'explorer.scaling')?.details?.table as Record<string, number | null>[];
    expect(table.length).toBeGreaterThan(1);
    table.forEach((row, i) => {
      expect(row.vfs).toBe(i + 1);
      expect(row.states).toBe(8 ** (i + 1) + 1);
      if (row.adjacencyMapStates !== null) expect(row.adjacencyMapStates).toBe(row.states);
    });
  });

  it('verify.exec carries the round trips the run over the pipe sent, and the floor they put under it from the lone round trip timed beside it', () => {
    const exec = report.results.find((r) => r.name === 'verify.exec_steps_per_s')?.details as Record<string, number>;
    const lone = report.results.find((r) => r.name === 'verify.exec_round_trip_us') as { value: number };
    expect(exec.roundTrips).toBeGreaterThan(exec.steps);
    expect(exec.roundTripsPerStep).toBeCloseTo(exec.roundTrips / exec.steps, 9);
    expect(exec.roundTripFloorS).toBeCloseTo((exec.roundTrips * lone.value) / 1e6, 9);
  });

  it('verify.exec also times the same run against a server asleep between requests (serve --no-poll), as most programs are', () => {
    const exec = report.results.find((r) => r.name === 'verify.exec_steps_per_s')?.details as Record<string, number>;
    expect(exec.asleepTargetS).toBeGreaterThan(0);
    expect(exec.asleepTargetRatio).toBeCloseTo(exec.inProcessS / exec.asleepTargetS, 9);
  });

  it('verify.exec_no_work times the same run against a program that answers from a recording of serve\'s answers, beside the in-process run', () => {
    const noWork = report.results.find((r) => r.name === 'verify.exec_no_work_steps_per_s') as { value: number; details: Record<string, number> };
    const exec = report.results.find((r) => r.name === 'verify.exec_steps_per_s')?.details as Record<string, number>;
    // one round in the smoke run: the figure is that run's steps over its wall time, of which the waiting is a part
    expect(noWork.value * noWork.details.noWorkS).toBeCloseTo(exec.steps, 6);
    expect(noWork.details.waitedS).toBeGreaterThan(0);
    expect(noWork.details.waitedS).toBeLessThan(noWork.details.noWorkS);
  });

  it('verify.exec_one_session times the same run one suite at a time (--sessions 1), beside the run in sessions', () => {
    const alone = report.results.find((r) => r.name === 'verify.exec_one_session_steps_per_s') as { value: number; details: Record<string, number> };
    const exec = report.results.find((r) => r.name === 'verify.exec_steps_per_s')?.details as Record<string, number>;
    expect(alone.value * alone.details.oneSessionS).toBeCloseTo(exec.steps, 6);
    expect(alone.details.sessionsRatio).toBeCloseTo(exec.overPipeS / alone.details.oneSessionS, 9);
  });

  it('verify.exec_snapshots times the same run against serve with snapshots: the same paths, fewer steps, beside the run without', () => {
    const snapshots = report.results.find((r) => r.name === 'verify.exec_snapshots_s') as { value: number; baseline: { value: number }; details: Record<string, number> };
    const exec = report.results.find((r) => r.name === 'verify.exec_steps_per_s')?.details as Record<string, number>;
    expect(snapshots.baseline.value).toBeCloseTo(exec.overPipeS, 9);
    expect(snapshots.details.steps).toBeGreaterThan(0);
    expect(snapshots.details.steps).toBeLessThan(exec.steps);
  });

  it('the printed table shows every entry and the machine', () => {
    expect(stdout).toContain(`machine: ${report.machine}`);
    for (const name of REQUIRED_ENTRIES) expect(stdout).toContain(name);
    expect(formatReport(report)).toContain('explorer.scaling (system:n');
  });
});
