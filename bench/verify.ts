// verify over the JSON-lines protocol against verify in process: the same
// suites on the same emulator, once through `--exec "nvme-lm serve"` (every
// register, memory and doorbell access a request and an answer across a
// process boundary) and once through `--adapter examples/adapter.ts` (the
// emulator in verify's own process). Both run as child processes, so the
// figure is steps per second of wall time (a CPU clock of this process would
// see neither). The full run replays every path of the lm and no-lm suites:
// the whole-suite run the tests leave to the benchmark.
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, median, result, type BenchResult } from './harness.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = ['bin/nvme-lm.mjs'];

export interface VerifyConfig {
  rounds: number;
  /** verify's --profile arguments */
  profiles: string[];
  /** verify's --suite arguments; empty: every suite of the profiles */
  suites: string[];
}

interface VerifyJson {
  passed: number;
  failed: number;
  paths: number;
  steps: number;
}

function verifyOnce(target: string[], c: VerifyConfig): Promise<{ json: VerifyJson; ms: number }> {
  const args = [...CLI, 'verify', ...target, '--profile', ...c.profiles, ...(c.suites.length ? ['--suite', ...c.suites] : []), '--json'];
  const t0 = performance.now();
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd: root, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const ms = performance.now() - t0;
      if (error && error.code !== 0) return fail(new Error(`verify ${target.join(' ')} exited ${String(error.code)}: ${stderr.slice(-500)}`));
      done({ json: JSON.parse(stdout) as VerifyJson, ms });
    });
  });
}

export async function verifyBenches(c: VerifyConfig): Promise<BenchResult[]> {
  const exec = ['--exec', `${JSON.stringify(process.execPath)} ${CLI.join(' ')} serve`];
  const inProcess = ['--adapter', 'examples/adapter.ts'];
  const overPipe: number[] = [];
  const local: number[] = [];
  let sample: VerifyJson | undefined;
  for (let i = 0; i < c.rounds; i++) {
    const a = await verifyOnce(exec, c);
    const b = await verifyOnce(inProcess, c);
    check(a.json.failed === 0 && b.json.failed === 0, 'a path failed on the built-in emulator; the figure would time failures');
    check(a.json.steps === b.json.steps && a.json.paths === b.json.paths, `the two targets played different work (${a.json.steps} vs ${b.json.steps} steps)`);
    overPipe.push((a.json.steps * 1000) / a.ms);
    local.push((b.json.steps * 1000) / b.ms);
    sample = a.json;
  }
  return [
    result({
      name: 'verify.exec_steps_per_s',
      value: median(overPipe),
      unit: 'steps/s',
      better: 'higher',
      baseline: { name: 'the same suites through the in-process adapter (examples/adapter.ts)', value: median(local) },
      target: 'at least 0.5x the in-process steps per second',
      meets: (_v, ratio) => ratio >= 0.5,
      note:
        `wall time of the whole command (start-up included), ${sample?.paths ?? 0} paths and ${sample?.steps ?? 0} steps of ` +
        `--profile ${c.profiles.join(' ')}${c.suites.length ? ` --suite ${c.suites.join(' ')}` : ' (every suite)'}; median of ${c.rounds}`,
      details: { paths: sample?.paths, steps: sample?.steps },
    }),
  ];
}
