// `nvme-lm fuzz`: property-based fuzzing of the built-in emulated PF and VFs
// through its doorbells and host memory (src/fuzz). Exit 0 when every run
// holds, 1 with the shrunk failing sequence, 2 on bad input.
import { Option, type Command } from 'commander';
import pc from 'picocolors';
import { MUTANTS, type Mutant } from '../../emulator/options.ts';
import { DEFAULT_MAX_STEPS, FUZZ_PROFILES, randomSeed, type FuzzProfile } from '../../fuzz/defaults.ts';
import type { FuzzReport } from '../../fuzz/fuzz.ts';
import { UsageError } from '../usageError.ts';

export interface FuzzCommandOptions {
  runs?: string;
  seed?: string;
  path?: string;
  maxSteps?: string;
  mutant?: Mutant;
  profile?: FuzzProfile;
  json?: boolean;
}

export interface ParsedFuzzOptions {
  runs: number;
  seed: number;
  path?: string;
  maxSteps: number;
  mutant?: Mutant;
  profile?: FuzzProfile;
  json: boolean;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${text}: give a whole number from ${min} to ${max}`);
  return n;
}

/** Check the flags; a mistake is a UsageError (exit 2) that says what to type instead. */
export function parseFuzzOptions(o: FuzzCommandOptions): ParsedFuzzOptions {
  const runs = o.runs === undefined ? 1000 : wholeNumber('--runs', o.runs, 1, 100_000_000);
  const seed = o.seed === undefined ? randomSeed() : wholeNumber('--seed', o.seed, -0x8000_0000, 0x7fff_ffff);
  if (o.path !== undefined && !/^\d+(:\d+)*$/.test(o.path)) throw new UsageError(`--path ${o.path}: give the path a failed run printed, like 12:0:3`);
  if (o.path !== undefined && o.seed === undefined) throw new UsageError('--path replays a failure only together with its --seed: give both, as the failure report printed them');
  const maxSteps = o.maxSteps === undefined ? DEFAULT_MAX_STEPS : wholeNumber('--max-steps', o.maxSteps, 1, 500);
  return { runs, seed, maxSteps, json: o.json === true, ...(o.path !== undefined ? { path: o.path } : {}), ...(o.mutant ? { mutant: o.mutant } : {}), ...(o.profile && o.profile !== 'lm' ? { profile: o.profile } : {}) };
}

/** Runs the fuzzer, loaded only now (fast-check and the emulator are slow to load). */
async function runWithProgress(p: ParsedFuzzOptions, show: boolean): Promise<FuzzReport> {
  const { fuzz } = await import('../../fuzz/fuzz.ts');
  if (!show) return fuzz(p);
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'fuzz {bar} {value}/{total} runs | {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(p.runs, 0);
  try {
    // Runs past `runs` are shrinking a failure: the bar stays full.
    return fuzz({ ...p, onRun: (n) => n % 100 === 0 && bar.update(Math.min(n, p.runs)) });
  } finally {
    bar.stop();
  }
}

export function registerFuzz(program: Command): void {
  program
    .command('fuzz')
    .summary('fuzz the emulated PF and VFs with fast-check')
    .description(
      'Fuzz the built-in emulated NVMe PF and its VFs with fast-check: random and corrupted commands, LM commands ' +
        'with every VF index and reserved field, guest I/O, migrations with real and mutated images, FLRs and PF resets, ' +
        'on drawn device options. Every step checks: no exception, exactly one valid completion per command (I2), ' +
        'rejected commands change nothing (I3), isolation (I4), no host memory written outside the command\'s buffers. ' +
        '--profile tp4159 fuzzes the standard instead: its management commands with every field drawn, UDMQs with logging ' +
        'and One-Shot events, and migrations whose controller state is corrupted field by field (D19-D34, I9-I13).\n' +
        'Exit 0 when every run holds, 1 with the shrunk failing sequence, 2 on bad input.',
    )
    .option('--runs <n>', 'number of generated sequences', '1000')
    .option('--seed <s>', 'fast-check seed (default: a random one, printed)')
    .option('--path <p>', 'replay the failure a previous run printed (with its --seed)')
    .option('--max-steps <n>', `longest generated sequence (default ${DEFAULT_MAX_STEPS})`)
    .addOption(new Option('--profile <profile>', 'lm: the vendor LM profiles (lm, reserved, no-lm, foreign); tp4159: the standard\'s commands (Migration Send/Receive, CDQs, Track Send, Features 21h, One-Shot AERs) and corrupted controller states').choices([...FUZZ_PROFILES]).default('lm'))
    .addOption(new Option('--mutant <name>', 'fuzz a deliberately broken emulator (shows the fuzzer finds that bug)').choices([...MUTANTS]))
    .option('--json', 'print one JSON object: {"runs","failures","seed","commands","ms"} (and "failure" when one is found)')
    .addHelpText(
      'after',
      '\nExamples:\n  nvme-lm fuzz --runs 200000 --json\n  nvme-lm fuzz --runs 500 --mutant acceptLmOnVfQueue\n  nvme-lm fuzz --profile tp4159 --runs 200000\n  nvme-lm fuzz --seed 1234 --path 17:2:0   (replay a failure exactly as reported)',
    )
    .action(async (o: FuzzCommandOptions) => {
      const p = parseFuzzOptions(o);
      const r = await runWithProgress(p, !p.json && process.stderr.isTTY === true);
      if (p.json) {
        console.log(JSON.stringify(r));
      } else if (r.failure) {
        const { formatFailure } = await import('../../fuzz/fuzz.ts');
        console.log(pc.red(formatFailure(r.failure, r.seed)));
      } else {
        const rate = r.ms > 0 ? Math.round((r.commands / r.ms) * 1000) : r.commands;
        console.log(`${pc.green('OK')}  ${r.runs} runs, ${r.commands} commands (${rate}/s) in ${(r.ms / 1000).toFixed(1)} s, 0 failures; seed ${r.seed}`);
      }
      process.exitCode = r.failures === 0 ? 0 : 1;
    });
}
