// The main job and the CLI's start-up, each in a child process, timed by the
// CPU time (user + system, every thread) the child itself reports at exit:
// a loaded machine stretches wall time, not the work.
//   check.cpu_s     `nvme-lm check` (explore, prove, play every suite on the
//                   emulator, count coverage); baseline: `check --no-suites`,
//                   the checker alone. Target: at most 10 s (issue 17).
//   cli.help_cpu_s  `nvme-lm --help` through the launcher (which runs the
//                   bundled CLI, bin/cliBundle.mjs); baseline: node starting
//                   and doing nothing. Target: under 0.5 s.
// The smoke run times `check --help` against `--version` instead: the shape
// of the measurement in a fraction of a second.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, median, result, type BenchResult } from './harness.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface CheckConfig {
  /** timed runs of the check and of its baseline; the median is reported */
  rounds: number;
  /** timed runs of `--help` and of node doing nothing */
  helpRounds: number;
  /** the CLI arguments of the measured check and of its baseline */
  check: string[];
  baseline: string[];
}

/** Loaded before anything else in the child: on exit it writes the process's CPU time (all threads) to the file NVME_LM_BENCH_CPU names. */
const CPU_AT_EXIT =
  'data:text/javascript,' +
  encodeURIComponent(
    "import { writeFileSync } from 'node:fs';" +
      "process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.NVME_LM_BENCH_CPU, String(u.userCPUTime + u.systemCPUTime)); });",
  );

const LAUNCHER = ['bin/nvme-lm.mjs'];
/** node starting and doing nothing: no command starts in less. */
const FLOOR = ['--input-type=module', '-e', ''];

/** Seconds of CPU `node <args>` took, as the child counted it; rejects when it exits non-zero. */
function childCpuSeconds(args: readonly string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-bench-cpu-'));
  const file = join(dir, 'cpu');
  return new Promise<number>((done, fail) => {
    execFile(
      process.execPath,
      [`--import=${CPU_AT_EXIT}`, ...args],
      { cwd: root, env: { ...process.env, NVME_LM_BENCH_CPU: file }, maxBuffer: 256 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return fail(new Error(`node ${args.join(' ')} failed (${error.code ?? error.message}): ${stderr.slice(-500)}`));
        const us = Number(readFileSync(file, 'utf8'));
        check(Number.isFinite(us) && us > 0, `node ${args.join(' ')} reported no CPU time`);
        done(us / 1e6);
      },
    );
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Median CPU seconds of each command, interleaved round by round. */
async function interleaved(commands: readonly (readonly string[])[], rounds: number): Promise<number[]> {
  const samples = commands.map((): number[] => []);
  for (let i = 0; i < rounds; i++) for (let k = 0; k < commands.length; k++) samples[k].push(await childCpuSeconds(commands[k]));
  return samples.map(median);
}

export async function checkBenches(c: CheckConfig): Promise<BenchResult[]> {
  const [ours, checkerOnly] = await interleaved([[...LAUNCHER, ...c.check], [...LAUNCHER, ...c.baseline]], c.rounds);
  const [help, floor] = await interleaved([[...LAUNCHER, '--help'], FLOOR], c.helpRounds);
  return [
    result({
      name: 'check.cpu_s',
      value: ours,
      unit: 's',
      better: 'lower',
      baseline: { name: `nvme-lm ${c.baseline.join(' ')}`, value: checkerOnly },
      target: 'at most 10 s of CPU',
      meets: (v) => v <= 10,
      note: `CPU (user + system) of \`nvme-lm ${c.check.join(' ')}\` in a child process, median of ${c.rounds}; with the baseline \`check --no-suites\` (the checker alone) the ratio (< 1) is what playing the suites costs on top of the checker`,
    }),
    result({
      name: 'cli.help_cpu_s',
      value: help,
      unit: 's',
      better: 'lower',
      baseline: { name: 'node starting and doing nothing', value: floor },
      target: 'under 0.5 s of CPU',
      meets: (v) => v < 0.5,
      note: `CPU (user + system) of \`nvme-lm --help\` through bin/nvme-lm.mjs in a child process, median of ${c.helpRounds}`,
    }),
  ];
}
