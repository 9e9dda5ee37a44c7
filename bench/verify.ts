// verify over the JSON-lines protocol against verify in process: the same
// suites on the same emulator, once through `--exec "nvme-lm serve"` (every
// register, memory and doorbell access a request and an answer across a
// process boundary) and once through `--adapter examples/adapter.ts` (the
// emulator in verify's own process). Both run as child processes, so the
// figure is steps per second of wall time (a CPU clock of this process would
// see neither). The full run replays every path of the lm and no-lm suites:
// the whole-suite run the tests leave to the benchmark.
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, median, result, type BenchResult } from './harness.ts';
import { ProcessAdapter } from '../src/verify/processAdapter.ts';
import { REG } from '../src/wire/registers.ts';
import type { ReplayRecordStats } from '../models/engine/replayRecord.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = ['bin/nvme-lm.mjs'];

export interface VerifyConfig {
  rounds: number;
  /** verify's --profile arguments */
  profiles: string[];
  /** verify's --suite arguments; empty: every suite of the profiles */
  suites: string[];
  /** lone register reads timed for verify.exec_round_trip_us, one answer awaited before the next request */
  loneReads: number;
}

interface VerifyJson {
  passed: number;
  failed: number;
  paths: number;
  steps: number;
  /** requests sent to the program (exec target only) */
  roundTrips?: number;
  /** milliseconds spent waiting for the program's answers (exec target only) */
  waitedMs?: number;
  /** path prefixes replayed from their record, and live (exec target only) */
  replays?: ReplayRecordStats;
}

/**
 * Microseconds of wall time per request to `nvme-lm serve` when each asks
 * for the least (a CSTS read) and waits for its answer, sent the way verify
 * sends every request (its ProcessAdapter): what one round trip across the
 * process boundary costs on this machine, the floor under every request
 * verify sends.
 */
async function loneRoundTripUs(reads: number): Promise<number> {
  const adapter = new ProcessAdapter(`${JSON.stringify(process.execPath)} ${CLI.join(' ')} serve`, { timeoutMs: 30_000 });
  try {
    await adapter.reset({ vfs: 1, profile: 'lm' });
    for (let i = 0; i < 1000; i++) await adapter.regRead(0, REG.CSTS, 4); // warm-up: both processes' JIT
    const sent = adapter.roundTrips();
    const t0 = performance.now();
    for (let i = 0; i < reads; i++) await adapter.regRead(0, REG.CSTS, 4);
    const us = ((performance.now() - t0) * 1000) / reads;
    check(adapter.roundTrips() - sent === reads, 'each lone read was one round trip');
    return us;
  } finally {
    await adapter.close();
  }
}

/** One verify run against `target` (its arguments, `--sessions` among them where it matters), timed whole. */
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

/**
 * The conversation of one run against `serve`: its request lines (recorded
 * on their way by tee) and serve's answers to them, made again from those
 * requests alone, as files in `dir`.
 */
async function recordConversation(dir: string, serve: string, c: VerifyConfig): Promise<{ requests: string; answers: string }> {
  const requests = join(dir, 'requests.jsonl');
  const answers = join(dir, 'answers.jsonl');
  // one suite at a time: the requests of sessions would interleave differently in every run
  const run = await verifyOnce(['--exec', `tee ${JSON.stringify(requests)} | ${serve}`, '--sessions', '1'], c);
  check(run.json.failed === 0, 'a path failed while the conversation was recorded');
  const input = openSync(requests, 'r');
  const output = openSync(answers, 'w');
  try {
    const r = spawnSync(process.execPath, [...CLI, 'serve', '--no-poll', '--no-snapshots'], { cwd: root, stdio: [input, output, 'pipe'] });
    check(r.status === 0, `serve could not answer the recorded requests again: ${String(r.stderr).slice(-300)}`);
  } finally {
    closeSync(input);
    closeSync(output);
  }
  return { requests, answers };
}

export async function verifyBenches(c: VerifyConfig): Promise<BenchResult[]> {
  // without snapshots, as the in-process example adapter, which has none: both play every step of every path
  const serve = `${JSON.stringify(process.execPath)} ${CLI.join(' ')} serve --no-snapshots`;
  // verify's default: as many suites at once as --sessions says (2), serve offering 4
  const exec = ['--exec', serve];
  // serve as it starts by default, with snapshots: each branching point restored instead of its prefix replayed (fewer steps played)
  const execSnapshots = ['--exec', `${JSON.stringify(process.execPath)} ${CLI.join(' ')} serve`];
  // the same, one suite at a time: what a program that offers no sessions gets
  const execAlone = ['--exec', serve, '--sessions', '1'];
  // the same server waiting for each request asleep, as most programs do: what a target that does not poll its stdin gets
  const execAsleep = ['--exec', `${serve} --no-poll`];
  const inProcess = ['--adapter', 'examples/adapter.ts'];
  const overPipe: number[] = [];
  const local: number[] = [];
  const overMs: number[] = [];
  const localMs: number[] = [];
  const asleepMs: number[] = [];
  const aloneMs: number[] = [];
  const alone: number[] = [];
  const aloneWaitedMs: number[] = [];
  const waitedMs: number[] = [];
  const noWorkMs: number[] = [];
  const noWork: number[] = [];
  const noWorkWaitedMs: number[] = [];
  const snapshotsMs: number[] = [];
  let snapshotsSample: VerifyJson | undefined;
  let sample: VerifyJson | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-bench-'));
  try {
    const recorded = await recordConversation(dir, serve, c);
    // a program that does no work: every answer is serve's from the recorded run
    // (its recorded reset answers offer serve's sessions: they are not taken, as the conversation was one suite at a time)
    const canned = ['--exec', `${JSON.stringify(process.execPath)} --import tsx bench/cannedTarget.ts ${JSON.stringify(recorded.requests)} ${JSON.stringify(recorded.answers)}`, '--sessions', '1'];
    for (let i = 0; i < c.rounds; i++) {
      const a = await verifyOnce(exec, c);
      const b = await verifyOnce(inProcess, c);
      const z = await verifyOnce(execAsleep, c);
      const n = await verifyOnce(canned, c);
      const o = await verifyOnce(execAlone, c);
      const s = await verifyOnce(execSnapshots, c);
      check([a, b, z, n, o, s].every((r) => r.json.failed === 0), 'a path failed on the built-in emulator (or strayed from the recorded conversation); the figure would time failures');
      check(s.json.paths === a.json.paths && s.json.passed === a.json.passed, 'with snapshots the run passed other paths than without');
      check([b, z, n, o].every((r) => r.json.steps === a.json.steps && r.json.paths === a.json.paths), `the targets played different work (${[a, b, z, n, o].map((r) => r.json.steps).join(' vs ')} steps)`);
      alone.push((o.json.steps * 1000) / o.ms);
      aloneMs.push(o.ms);
      aloneWaitedMs.push(o.json.waitedMs ?? 0);
      overPipe.push((a.json.steps * 1000) / a.ms);
      local.push((b.json.steps * 1000) / b.ms);
      noWork.push((n.json.steps * 1000) / n.ms);
      overMs.push(a.ms);
      localMs.push(b.ms);
      asleepMs.push(z.ms);
      noWorkMs.push(n.ms);
      waitedMs.push(a.json.waitedMs ?? 0);
      noWorkWaitedMs.push(n.json.waitedMs ?? 0);
      snapshotsMs.push(s.ms);
      snapshotsSample = s.json;
      sample = a.json;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // after the runs, beside them: the cost of one round trip with nothing to do
  const roundTripUs = await loneRoundTripUs(c.loneReads);
  const roundTrips = sample?.roundTrips ?? 0;
  const steps = sample?.steps ?? 0;
  const perStep = roundTrips / Math.max(1, steps);
  const floorS = (roundTrips * roundTripUs) / 1e6;
  const localS = median(localMs) / 1000;
  const asleepS = median(asleepMs) / 1000;
  const waitedS = median(waitedMs) / 1000;
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
        `wall time of the whole command (start-up included), ${sample?.paths ?? 0} paths and ${steps} steps of ` +
        `--profile ${c.profiles.join(' ')}${c.suites.length ? ` --suite ${c.suites.join(' ')}` : ' (every suite)'}; median of ${c.rounds}. ` +
        `Every run over the pipe here plays \`serve --no-snapshots\`, as the in-process example adapter has no snapshots: both play every step of every path (with snapshots: verify.exec_snapshots_s). ` +
        `verify plays two suites at once in serve's sessions (its default --sessions 2; one suite at a time: verify.exec_one_session_steps_per_s). ` +
        `The run over the pipe sent ${roundTrips} requests (${perStep.toFixed(2)} a step; ${sample?.replays?.fromRecord ?? 0} path prefixes replayed from their record, ${sample?.replays?.live ?? 0} live); at ${roundTripUs.toFixed(1)} us ` +
        `a round trip awaited one after another (verify.exec_round_trip_us) they would take ${floorS.toFixed(1)} s, against ${localS.toFixed(1)} s for the whole run in process. ` +
        `verify waited ${waitedS.toFixed(1)} s of the run with every session's answer on its way (serve's work and the pipes); the rest is, near enough, its own work. ` +
        `\`serve\` polls its stdin for a moment after each answer; \`serve --no-poll\`, asleep between requests as most programs are, took ${asleepS.toFixed(1)} s ` +
        `(${(localS / asleepS).toFixed(2)}x of in-process speed), also in two sessions`,
      details: { paths: sample?.paths, steps, roundTrips, roundTripsPerStep: perStep, roundTripFloorS: floorS, inProcessS: localS, overPipeS: median(overMs) / 1000, asleepTargetS: asleepS, asleepTargetRatio: localS / asleepS, waitedS, replays: sample?.replays },
    }),
    result({
      name: 'verify.exec_one_session_steps_per_s',
      value: median(alone),
      unit: 'steps/s',
      better: 'higher',
      baseline: { name: 'the same suites through the in-process adapter (examples/adapter.ts)', value: median(local) },
      note:
        `the run of verify.exec_steps_per_s with --sessions 1: one suite at a time, as against a program that offers no sessions; median of ${c.rounds}, timed in turn with the runs above. ` +
        `verify waited ${(median(aloneWaitedMs) / 1000).toFixed(1)} s of its ${(median(aloneMs) / 1000).toFixed(1)} s for the answers; ` +
        `two sessions took ${(median(overMs) / median(aloneMs)).toFixed(2)}x its time`,
      details: { oneSessionS: median(aloneMs) / 1000, waitedS: median(aloneWaitedMs) / 1000, inProcessS: localS, sessionsRatio: median(overMs) / median(aloneMs) },
    }),
    result({
      name: 'verify.exec_no_work_steps_per_s',
      value: median(noWork),
      unit: 'steps/s',
      better: 'higher',
      baseline: { name: 'the same suites through the in-process adapter (examples/adapter.ts)', value: median(local) },
      note:
        `the run of verify.exec_steps_per_s against a program that does no work (bench/cannedTarget.ts), one suite at a time (it offers no sessions): it answers every request with serve's answer to it in a run recorded before, so the time is verify's own work and the pipes, ` +
        `the most any target without sessions could give with verify as it is (the program's start-up included); median of ${c.rounds}, timed in turn with the runs above. ` +
        `verify waited ${(median(noWorkWaitedMs) / 1000).toFixed(1)} s of its ${(median(noWorkMs) / 1000).toFixed(1)} s for the answers`,
      details: { noWorkS: median(noWorkMs) / 1000, waitedS: median(noWorkWaitedMs) / 1000, inProcessS: localS },
    }),
    result({
      name: 'verify.exec_snapshots_s',
      value: median(snapshotsMs) / 1000,
      unit: 's',
      better: 'lower',
      baseline: { name: 'the same suites over JSON lines without snapshots (serve --no-snapshots, the run of verify.exec_steps_per_s)', value: median(overMs) / 1000 },
      note:
        `wall time of the run of verify.exec_steps_per_s against \`serve\` as it starts by default, offering snapshots (docs/protocol.md, "Snapshots"): verify restores each branching point instead of replaying the steps that led to it, ` +
        `so it plays ${snapshotsSample?.steps ?? 0} steps instead of ${steps}, in ${snapshotsSample?.roundTrips ?? 0} requests; the same paths pass. Two sessions, median of ${c.rounds}, timed in turn with the runs above`,
      details: { steps: snapshotsSample?.steps, roundTrips: snapshotsSample?.roundTrips, waitedS: (snapshotsSample?.waitedMs ?? 0) / 1000 },
    }),
    result({
      name: 'verify.exec_round_trip_us',
      value: roundTripUs,
      unit: 'us',
      better: 'lower',
      baseline: { name: 'one step of the same suites in process (the in-process run\'s wall time over its steps)', value: (localS * 1e6) / Math.max(1, steps) },
      note:
        `wall time of one request to \`nvme-lm serve\` that asks for the least (a CSTS read), sent as verify sends it, each answer awaited before the next, ${c.loneReads} of them after 1000 untimed; ` +
        `the ratio is how many such round trips one in-process step lasts: at 0.5x of in-process speed verify may spend twice the in-process time on a step, ` +
        `round trips and its own work included`,
    }),
  ];
}
