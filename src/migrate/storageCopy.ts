// `nvme-lm migrate --profile tp4159 --storage copy`: source and destination
// have their own namespaces, so the data moves too (tp4159 section 6, I10).
// The source driver enters PRE_COPY (a UDMQ logs the VF's changes); the host
// copies the whole namespace while the guest writes, then copies what the
// log reports, round after round, until the dirty set is small; then
// STOP_COPY suspends, drains the log to ESA 3 and takes the state; the host
// copies the last ranges (everything again if the log filled, D31), compares
// every block of the two namespaces, and the destination loads the state and
// resumes the guest. The host reads and writes the namespaces directly: it
// stands for the host's copy through each PF's own I/O queues.
import { RamNamespace } from '../emulator/namespace.ts';
import { MAX_IO_QUEUES } from '../emulator/options.ts';
import { NvmeLmHost } from '../host/driver.ts';
import type { LoggedRange } from '../host/userDataLog.ts';
import { MIG_PRE_COPY, MIG_STOP_COPY } from '../host/vfio/states.ts';
import { Guest } from './guest.ts';
import { Ledger, type IoCounters } from './ledger.ts';
import { resolveMigrateOptions, type MigrateOptions } from './options.ts';
import { Rng } from './rng.ts';
import { Side } from './side.ts';
import { BLOCK_SIZE } from './stamp.ts';
import { guestSliceEnd, Workload } from './workload.ts';

const GUEST_BASE = 0x4000_0000;
const GUEST_REGION = 0x400_0000;
/** Blocks per bulk-copy step; the guest runs between steps. */
const BULK_STEP = 2048;

export interface CopyOptions {
  /** copy rounds after the bulk copy, at most */
  maxRounds: number;
  /** stop the rounds once a round found at most this many dirty blocks */
  dirtyTarget: number;
  /** slots of the user data migration queue */
  logEntries: number;
}

export const COPY_DEFAULTS: Readonly<CopyOptions> = { maxRounds: 8, dirtyTarget: 64, logEntries: 128 };

export interface CopyRound {
  /** what the round copied: 'bulk', 'log' (ranges the log reported), 'full' (everything again: the log filled, D31), 'final' (after Suspend) */
  kind: 'bulk' | 'log' | 'full' | 'final';
  ranges: number;
  blocks: number;
  bytes: number;
}

export interface StorageCopyReport {
  migrated: boolean;
  ioSubmitted: number;
  ioCompleted: number;
  lost: number;
  duplicated: number;
  dataErrors: number;
  /** blocks whose bytes differ between the two namespaces at the moment of suspend, after the last copy */
  blocksDiffering: number;
  namespaceBlocks: number;
  blocksCopied: number;
  rounds: CopyRound[];
  /** the log ended with ESA 7 and the host copied everything again */
  logFilled: boolean;
  savedBytes: number;
  downtimeUs: number;
  /** VFs no guest uses whose state changed (D14 says none may) */
  idleChanged: string[];
  counters: IoCounters;
  ok: boolean;
}

/** Run one migration with storage copy; `copy` tunes the rounds. */
export async function simulateStorageCopy(partial: Partial<MigrateOptions> = {}, copy: Partial<CopyOptions> = {}): Promise<StorageCopyReport> {
  const o = resolveMigrateOptions({ ...partial, profile: 'tp4159' });
  if (o.faults.length > 0) throw new Error('--storage copy runs without --fault for now: the fault matrix covers the shared-namespace migration');
  const c: CopyOptions = { ...COPY_DEFAULTS, ...copy };
  const blocks = guestSliceEnd(o.vf); // only the migrating guest writes: the namespace ends with its slice
  const srcNs = new RamNamespace(blocks);
  const dstNs = new RamNamespace(blocks);
  const src = new Side('source', { vfs: o.vfs, profile: 'tp4159', maxIoQueuesPerVf: MAX_IO_QUEUES, namespace: srcNs, mutant: o.knobs?.sourceMutant });
  const dst = new Side('destination', { vfs: o.vfs, profile: 'tp4159', maxIoQueuesPerVf: MAX_IO_QUEUES, namespace: dstNs, mutant: o.knobs?.destinationMutant });
  const guest = new Guest(src.dev, o.vf, GUEST_BASE + (o.vf - 1) * GUEST_REGION, GUEST_REGION, new Ledger());
  const work = new Workload(guest, new Rng(o.seed).fork(1), o.io);
  guest.init(o.queues);
  const idle = [src.idleHashes([o.vf]), dst.idleHashes([o.vf])] as const;
  const flags = MIG_STOP_COPY | MIG_PRE_COPY;
  const srcHost = await NvmeLmHost.attach(src.host, { profile: 'tp4159', flags, logEntries: c.logEntries });
  const dstHost = await NvmeLmHost.attach(dst.host, { profile: 'tp4159', flags });
  const srcVf = srcHost.vf(o.vf - 1);
  const dstVf = dstHost.vf(o.vf - 1);
  const rounds: CopyRound[] = [];
  const copyRanges = (kind: CopyRound['kind'], ranges: readonly LoggedRange[]) => rounds.push(copyInto(kind, srcNs, dstNs, ranges));
  const everything: LoggedRange[] = [{ slba: 0n, blocks, deallocated: false }];
  const pendingRanges: LoggedRange[] = [];

  // the guest's pace: an eighth of its I/O before pre-copy, half during the bulk copy, a few per round, the rest on the destination
  const run = (n: number) => {
    work.submit(n);
    work.progress(src.dev);
  };
  run(Math.ceil(o.io / 8));
  const pre = await srcVf.setState('PRE_COPY');
  const log = pre.stream && 'dirtyLog' in pre.stream ? pre.stream.dirtyLog : undefined;
  if (!log) throw new Error('the tp4159 driver opened PRE_COPY without a user data log; storage copy needs one (tp4159 section 6)');
  const steps = Math.ceil(blocks / BULK_STEP);
  const perStep = Math.max(1, Math.round(o.io / 2 / steps));
  let bulk: CopyRound = { kind: 'bulk', ranges: 0, blocks: 0, bytes: 0 };
  let logFilled = false;
  for (let at = 0; at < blocks; at += BULK_STEP) {
    const r = copyInto('bulk', srcNs, dstNs, [{ slba: BigInt(at), blocks: Math.min(BULK_STEP, blocks - at), deallocated: false }]);
    bulk = { kind: 'bulk', ranges: bulk.ranges + 1, blocks: bulk.blocks + r.blocks, bytes: bulk.bytes + r.bytes };
    run(perStep);
    // the log is drained while the copy runs, so it does not fill; its ranges wait for the rounds
    const d = await log.drain();
    pendingRanges.push(...d.ranges);
    if (d.end === 'full') logFilled = true;
  }
  rounds.push(bulk);
  for (let round = 0; round < c.maxRounds && !logFilled; round++) {
    const d = await log.drain();
    if (d.end === 'full') logFilled = true;
    if (logFilled) break; // nothing is logged any more: the final copy takes everything
    copyRanges('log', [...pendingRanges.splice(0), ...d.ranges]);
    if (rounds[rounds.length - 1].blocks <= c.dirtyTarget) break;
    run(Math.max(1, o.queues));
  }
  run(o.queues); // in flight at Suspend: D22 completes the fetched ones before Suspend does
  const t0 = process.hrtime.bigint();
  await srcVf.setState('STOP_COPY');
  work.submit(o.queues); // latched doorbells, fetched on the destination (D11, D12)
  const final = await log.drain();
  if (final.end === 'full') logFilled = true;
  copyRanges(logFilled ? 'full' : 'final', logFilled ? everything : o.knobs?.skipFinalCopy ? [] : [...pendingRanges.splice(0), ...final.ranges]);
  const tc = process.hrtime.bigint();
  const blocksDiffering = differingBlocks(srcNs, dstNs, blocks);
  const checkNs = process.hrtime.bigint() - tc; // the comparison is the check's, not the migration's: off the clock
  const saved = await srcVf.saveStream!.readAll();
  guest.copyMemory(src.dev.memory, dst.dev.memory);
  await dstVf.setState('RESUMING');
  await dstVf.resumeStream!.write(saved);
  await dstVf.setState('STOP');
  await dstVf.setState('RUNNING');
  const downtimeUs = Number((process.hrtime.bigint() - t0 - checkNs) / 1000n);
  const migrated = dstVf.state === 'RUNNING' && dst.dev.inspect(o.vf).lmState === 'running';
  guest.moveTo(dst.dev);
  await srcVf.setState('STOP');
  work.finish(dst.dev);
  work.verify(dst.dev);
  const counters = guest.ledger.counters();
  const workload = guest.ledger.counters('workload');
  const blocksCopied = rounds.reduce((a, r) => a + r.blocks, 0);
  const idleChanged = ([src, dst] as const).flatMap((side, i) => [...idle[i]].filter(([fn, h]) => side.dev.functionHash(fn) !== h).map(([fn]) => `${side.name} VF ${fn}`));
  const ok = migrated && counters.lost === 0 && counters.duplicated === 0 && counters.dataErrors === 0 && blocksDiffering === 0 && workload.submitted === o.io && idleChanged.length === 0;
  return {
    migrated, idleChanged, ioSubmitted: workload.submitted, ioCompleted: workload.completed, lost: counters.lost, duplicated: counters.duplicated, dataErrors: counters.dataErrors,
    blocksDiffering, namespaceBlocks: blocks, blocksCopied, rounds, logFilled, savedBytes: saved.length, downtimeUs, counters, ok,
  };
}

/** Copy `ranges` from `from` to `to` (a deallocated range reads as zeros, so copying it zeroes the destination). */
function copyInto(kind: CopyRound['kind'], from: RamNamespace, to: RamNamespace, ranges: readonly LoggedRange[]): CopyRound {
  let blocks = 0;
  for (const r of ranges) {
    const slba = Number(r.slba);
    const buf = new Uint8Array(r.blocks * BLOCK_SIZE);
    from.read(slba, r.blocks, buf);
    to.write(slba, r.blocks, buf);
    blocks += r.blocks;
  }
  return { kind, ranges: ranges.length, blocks, bytes: blocks * BLOCK_SIZE };
}

/** Blocks whose bytes differ, every block compared (I10). */
function differingBlocks(a: RamNamespace, b: RamNamespace, blocks: number): number {
  let n = 0;
  const x = new Uint8Array(BULK_STEP * BLOCK_SIZE);
  const y = new Uint8Array(BULK_STEP * BLOCK_SIZE);
  for (let at = 0; at < blocks; at += BULK_STEP) {
    const count = Math.min(BULK_STEP, blocks - at);
    a.read(at, count, x);
    b.read(at, count, y);
    for (let i = 0; i < count; i++) {
      const o = i * BLOCK_SIZE;
      for (let j = 0; j < BLOCK_SIZE; j++) {
        if (x[o + j] !== y[o + j]) {
          n++;
          break;
        }
      }
    }
  }
  return n;
}

/** What `--storage copy --json` prints. */
export function storageCopyJson(r: StorageCopyReport) {
  const { counters: _counters, ...rest } = r;
  return rest;
}

export function formatStorageCopy(r: StorageCopyReport, o: { vf: number; queues: number; io: number; seed: number }): string {
  const MiB = (b: number) => `${(b / (1 << 20)).toFixed(2)} MiB`;
  const lines = [`nvme-lm migrate --storage copy: VF ${o.vf}, ${o.queues} I/O queue pair(s), ${o.io} I/O, seed ${o.seed}, profile tp4159`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(18)}${text}`);
  row('migrated', r.migrated ? 'yes' : 'no');
  row('downtime', `${r.downtimeUs} µs from Suspend on the source to Resume on the destination`);
  r.rounds.forEach((c, i) => row(i === 0 ? 'copy rounds' : '', `${c.kind.padEnd(6)} ${String(c.ranges).padStart(5)} range(s) ${String(c.blocks).padStart(8)} blocks ${MiB(c.bytes).padStart(11)}`));
  row('blocks copied', `${r.blocksCopied} of a ${r.namespaceBlocks}-block namespace (${(r.blocksCopied / r.namespaceBlocks).toFixed(3)}x)${r.logFilled ? '; the log filled (ESA 7, D31): everything copied again' : ''}`);
  row('saved state', `${r.savedBytes} bytes`);
  row('I/O', `${r.ioSubmitted} submitted, ${r.ioCompleted} completed, ${r.lost} lost, ${r.duplicated} duplicated, ${r.dataErrors} data errors`);
  row('other VFs', r.idleChanged.length ? `CHANGED: ${r.idleChanged.join(', ')} (D14)` : 'unchanged on both devices (D14)');
  row('namespaces', r.blocksDiffering === 0 ? `equal at Suspend: every one of ${r.namespaceBlocks} blocks compared (I10)` : `${r.blocksDiffering} block(s) DIFFER at Suspend (I10)`);
  lines.push(r.ok ? 'result: every check held' : 'result: FAILED, see above');
  return lines.join('\n');
}
