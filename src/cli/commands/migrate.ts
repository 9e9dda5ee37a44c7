// `nvme-lm migrate`: live-migrate one VF between two emulated devices while a
// guest does I/O on it, optionally with faults injected at the migration's
// arcs, and report what the spec's rules say should hold (D1, D6, D7,
// D13-D15, D18, I7). `--matrix` runs every fault at every arc.
import type { Command } from 'commander';
import { ARCS, FAULT_ARCS, FAULT_NAMES } from '../../migrate/faults.ts';
import { MIGRATE_DEFAULTS, parseMigrateArgs } from '../../migrate/options.ts';
import { asksCross, runCross, type CrossCliOptions } from './migrateCross.ts';

interface MigrateCliOptions extends CrossCliOptions {
  vfs: string;
  vf: string;
  queues: string;
  io: string;
  seed: string;
  fault: string[];
  profile: string;
  matrix: boolean;
  json: boolean;
  storage: string;
  maxRounds: string;
  writeRate: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function faultHelp(): string {
  const arcs = ARCS.map((a) => `  ${a.id.padEnd(13)} ${a.side} ${a.from} -> ${a.to} (${a.does})`).join('\n');
  const faults = FAULT_NAMES.map((f) => `  ${f.padEnd(16)} at ${FAULT_ARCS[f].length === ARCS.length ? 'any arc' : FAULT_ARCS[f].join(', ')}`).join('\n');
  return `\nArcs (a fault "@arc" strikes just before the driver is asked for that arc):\n${arcs}\n\nFaults:\n${faults}\n`;
}

/** `--storage copy`: the scenario loads only now. */
async function storageCopy(opts: MigrateCliOptions): Promise<void> {
  if (opts.storage !== 'copy') throw new Error(`--storage "${opts.storage}" is not a mode: use shared or copy`);
  const options = parseMigrateArgs({ ...opts, fault: [] });
  if (options.profile !== 'tp4159') throw new Error('--storage copy needs --profile tp4159: only the standard\'s user data migration queue reports the changed ranges to copy');
  if (opts.matrix) throw new Error('--storage copy runs without --matrix; its faults are run one at a time with --fault (their table is in the README)');
  if (opts.fault.length > 1) throw new Error('--storage copy takes one --fault at a time');
  const { parseStorageFault } = await import('../../migrate/storageFaults.ts');
  const fault = opts.fault.length === 1 ? parseStorageFault(opts.fault[0]) : undefined;
  if (!/^[1-9][0-9]*$/.test(opts.maxRounds)) throw new Error(`--max-rounds "${opts.maxRounds}" is not a whole number from 1`);
  const { simulateStorageCopy } = await import('../../migrate/storageCopy.ts');
  const { formatStorageCopy, storageCopyJson } = await import('../../migrate/storageCopyFormat.ts');
  if (!/^(0|[1-9][0-9]*)$/.test(opts.writeRate)) throw new Error(`--write-rate "${opts.writeRate}" is not a whole percent from 0 to 100`);
  const writeRate = Number(opts.writeRate);
  const r = await simulateStorageCopy(options, { maxRounds: Number(opts.maxRounds), writeRate, ...(fault ? { fault } : {}) });
  console.log(opts.json ? JSON.stringify(storageCopyJson(r)) : formatStorageCopy(r, options, writeRate));
  process.exitCode = r.ok && (r.fault?.ok ?? true) ? 0 : 1;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .summary('live-migrate a VF between two emulated devices with I/O in flight, with fault injection')
    .description(
      'Live-migrate VF k between two emulated devices sharing one namespace while a guest runs I/O on it (commands in flight and ' +
        'doorbells latched at SUSPEND), through the host driver\'s VFIO arcs; inject faults; check that no I/O is lost or duplicated ' +
        'and every write reads back (D15), that other VFs are untouched (D14), that a refused LOAD changes nothing (D7), and that a ' +
        'called-off migration resumes the source (D6). On a device the driver refuses (no-lm, reserved, foreign) it says why, shows ' +
        'that no LM opcode was sent, and exits 1.\n' +
        'Exit codes: 0 every check held (a fault may rightly call the migration off), 1 a check failed or the driver refused the ' +
        'device, 2 bad input.',
    )
    .option('--vfs <n>', 'VFs per device', String(MIGRATE_DEFAULTS.vfs))
    .option('--vf <k>', 'the VF to migrate, 1-based (the NVMe VF index)', String(MIGRATE_DEFAULTS.vf))
    .option('--queues <q>', 'I/O queue pairs the guest uses (1-64)', String(MIGRATE_DEFAULTS.queues))
    .option('--io <count>', 'I/O commands in the guest\'s workload', String(MIGRATE_DEFAULTS.io))
    .option('--seed <s>', 'seed of the workload and the faults (timings aside, a seed gives the same run)', String(MIGRATE_DEFAULTS.seed))
    .option('--fault <name@arc>', 'inject a fault, repeatable (list below); one fault is also checked against the outcome the spec requires. With --storage copy: one of udmq-full, late-release, dsm-ranges, write-fail, event-lost, event-late, vf-flr, pf-reset (during pre-copy), dst-refuses', collect, [])
    .option('--profile <profile>', 'device profile: lm, no-lm, reserved, foreign, or tp4159 (the host driver then sends the standard\'s commands: Suspend, Get/Set Controller State, Resume, after the D21 guard)', MIGRATE_DEFAULTS.profile)
    .option('--storage <mode>', 'shared: both devices reach one namespace (D15); copy: each has its own, and the data moves with the user data migration queue (needs --profile tp4159; with --from/--to through each PF\'s I/O queues)', 'shared')
    .option('--max-rounds <n>', 'with --storage copy: copy rounds from the log after the bulk copy, at most', '8')
    .option('--from <impl>', 'with --profile tp4159: the source implementation, emulator or qemu (I15: Get State on one, Set State on the other)')
    .option('--to <impl>', 'with --profile tp4159: the destination implementation, emulator or qemu')
    .option('--qemu-binary <path>', 'the QEMU of a qemu end, built with host-managed live migration (default: $NVME_LM_QEMU)')
    .option('--write-rate <percent>', 'with --storage copy: percent of the guest\'s commands that change data (writes, Write Zeroes, deallocates; the rest read)', '60')
    .option('--matrix', 'run every fault at every arc where it can strike (on the --profile device; faults that do not apply to it are left out) and print the table (markdown, or JSON with --json)', false)
    .option('--json', 'print {"migrated","ioSubmitted","ioCompleted","lost","duplicated","dataErrors","savedBytes","downtimeUs","faults"}', false)
    .addHelpText(
      'after',
      faultHelp() +
        '\nExamples:\n' +
        '  $ nvme-lm migrate\n' +
        '  $ nvme-lm migrate --vfs 8 --vf 3 --queues 64 --io 4096 --json\n' +
        '  $ nvme-lm migrate --fault bit-flip@dst.load\n' +
        '  $ nvme-lm migrate --fault vf-flr-src@src.save --seed 7\n' +
        '  $ nvme-lm migrate --profile foreign\n' +
        '  $ nvme-lm migrate --profile tp4159 --fault wrong-version@dst.load\n' +
        '  $ nvme-lm migrate --profile tp4159 --storage copy --json\n' +
        '  $ nvme-lm migrate --profile tp4159 --storage copy --write-rate 90 --fault udmq-full\n' +
        '  $ nvme-lm migrate --profile tp4159 --from qemu --to emulator --qemu-binary ./qemu-system-x86_64 --vfs 2\n' +
        '  $ nvme-lm migrate --profile tp4159 --storage copy --from qemu --to qemu --qemu-binary ./qemu-system-x86_64\n' +
        '  $ nvme-lm migrate --matrix',
    )
    .action(async (opts: MigrateCliOptions, cmd: Command) => {
      if (asksCross(opts)) {
        await runCross(opts, parseMigrateArgs(opts), { matrix: opts.matrix, storage: opts.storage, ioGiven: cmd.getOptionValueSource('io') !== 'default' });
        return;
      }
      if (opts.storage !== 'shared') {
        await storageCopy(opts);
        return;
      }
      const options = parseMigrateArgs(opts);
      if (opts.matrix) {
        if (options.faults.length > 0) throw new Error('--matrix runs every fault at every arc; leave out --fault');
        const { matrixMarkdown, runFaultMatrix } = await import('../../migrate/matrix.ts');
        const rows = await runFaultMatrix({ vfs: options.vfs, vf: options.vf, queues: options.queues, io: options.io, seed: options.seed, profile: options.profile });
        const how = `--vfs ${options.vfs} --vf ${options.vf} --queues ${options.queues} --io ${options.io} --seed ${options.seed}`;
        console.log(opts.json ? JSON.stringify(rows) : matrixMarkdown(rows, `\`${how}\``));
        process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
        return;
      }
      // the scenario (emulator, guest, driver) loads only now
      const [{ simulateMigration }, { formatRefusal, formatSummary, migrateJson }] = await Promise.all([import('../../migrate/simulate.ts'), import('../../migrate/report.ts')]);
      const report = await simulateMigration(options);
      if (opts.json) {
        console.log(JSON.stringify(migrateJson(report)));
        if (report.refused) console.error(formatRefusal(report));
      } else {
        console.log(formatSummary(report));
      }
      process.exitCode = report.refused || !report.ok ? 1 : 0;
    });
}
