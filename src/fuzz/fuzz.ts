// The fuzzer: fast-check draws device options and step sequences, runs each
// on a fresh emulated device (sequence.ts), and on a failure shrinks it to a
// small sequence. The report carries the seed and the shrink path, so
// `--seed S --path P` replays exactly that case.
import fc from 'fast-check';
import type { Mutant } from '../emulator/options.ts';
import { fuzzCaseArb } from './arbitraries/sequence.ts';
import { describeStep } from './describe.ts';
import { runSequence } from './sequence.ts';
import type { FuzzDevice } from './steps.ts';

export { DEFAULT_MAX_STEPS, randomSeed } from './defaults.ts';
import { DEFAULT_MAX_STEPS, type FuzzProfile } from './defaults.ts';

interface FuzzOptions {
  runs: number;
  seed: number;
  /** replay one case: the path fast-check reported with this seed */
  path?: string;
  maxSteps?: number;
  /** run against a deliberately broken emulator (proves the fuzzer finds bugs) */
  mutant?: Mutant;
  /** which profiles: the vendor LM ones (default) or tp4159 */
  profile?: FuzzProfile;
  /** called after every run (shrinking runs included) with how many ran */
  onRun?: (runs: number) => void;
}

interface FuzzFailureReport {
  /** the rule broken (exception, I1-I4, memory, D1..D18, NVMe) */
  rule: string;
  message: string;
  path: string;
  shrinks: number;
  device: FuzzDevice;
  /** the shrunk sequence, one step per line */
  steps: string[];
  /** the commands the shrunk sequence sent and what came back, one per line */
  transcript: string[];
  /** CLI arguments that replay it */
  replay: string;
}

export interface FuzzReport {
  runs: number;
  failures: number;
  seed: number;
  commands: number;
  ms: number;
  failure?: FuzzFailureReport;
}


export function fuzz(o: FuzzOptions): FuzzReport {
  const maxSteps = o.maxSteps ?? DEFAULT_MAX_STEPS;
  let commands = 0;
  let calls = 0;
  const property = fc.property(fuzzCaseArb(maxSteps, o.mutant, o.profile), ([device, steps]) => {
    const r = runSequence(device, steps);
    commands += r.stats.commands;
    o.onRun?.(++calls);
    if (r.failure) throw r.failure;
  });
  const t0 = performance.now();
  const d = fc.check(property, { numRuns: o.runs, seed: o.seed, ...(o.path !== undefined ? { path: o.path } : {}) });
  const ms = Math.round(performance.now() - t0);
  const report: FuzzReport = { runs: d.numRuns, failures: d.failed ? 1 : 0, seed: d.seed, commands, ms };
  if (!d.failed) return report;
  const path = d.counterexamplePath ?? '';
  if (d.counterexample === null) throw new Error(`fast-check failed without a counterexample (seed ${d.seed}${o.path ? `, path ${o.path}` : ''}): check the --path`);
  const [device, steps] = d.counterexample[0];
  const replayed = replay(device, steps);
  const args = [`--seed ${d.seed}`, `--path ${path}`, ...(o.maxSteps !== undefined && o.maxSteps !== DEFAULT_MAX_STEPS ? [`--max-steps ${maxSteps}`] : []), ...(o.mutant ? [`--mutant ${o.mutant}`] : []), ...(o.profile && o.profile !== 'lm' ? [`--profile ${o.profile}`] : [])];
  report.failure = {
    ...replayed,
    path,
    shrinks: d.numShrinks,
    device,
    steps: steps.map(describeStep),
    replay: args.join(' '),
  };
  return report;
}

/** Run the shrunk case again, recording every command, to report it. */
function replay(device: FuzzDevice, steps: Parameters<typeof runSequence>[1]): { rule: string; message: string; transcript: string[] } {
  try {
    const r = runSequence(device, steps, true);
    if (r.failure) return { rule: r.failure.rule, message: r.failure.message, transcript: r.transcript };
    return { rule: 'replay', message: 'the shrunk case passed when run again: the emulator or the fuzzer is not deterministic', transcript: r.transcript };
  } catch (e) {
    return { rule: 'fuzzer', message: `the fuzzer itself threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}`, transcript: [] };
  }
}

/** The failure as text: the rule, the device, the shrunk steps, the commands, and how to replay. */
export function formatFailure(f: FuzzFailureReport, seed: number): string {
  const d = f.device;
  const opts = `vfs ${d.vfs}, profile ${d.profile}, strict ${d.strict}, vfQueuePolicy ${d.vfQueuePolicy}, ioCompletion ${d.ioCompletion}, maxIoQueuesPerVf ${d.maxIoQueuesPerVf}${d.mutant ? `, mutant ${d.mutant}` : ''}`;
  const tail = f.transcript.length > 80 ? ['  ...', ...f.transcript.slice(-80)] : f.transcript;
  return [
    `FAILED ${f.message}`,
    '',
    `device: ${opts}`,
    `shrunk sequence (${f.steps.length} step${f.steps.length === 1 ? '' : 's'}, after ${f.shrinks} shrinks):`,
    ...f.steps.map((s, i) => `  ${i}. ${s}`),
    '',
    'commands sent and completions seen:',
    ...tail,
    '',
    `seed ${seed}, path ${f.path}`,
    `replay: nvme-lm fuzz ${f.replay}`,
  ].join('\n');
}
