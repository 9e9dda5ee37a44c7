// Timing and result shape shared by every benchmark. Ours and the baseline
// are timed in the same process, interleaved round by round (A B A B ...), so
// drift (turbo, GC, a noisy neighbour) hits both alike; each reports the
// median of its rounds after untimed warm-up calls.
//
// The clock is this process's CPU time (user + system) by default: every
// measured loop is single-threaded and CPU-bound, so on a quiet machine it
// equals wall time, and on a shared one (load above the core count) it still
// measures the work instead of the scheduler. `--clock wall` uses wall time.
import { cpus, loadavg } from 'node:os';

/** One line of bench/results.json. */
export interface BenchResult {
  /** stable name, e.g. `explorer.system6.states_per_s` */
  name: string;
  /** our figure, in `unit` */
  value: number;
  unit: string;
  /** which way is better for `value` and `baseline.value` */
  better: 'higher' | 'lower';
  /** what ours is compared with, measured in the same run, in the same unit */
  baseline: { name: string; value: number };
  /** how many times better ours is: value / baseline when higher is better, baseline / value when lower is */
  ratio: number;
  /** the project's target for this entry, in words, and whether this run met it */
  target?: string;
  met?: boolean;
  /** anything a reader needs to judge the figure (caps, what the baseline is) */
  note?: string;
  /** supporting figures (state counts, tables) */
  details?: Record<string, unknown>;
}

export interface BenchReport {
  /** cpu model, core count, node version */
  machine: string;
  /** smoke mode: tiny sizes, for checking the harness, not for reading figures */
  smoke: boolean;
  /** what the times are: this process's CPU time (default) or wall time */
  clock: Clock;
  /** 1-minute load average when the run started and ended: above the core count, other work shared the cpus */
  loadAverage: { start: number; end: number };
  results: BenchResult[];
}

export interface Rounds {
  /** untimed calls before timing (JIT, caches) */
  warmup: number;
  /** timed calls; the median is reported */
  rounds: number;
}

export function machineInfo(): string {
  const list = cpus();
  const model = list[0]?.model.trim() || 'unknown cpu';
  return `${model}, ${list.length} cores, node ${process.version}`;
}

export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples: give rounds >= 1');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export type Clock = 'cpu' | 'wall';
let clock: Clock = 'cpu';

export function setClock(c: Clock): void {
  clock = c;
}

export function currentClock(): Clock {
  return clock;
}

/** Milliseconds on the chosen clock (an arbitrary origin: only differences mean anything). */
export function nowMs(): number {
  if (clock === 'wall') return Number(process.hrtime.bigint()) / 1e6;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Milliseconds `fn` takes, once. */
export function timeOnce(fn: () => void): number {
  const t0 = nowMs();
  fn();
  return nowMs() - t0;
}

export async function timeOnceAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = nowMs();
  await fn();
  return nowMs() - t0;
}

/** Median milliseconds per call of each task, the tasks interleaved round by round. */
export function sideBySide(tasks: readonly (() => void)[], r: Rounds): number[] {
  for (let i = 0; i < r.warmup; i++) for (const t of tasks) t();
  const samples = tasks.map((): number[] => []);
  for (let i = 0; i < r.rounds; i++) tasks.forEach((t, k) => samples[k].push(timeOnce(t)));
  return samples.map(median);
}

/** A result with its ratio computed the one way the report explains. */
export function result(r: Omit<BenchResult, 'ratio' | 'met'> & { meets?: (value: number, ratio: number) => boolean }): BenchResult {
  const { meets, ...rest } = r;
  const ratio = r.better === 'higher' ? r.value / r.baseline.value : r.baseline.value / r.value;
  const out: BenchResult = { ...rest, ratio };
  if (meets) out.met = meets(r.value, ratio);
  return out;
}

/** Fails loudly: a benchmark that measured something other than what it claims must not print a figure. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark sanity check failed: ${message}`);
}
