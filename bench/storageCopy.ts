// Storage that is not shared (`migrate --profile tp4159 --storage copy`):
// downtime and bytes copied for pre-copy with the user data migration queue's
// log, against stop-and-copy of the whole namespace after Suspend (the 2025
// VFIO RFC's way), at three write rates, on the same namespace and workload.
// Ours: pre-copy; baseline: stop-and-copy. The headline figures are at the
// middle rate; details carry every rate and its ratios.
import { simulateStorageCopy, type StorageCopyReport } from '../src/migrate/storageCopy.ts';
import { check, median, result, type BenchResult } from './harness.ts';

export interface StorageConfig {
  rounds: number;
  /** guest I/O commands of each run */
  io: number;
  /** percent of the guest's commands that change data, low to high (three) */
  rates: readonly number[];
}

type Mode = 'pre-copy' | 'stop-and-copy';

async function once(mode: Mode, writeRate: number, io: number, seed: number): Promise<StorageCopyReport> {
  const r = await simulateStorageCopy({ vfs: 2, vf: 1, queues: 4, io, seed }, { mode, writeRate });
  check(r.ok && r.blocksDiffering === 0, `the ${mode} migration at ${writeRate}% changes did not end with equal namespaces and every check held (I10, D15)`);
  return r;
}

interface RateRow {
  writeRate: number;
  preCopyDowntimeUs: number;
  stopAndCopyDowntimeUs: number;
  downtimeRatio: number;
  preCopyBytes: number;
  stopAndCopyBytes: number;
  bytesRatio: number;
  finalCopyBytes: number;
}

async function measureRate(c: StorageConfig, rate: number): Promise<RateRow> {
  const pre: StorageCopyReport[] = [];
  const stop: StorageCopyReport[] = [];
  for (let i = 0; i < c.rounds; i++) {
    pre.push(await once('pre-copy', rate, c.io, i + 1));
    stop.push(await once('stop-and-copy', rate, c.io, i + 1));
  }
  const bytes = (r: StorageCopyReport) => r.rounds.reduce((a, x) => a + x.bytes, 0);
  const preDown = median(pre.map((r) => r.downtimeUs));
  const stopDown = median(stop.map((r) => r.downtimeUs));
  const preBytes = median(pre.map(bytes));
  const stopBytes = median(stop.map(bytes));
  return {
    writeRate: rate,
    preCopyDowntimeUs: preDown,
    stopAndCopyDowntimeUs: stopDown,
    downtimeRatio: stopDown / preDown,
    preCopyBytes: preBytes,
    stopAndCopyBytes: stopBytes,
    bytesRatio: stopBytes / preBytes,
    finalCopyBytes: median(pre.map((r) => r.rounds.at(-1)!.bytes)),
  };
}

export async function storageBenches(c: StorageConfig): Promise<BenchResult[]> {
  check(c.rates.length === 3, 'the storage benchmark compares three write rates');
  const rows: RateRow[] = [];
  for (const rate of c.rates) rows.push(await measureRate(c, rate));
  const mid = rows[1];
  const perRate = rows.map((r) => `${r.writeRate}%: downtime ${r.preCopyDowntimeUs} vs ${r.stopAndCopyDowntimeUs} us (${r.downtimeRatio.toFixed(1)}x), bytes ${r.preCopyBytes} vs ${r.stopAndCopyBytes} (${r.bytesRatio.toFixed(3)}x)`).join('; ');
  const how = `one ${(mid.stopAndCopyBytes / (1 << 20)).toFixed(0)} MiB namespace, ${c.io} guest commands, 4 queue pairs, median of ${c.rounds}`;
  return [
    result({
      name: 'storage.downtime_us',
      value: mid.preCopyDowntimeUs,
      unit: 'us',
      better: 'lower',
      baseline: { name: 'stop-and-copy of the whole namespace after Suspend', value: mid.stopAndCopyDowntimeUs },
      note: `Suspend on the source to Resume on the destination, with storage copy (tp4159), pre-copy with the UDMQ log against stop-and-copy, at ${mid.writeRate}% changes; ${how}; every rate: ${perRate}`,
      details: { rates: rows },
    }),
    result({
      name: 'storage.bytes_copied',
      value: mid.preCopyBytes,
      unit: 'bytes',
      better: 'lower',
      baseline: { name: 'stop-and-copy of the whole namespace after Suspend', value: mid.stopAndCopyBytes },
      note: `bytes the host copied in all, at ${mid.writeRate}% changes: pre-copy copies the namespace once while the guest runs plus what the log reported, so the ratio is below 1; what it buys is the downtime (storage.downtime_us); ${how}`,
      details: { rates: rows.map((r) => ({ writeRate: r.writeRate, preCopyBytes: r.preCopyBytes, stopAndCopyBytes: r.stopAndCopyBytes, bytesRatio: r.bytesRatio, finalCopyBytes: r.finalCopyBytes })) },
    }),
  ];
}
