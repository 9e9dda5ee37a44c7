// `nvme-lm verify`: run the generated suites against an implementation that
// is not ours. Exit 0 all passed (known deviations allowed), 1 a path failed,
// 2 usage error, protocol-level misbehaviour, or no requested profile supported.
import { Option, type Command } from 'commander';
import pc from 'picocolors';
import { PROFILES, type Profile } from '../../target/adapter.ts';
import type { VerifyResult } from '../../verify/run.ts';
import { DEFAULT_COMPLETION_TIMEOUT_MS, DEFAULT_VERIFY_SESSIONS, MAX_SESSIONS, MAX_VERIFY_VFS, QEMU_COMPLETION_TIMEOUT_MS, sessionCount } from '../../verify/verifyLimits.ts';
import type { Target } from '../../verify/targets.ts';
import { startProgress } from '../progress.ts';
import { UsageError } from '../usageError.ts';
import { TraceFile } from '../../verify/recordingAdapter.ts';
import { formatFailure, formatFailureGroups } from '../../verify/failureText.ts';
import type { ReplayResult } from '../../verify/replay.ts';
import { exchangeText } from '../../verify/exchangeText.ts';
import type { Request, Response } from '../../verify/protocol.ts';

export interface VerifyOptions {
  adapter?: string;
  exec?: string;
  qemu?: boolean;
  qemuBinary?: string;
  profile?: Profile[];
  vfs?: string;
  json?: boolean;
  trace?: string;
  record?: string;
  timeout?: string;
  completionTimeout?: string;
  suite?: string[];
  replay?: string[];
  sessions?: string;
}

export function formatVerify(r: VerifyResult, useColour = false): string {
  const ok = useColour ? pc.green : (s: string) => s;
  const bad = useColour ? pc.red : (s: string) => s;
  const warn = useColour ? pc.yellow : (s: string) => s;
  const out = [`target: ${r.target}${r.vfs !== undefined ? ` (reset asks for at least ${r.vfs} VFs)` : ''}`, ''];
  const head = ['suite', 'vfs', 'paths', 'steps', 'passed', 'failed', 'deviations', 'edges', 'transitions'];
  const rows = r.suites.map((s) =>
    s.unsupported
      ? [s.suite, String(s.vfs), String(s.paths), '-', '-', '-', '-', 'unsupported', `0/${s.transitions.reachable}`]
      : [s.suite, String(s.vfs), String(s.paths), String(s.steps), String(s.passed), String(s.failed), String(s.knownDeviations), `${s.edges.covered}/${s.edges.reachable}`, `${s.transitions.covered}/${s.transitions.reachable}`],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  out.push(line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '');
  for (const s of r.suites) {
    if (s.unsupported) out.push(warn(`UNSUPPORTED ${s.suite}: ${s.unsupported}`));
    for (const n of s.notRealisable) out.push(warn(`NOT REALISABLE ${s.suite}: ${n.path}`), `  ${n.reason}`);
  }
  for (const n of r.notExhibited) {
    if (n.transitions.length === 0) continue;
    out.push(warn(`NOT EXHIBITED ${n.transitions.length} transitions of ${n.suite} that no suite which ran took${n.edges.length ? ` (edges ${n.edges.join(', ')})` : ''}`));
  }
  out.push(...formatFailureGroups(r.failures, r.failureGroups, { bad, warn }));
  if (r.unsupportedProfiles.length) out.push(warn(`unsupported profiles: ${r.unsupportedProfiles.join(', ')}`));
  // not a failure: the target answered a replayed prefix otherwise than the first time, so it was played again request by request
  if (r.replays && r.replays.differed > 0) {
    out.push(warn(`${r.replays.differed} path prefixes replayed request by request because the target answered the same requests otherwise than the first time (the first: ${r.replays.firstLiveReason ?? '?'}): a target that says synchronous should answer them the same way after every reset`));
  }
  const faults = r.crashed || r.hung ? bad(` (${r.crashed} crashed, ${r.hung} hung)`) : '';
  const waited = r.waitedMs !== undefined ? `, ${(r.waitedMs / 1000).toFixed(1)} s of it waiting for the implementation's answers` : '';
  out.push(`${r.failed ? bad(`${r.failed} failed`) : ok('0 failed')}${faults}, ${r.passed} passed, ${r.knownDeviations} known deviations (${r.paths} paths, ${r.steps} steps, ${roundTripText(r)}${(r.ms / 1000).toFixed(1)} s${waited})`);
  return out.join('\n');
}

/** `N round trips (R a step), ` for a target across a process boundary, else nothing; with the prefixes replayed from the record, or the snapshots restored instead. */
function roundTripText(r: VerifyResult): string {
  if (r.roundTrips === undefined) return '';
  const perStep = r.steps > 0 ? `${(r.roundTrips / r.steps).toFixed(2)} a step` : '';
  const batched = r.replays && r.replays.fromRecord > 0 ? `${r.replays.fromRecord} path prefixes replayed from the record` : '';
  const restored = r.restores !== undefined ? `${r.restores} branching points restored from snapshots` : '';
  const inside = [perStep, batched, restored].filter((t) => t !== '').join(', ');
  return `${r.roundTrips} round trips${inside ? ` (${inside})` : ''}, `;
}

/** 2 when no requested profile is supported, else 1 when a path failed (known deviations are not failures), else 0. */
export function verifyExitCode(r: VerifyResult): 0 | 1 | 2 {
  if (r.suites.length > 0 && r.suites.every((s) => s.unsupported !== undefined)) return 2;
  return r.failed > 0 ? 1 : 0;
}

/** `--replay <suite> <index>` or `--replay <suite>#<index>` (the id a failure prints). */
export function parseReplay(words: readonly string[]): { suite: string; index: number } {
  const [suite, index] = words.length === 1 && words[0].includes('#') ? [words[0].slice(0, words[0].lastIndexOf('#')), words[0].slice(words[0].lastIndexOf('#') + 1)] : words;
  if (words.length > 2 || suite === undefined || index === undefined || !/^\d+$/.test(index)) {
    throw new UsageError(`--replay ${words.join(' ')}: give a suite id and a path index, e.g. --replay pfAcceptance:lm 17 (a failure prints them as [pfAcceptance:lm#17])`);
  }
  return { suite, index: Number(index) };
}

/** Plays one path, printing each step and every request and answer as they happen (or, with --json, one object at the end). */
async function replay(o: VerifyOptions, target: Target, vfs: number | undefined, completionTimeoutMs: number | undefined): Promise<void> {
  const { suite, index } = parseReplay(o.replay ?? []);
  const exchanges: Array<{ step: number; request: Request; response: Response }> = [];
  let step = 0;
  const { runReplay } = await import('../../verify/replay.ts');
  const r: ReplayResult = await runReplay({
    target,
    profiles: o.profile,
    vfs,
    completionTimeoutMs,
    suite,
    index,
    onStep: (n, event) => {
      step = n;
      if (!o.json) console.log(`step ${n} ${event}`);
    },
    onExchange: (request, response) => {
      if (o.json) exchanges.push({ step, request, response });
      else console.log(`  ${exchangeText(request, response)}`);
    },
  });
  if (o.json) console.log(JSON.stringify({ ...r, exchanges }));
  else if (r.notRun !== undefined) console.log(`NOT RUN ${r.pathId}: ${r.notRun}`);
  else console.log(r.ok ? `PASS ${r.pathId}: ${r.path}` : formatFailure(r.failure as NonNullable<ReplayResult['failure']>).join('\n'));
  // as for a whole run: a known deviation is reported, not a failure
  process.exitCode = r.notRun !== undefined ? 2 : r.ok || r.failure?.deviation !== undefined ? 0 : 1;
}

function parseTarget(o: VerifyOptions): Target {
  const chosen = [o.adapter !== undefined, o.exec !== undefined, !!o.qemu].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('choose exactly one target: --adapter <module>, --exec "<command>" or --qemu');
  if (o.qemuBinary !== undefined && !o.qemu) throw new UsageError('--qemu-binary names the QEMU of --qemu; give --qemu too');
  const timeoutMs = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError(`--timeout ${o.timeout}: give milliseconds > 0`);
  if (o.adapter !== undefined) return { kind: 'adapter', module: o.adapter };
  if (o.exec !== undefined) return { kind: 'exec', command: o.exec, timeoutMs };
  // the environment's QEMU counts only where no --qemu-binary was given
  const binary = o.qemuBinary ?? (process.env.NVME_LM_QEMU || undefined);
  return binary === undefined ? { kind: 'qemu' } : { kind: 'qemu', binary };
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .summary('run the generated suites against another implementation (adapter, process, QEMU) or a recorded trace')
    .description(
      'Run the generated suites against an implementation that is not ours: a JS/TS adapter module, ' +
        'any program speaking the JSON-lines protocol (docs/protocol.md), or QEMU\'s NVMe device.\n' +
        'Or, with --trace, check a recorded protocol trace against the machines without running anything: ' +
        'it follows the queues as the device does (SQEs written at the SQ tail, doorbells, CQEs read with a new phase tag; ' +
        'submit requests too) and judges every LM command, guest I/O on a VF, FLR and PF enable/disable with the system machine.\n' +
        'Record one with --record FILE on any run (--adapter, --exec, --qemu).\n' +
        'Exit codes: 0 passed (known deviations allowed), 1 a path failed (--trace: a step the specification does not allow), ' +
        '2 usage or protocol error (--trace: nothing in the trace could be checked).',
    )
    .option('--adapter <module>', 'a module exporting createAdapter() (see README "Verify your implementation")')
    .option('--exec <command>', 'a program speaking the JSON-lines protocol on stdin/stdout')
    .option('--qemu', 'QEMU\'s NVMe controller with SR-IOV VFs through qtest (needs qemu-system-x86_64)')
    .option('--qemu-binary <path>', 'the qemu-system-x86_64 --qemu runs (default: $NVME_LM_QEMU, else the one on PATH); --profile tp4159 needs one whose nvme device has hmlms')
    .addOption(new Option('--profile <name...>', 'device profile(s) the implementation claims; default all (no-lm for --qemu)').choices([...PROFILES]))
    .option('--vfs <n>', `VFs reset asks for, 1 to ${MAX_VERIFY_VFS}: pfAcceptance is built for n VFs, the other suites run with max(n, the VFs they drive)`)
    .option('--timeout <ms>', 'how long to wait for each answer of an --exec implementation', '10000')
    .option('--completion-timeout <ms>', `how long the suites poll for a completion before deciding none came (drop policy, latched commands); default ${DEFAULT_COMPLETION_TIMEOUT_MS}, ${QEMU_COMPLETION_TIMEOUT_MS} for --qemu`)
    .option('--suite <id...>', 'run only these suites: an id from the table (vfLifecycle:lm:drop:deferred), its leading part (pfAcceptance, vfLifecycle:no-lm), or =id for that id alone (=tp4159Udmq)')
    .option('--replay <suite-and-index...>', 'play one path again from reset, printing every step, request and answer: the suite id and path index a failure prints ([pfAcceptance:lm#17] is --replay pfAcceptance:lm 17)')
    .option('--trace <file.jsonl>', 'check a recorded trace (request/answer pairs, one per line) against the machines')
    .option('--record <file.jsonl>', 'write the whole session to a trace file ({"request","response"} per line), to replay with --trace and share')
    .option('--sessions <n>', `suites played at once when an --exec implementation offers sessions (independent controllers in one program, docs/protocol.md), 1 to ${MAX_SESSIONS}; 1 plays one at a time; default ${DEFAULT_VERIFY_SESSIONS}`)
    .option('--json', 'print one JSON object: {"passed","failed","knownDeviations","suites","notExhibited","failures",...}')
    .addHelpText(
      'after',
      '\nExamples:\n  nvme-lm verify --exec "nvme-lm serve"\n  nvme-lm verify --exec "./my-controller --jsonl" --profile lm --json\n  nvme-lm verify --exec "./my-controller --jsonl" --profile lm --suite pfAcceptance\n  nvme-lm verify --qemu --vfs 2\n  nvme-lm verify --qemu --qemu-binary ./qemu-system-x86_64 --profile tp4159 --vfs 2\n  nvme-lm verify --exec "nvme-lm serve" --suite pfAcceptance --record session.jsonl\n  nvme-lm verify --exec "nvme-lm serve --mutant acceptLmOnVfQueue" --replay vfLifecycle:lm:reject:immediate 2\n  nvme-lm verify --trace session.jsonl',
    )
    .action(async (o: VerifyOptions) => {
      if (o.trace !== undefined) {
        if (o.adapter !== undefined || o.exec !== undefined || o.qemu) throw new UsageError('--trace checks a recorded file; do not also give a target');
        if (o.record !== undefined) throw new UsageError('--record writes the session of a run; --trace runs nothing');
        if (o.sessions !== undefined) throw new UsageError('--sessions applies to a run of the suites against an --exec program; --trace runs nothing');
        const { checkTraceFile, formatTraceCheck, traceExitCode } = await import('../../verify/traceCheck.ts');
        const r = await checkTraceFile(o.trace);
        console.log(o.json ? JSON.stringify(r) : formatTraceCheck(r));
        process.exitCode = traceExitCode(r);
        return;
      }
      const target = parseTarget(o);
      let vfs: number | undefined;
      if (o.vfs !== undefined) {
        vfs = Number(o.vfs);
        if (!Number.isInteger(vfs) || vfs < 1 || vfs > MAX_VERIFY_VFS) throw new UsageError(`--vfs ${o.vfs}: give a whole number from 1 to ${MAX_VERIFY_VFS}`);
      }
      const completionTimeoutMs = o.completionTimeout === undefined ? undefined : Number(o.completionTimeout);
      if (completionTimeoutMs !== undefined && !(completionTimeoutMs >= 0)) throw new UsageError(`--completion-timeout ${o.completionTimeout}: give milliseconds >= 0`);
      const sessions = o.sessions === undefined ? DEFAULT_VERIFY_SESSIONS : sessionCount(o.sessions);
      if (sessions === undefined) throw new UsageError(`--sessions ${o.sessions}: give a whole number from 1 to ${MAX_SESSIONS}`);
      if (o.sessions !== undefined && (target.kind !== 'exec' || o.replay !== undefined)) throw new UsageError('--sessions applies to a run of the suites against an --exec program; leave it out here');
      if (o.replay !== undefined) return replay(o, target, vfs, completionTimeoutMs);
      // before anything runs: a trace path that cannot be written is a usage error
      let record: TraceFile | undefined;
      try {
        record = o.record === undefined ? undefined : new TraceFile(o.record);
      } catch (e) {
        throw new UsageError(`--record: ${(e as Error).message}`);
      }
      // the run engine and the suites load only now, so --help starts fast
      const [{ runVerify }, { ProtocolError }] = await Promise.all([import('../../verify/run.ts'), import('../../target/errors.ts')]);
      const progress = await startProgress('verify', !o.json);
      let r: VerifyResult;
      try {
        r = await runVerify({
          record,
          target,
          profiles: o.profile,
          vfs,
          completionTimeoutMs,
          only: o.suite,
          sessions,
          onSuite: (s, done, total) => progress.update(`running ${s}`, done, total),
        });
      } catch (e) {
        if (e instanceof ProtocolError) {
          console.error(`nvme-lm verify: the implementation broke the protocol: ${e.message}`);
          process.exitCode = 2;
          return;
        }
        throw e;
      } finally {
        record?.close(); // closed with the target already; not when the run failed before opening it
        progress.stop();
      }
      const code = verifyExitCode(r);
      console.log(o.json ? JSON.stringify(r) : formatVerify(r, process.stdout.isTTY));
      if (code === 2) console.error(`nvme-lm verify: no requested profile is supported by ${r.target}`);
      process.exitCode = code;
    });
}
