// Every benchmark, in one order, with the sizes of a full run and of the
// smoke run the test uses (tiny sizes: it checks the harness, not speed).
import { checkBenches, type CheckConfig } from './check.ts';
import { emulatorBenches, type EmulatorConfig } from './emulator.ts';
import { explorerBenches, type ExplorerConfig } from './explorer.ts';
import { currentClock, loadAverage, machineInfo, type BenchReport, type BenchResult } from './harness.ts';
import { migrateBenches, type MigrateConfig } from './migrate.ts';
import { pathsBenches, type PathsConfig } from './paths.ts';
import { storageBenches, type StorageConfig } from './storageCopy.ts';
import { verifyBenches, type VerifyConfig } from './verify.ts';

/** The entries every run must produce, in this order. */
export const REQUIRED_ENTRIES = [
  'explorer.system6.states_per_s',
  'explorer.system8.seconds',
  'explorer.scaling',
  'paths.trie_vs_naive.steps_ratio',
  'paths.trie_vs_naive.time_ratio',
  'emulator.admin_cmds_per_s',
  'emulator.io_cmds_per_s',
  'emulator.save_load.bytes_per_s',
  'migrate.downtime_us',
  'storage.downtime_us',
  'storage.bytes_copied',
  'verify.exec_steps_per_s',
  'verify.exec_one_session_steps_per_s',
  'verify.exec_no_work_steps_per_s',
  'verify.exec_snapshots_s',
  'verify.exec_round_trip_us',
  'check.cpu_s',
  'cli.help_cpu_s',
] as const;

interface BenchConfig {
  explorer: ExplorerConfig;
  paths: PathsConfig;
  emulator: EmulatorConfig;
  migrate: MigrateConfig;
  storage: StorageConfig;
  verify: VerifyConfig;
  check: CheckConfig;
}

/** Sized for the whole run to take about 5 minutes on 2 idle cores. */
export const FULL: BenchConfig = {
  explorer: { compareVfs: 6, baselineCapMs: 6_000, baselineRounds: 3, fullVfs: 8, fullRounds: 3, rounds: 3, baselineFullUpTo: 4 },
  paths: { rounds: 3, warmupPaths: 40 },
  emulator: { warmup: 2, rounds: 7, adminCommands: 600_000, ioCommands: 200_000, saveLoads: 20_000 },
  migrate: { warmup: 1, rounds: 5, queues: 64, io: 4096 },
  storage: { rounds: 3, io: 1024, rates: [10, 50, 90] },
  // every lm and no-lm path over the process boundary (the full replay the tests sample)
  verify: { rounds: 3, profiles: ['lm', 'no-lm'], suites: [], loneReads: 20_000 },
  // three of each, in turn: one run of a noisy machine's slow phase is not the figure (the check alone is about 9 s of CPU)
  check: { rounds: 3, helpRounds: 3, check: ['check'], baseline: ['check', '--no-suites'] },
};

export const SMOKE: BenchConfig = {
  explorer: { compareVfs: 3, baselineCapMs: 50, baselineRounds: 1, fullVfs: 3, fullRounds: 1, rounds: 1, baselineFullUpTo: 2 },
  paths: { rounds: 1, warmupPaths: 2, suiteLimit: 2, pathLimit: 20 },
  emulator: { warmup: 1, rounds: 1, adminCommands: 300, ioCommands: 100, saveLoads: 10 },
  migrate: { warmup: 0, rounds: 1, queues: 4, io: 64 },
  storage: { rounds: 1, io: 64, rates: [10, 50, 90] },
  verify: { rounds: 1, profiles: ['no-lm'], suites: ['pfAcceptance'], loneReads: 1000 },
  // the shape of the measurement only: a whole check takes many seconds
  check: { rounds: 1, helpRounds: 1, check: ['check', '--help'], baseline: ['--version'] },
};

export type Group = 'explorer' | 'paths' | 'emulator' | 'migrate' | 'storage' | 'verify' | 'check';
export const GROUPS: readonly Group[] = ['explorer', 'paths', 'emulator', 'migrate', 'storage', 'verify', 'check'];

export async function runBenches(config: BenchConfig, o: { smoke: boolean; groups?: readonly Group[]; log?: (line: string) => void }): Promise<BenchReport> {
  const groups = o.groups ?? GROUPS;
  const loadAtStart = loadAverage();
  const log = o.log ?? (() => {});
  const results: BenchResult[] = [];
  const step = async (g: Group, run: () => BenchResult[] | Promise<BenchResult[]>): Promise<void> => {
    if (!groups.includes(g)) return;
    const t0 = performance.now();
    log(`${g}: running`);
    results.push(...(await run()));
    log(`${g}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await step('explorer', () => explorerBenches(config.explorer));
  await step('paths', () => pathsBenches(config.paths));
  await step('emulator', () => emulatorBenches(config.emulator));
  await step('migrate', () => migrateBenches(config.migrate));
  await step('storage', () => storageBenches(config.storage));
  await step('verify', () => verifyBenches(config.verify));
  await step('check', () => checkBenches(config.check));
  return { machine: machineInfo(), smoke: o.smoke, clock: currentClock(), loadAverage: { start: loadAtStart, end: loadAverage() }, results };
}
