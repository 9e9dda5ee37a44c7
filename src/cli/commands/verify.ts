// `nvme-lm verify`: run the generated suites against an implementation that
// is not ours. Exit 0 all passed (known deviations allowed), 1 a path failed,
// 2 usage error, protocol-level misbehaviour, or no requested profile supported.
import { Option, type Command } from 'commander';
import pc from 'picocolors';
import { PROFILES, type Profile } from '../../target/adapter.ts';
import type { VerifyResult } from '../../verify/run.ts';
import { DEFAULT_COMPLETION_TIMEOUT_MS, MAX_VERIFY_VFS, QEMU_COMPLETION_TIMEOUT_MS } from '../../verify/verifyLimits.ts';
import type { Target } from '../../verify/targets.ts';
import { startProgress } from '../progress.ts';
import { UsageError } from '../usageError.ts';

export interface VerifyOptions {
  adapter?: string;
  exec?: string;
  qemu?: boolean;
  profile?: Profile[];
  vfs?: string;
  json?: boolean;
  trace?: string;
  timeout?: string;
  completionTimeout?: string;
  suite?: string[];
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
  for (const f of r.failures) {
    out.push(f.deviation ? warn(`KNOWN DEVIATION ${f.deviation.id} in ${f.suite}: ${f.path}`) : bad(`FAIL ${f.suite}: ${f.path}`));
    out.push(`  step ${f.step} ${f.event}`, `  expected ${f.expected}`, `  observed ${f.observed}`);
    if (f.deviation) out.push(`  specification: ${f.deviation.specification}`, `  implementation: ${f.deviation.implementation}`);
  }
  if (r.unsupportedProfiles.length) out.push(warn(`unsupported profiles: ${r.unsupportedProfiles.join(', ')}`));
  out.push(`${r.failed ? bad(`${r.failed} failed`) : ok('0 failed')}, ${r.passed} passed, ${r.knownDeviations} known deviations (${r.paths} paths, ${r.steps} steps, ${(r.ms / 1000).toFixed(1)} s)`);
  return out.join('\n');
}

/** 2 when no requested profile is supported, else 1 when a path failed (known deviations are not failures), else 0. */
export function verifyExitCode(r: VerifyResult): 0 | 1 | 2 {
  if (r.suites.length > 0 && r.suites.every((s) => s.unsupported !== undefined)) return 2;
  return r.failed > 0 ? 1 : 0;
}

function parseTarget(o: VerifyOptions): Target {
  const chosen = [o.adapter !== undefined, o.exec !== undefined, !!o.qemu].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('choose exactly one target: --adapter <module>, --exec "<command>" or --qemu');
  const timeoutMs = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError(`--timeout ${o.timeout}: give milliseconds > 0`);
  if (o.adapter !== undefined) return { kind: 'adapter', module: o.adapter };
  if (o.exec !== undefined) return { kind: 'exec', command: o.exec, timeoutMs };
  return { kind: 'qemu' };
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .summary('run the generated suites against another implementation (adapter, process, QEMU) or a recorded trace')
    .description(
      'Run the generated suites against an implementation that is not ours: a JS/TS adapter module, ' +
        'any program speaking the JSON-lines protocol (docs/protocol.md), or QEMU\'s NVMe device.\n' +
        'Or, with --trace, check a recorded protocol trace against the machines without running anything.\n' +
        'Exit codes: 0 passed (known deviations allowed), 1 a path failed, 2 usage or protocol error.',
    )
    .option('--adapter <module>', 'a module exporting createAdapter() (see README "Verify your implementation")')
    .option('--exec <command>', 'a program speaking the JSON-lines protocol on stdin/stdout')
    .option('--qemu', 'QEMU\'s NVMe controller with SR-IOV VFs through qtest (needs qemu-system-x86_64)')
    .addOption(new Option('--profile <name...>', 'device profile(s) the implementation claims; default all (no-lm for --qemu)').choices([...PROFILES]))
    .option('--vfs <n>', `VFs reset asks for, 1 to ${MAX_VERIFY_VFS}: pfAcceptance is built for n VFs, the other suites run with max(n, the VFs they drive)`)
    .option('--timeout <ms>', 'how long to wait for each answer of an --exec implementation', '10000')
    .option('--completion-timeout <ms>', `how long the suites poll for a completion before deciding none came (drop policy, latched commands); default ${DEFAULT_COMPLETION_TIMEOUT_MS}, ${QEMU_COMPLETION_TIMEOUT_MS} for --qemu`)
    .option('--suite <id...>', 'run only these suites: an id from the table (vfLifecycle:lm:drop:deferred) or its leading part (pfAcceptance, vfLifecycle:no-lm)')
    .option('--trace <file.jsonl>', 'check a recorded trace (request/answer pairs, one per line) against the machines')
    .option('--json', 'print one JSON object: {"passed","failed","knownDeviations","suites","notExhibited","failures",...}')
    .addHelpText(
      'after',
      '\nExamples:\n  nvme-lm verify --exec "nvme-lm serve"\n  nvme-lm verify --exec "./my-controller --jsonl" --profile lm --json\n  nvme-lm verify --exec "./my-controller --jsonl" --profile lm --suite pfAcceptance\n  nvme-lm verify --qemu --vfs 2\n  nvme-lm verify --trace session.jsonl',
    )
    .action(async (o: VerifyOptions) => {
      if (o.trace !== undefined) {
        if (o.adapter !== undefined || o.exec !== undefined || o.qemu) throw new UsageError('--trace checks a recorded file; do not also give a target');
        const { checkTraceFile, formatTraceCheck } = await import('../../verify/traceCheck.ts');
        const r = await checkTraceFile(o.trace);
        console.log(o.json ? JSON.stringify(r) : formatTraceCheck(r));
        process.exitCode = r.ok ? 0 : 1;
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
      // the run engine and the suites load only now, so --help starts fast
      const [{ runVerify }, { ProtocolError }] = await Promise.all([import('../../verify/run.ts'), import('../../target/errors.ts')]);
      const progress = await startProgress('verify', !o.json);
      let r: VerifyResult;
      try {
        r = await runVerify({
          target,
          profiles: o.profile,
          vfs,
          completionTimeoutMs,
          only: o.suite,
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
        progress.stop();
      }
      const code = verifyExitCode(r);
      console.log(o.json ? JSON.stringify(r) : formatVerify(r, process.stdout.isTTY));
      if (code === 2) console.error(`nvme-lm verify: no requested profile is supported by ${r.target}`);
      process.exitCode = code;
    });
}
