// Migration downtime: the host-side migrate simulation (src/migrate:
// two emulated devices, host drivers, a guest with I/O in flight) measures
// the time from SUSPEND on the source to RESUME on the destination, less its
// own bookkeeping. Ours: the guest uses 64 I/O queue pairs (the largest
// migration data); baseline: the same migration with 1 queue pair.
import type { MigrationReport } from '../src/migrate/report.ts';
import { simulateMigration } from '../src/migrate/simulate.ts';
import { check, median, result, type BenchResult } from './harness.ts';

export interface MigrateConfig {
  warmup: number;
  rounds: number;
  /** I/O queue pairs of the measured migration */
  queues: number;
  /** guest I/O commands of each run */
  io: number;
}

async function migrateOnce(queues: number, io: number, seed: number): Promise<MigrationReport> {
  const r = await simulateMigration({ vfs: 2, vf: 1, queues, io, seed });
  check(r.migrated && r.ok, `the ${queues}-queue migration did not complete cleanly (${r.failureMessage ?? r.calledOffReason ?? 'a check failed'})`);
  check(r.lost === 0 && r.duplicated === 0 && r.dataErrors === 0, `the ${queues}-queue migration lost or repeated I/O (D15)`);
  return r;
}

export async function migrateBenches(c: MigrateConfig): Promise<BenchResult[]> {
  for (let i = 0; i < c.warmup; i++) {
    await migrateOnce(c.queues, c.io, i + 1);
    await migrateOnce(1, c.io, i + 1);
  }
  const many: MigrationReport[] = [];
  const one: MigrationReport[] = [];
  for (let i = 0; i < c.rounds; i++) {
    many.push(await migrateOnce(c.queues, c.io, i + 1));
    one.push(await migrateOnce(1, c.io, i + 1));
  }
  const inFlight = many.map((r) => r.inFlightAtSuspend + r.latchedAtSuspend);
  check(inFlight.every((n) => n > 0), 'no command was in flight or latched at SUSPEND; the measurement would not cover a drain');
  return [
    result({
      name: 'migrate.downtime_us',
      value: median(many.map((r) => r.downtimeUs)),
      unit: 'us',
      better: 'lower',
      baseline: { name: 'the same migration with 1 I/O queue pair', value: median(one.map((r) => r.downtimeUs)) },
      note:
        `SUSPEND on the source to RESUME on the destination, on the simulation's own wall clock (its bookkeeping excluded; ` +
        'not the bench clock, so a loaded machine inflates it), ' +
        `${c.queues} I/O queue pairs, ${c.io} guest commands, commands in flight or latched at SUSPEND: ${inFlight.join(', ')}; ` +
        `saved data ${many[0].savedBytes} bytes vs ${one[0].savedBytes}; median of ${c.rounds}; the ratio (< 1) is what 64 queues cost`,
      details: { savedBytes: many[0].savedBytes, baselineSavedBytes: one[0].savedBytes, inFlightAtSuspend: inFlight },
    }),
  ];
}
