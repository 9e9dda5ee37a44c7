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
import type { Drained, LoggedRange, UserDataLog } from '../host/userDataLog.ts';
import type { VfioMigration } from '../host/vfio/migration.ts';
import { MIG_PRE_COPY, MIG_STOP_COPY } from '../host/vfio/states.ts';
import { Guest } from './guest.ts';
import { Ledger, type IoCounters, type IoKind } from './ledger.ts';
import { resolveMigrateOptions, type MigrateOptions } from './options.ts';
import { Rng } from './rng.ts';
import { Side } from './side.ts';
import { BLOCK_SIZE } from './stamp.ts';
import type { MigrationReport } from './report.ts';
import { STORAGE_FAULTS, storageFaultRow, type StorageFaultName, type StorageFaultRow } from './storageFaults.ts';
import { GUEST_EXTENTS, guestSliceEnd, Workload } from './workload.ts';

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
  /** percent of the guest's commands that change data: writes, Write Zeroes and deallocates (D30); the rest read */
  writeRate: number;
  /** ranges each deallocate names (1 to 4) */
  dsmRanges: number;
  /** the 8-block extents of its slice the guest works on (1 to 1024) */
  workingSet: number;
  /** pre-copy: bulk copy and log rounds while the guest runs; stop-and-copy: no log, the whole namespace copied after Suspend (the 2025 RFC's way) */
  mode: 'pre-copy' | 'stop-and-copy';
  /** the bulk copy's order: from LBA 0 up, or from the end down (the guest's slice, at the end, first) */
  bulkOrder: 'ascending' | 'descending';
  /** a fault that strikes during pre-copy (storageFaults.ts) */
  fault?: StorageFaultName;
  /** set by the fault */
  releaseLate?: boolean;
  failOneWrite?: boolean;
}

export const COPY_DEFAULTS: Readonly<CopyOptions> = { maxRounds: 8, dirtyTarget: 64, logEntries: 128, writeRate: 60, dsmRanges: 1, workingSet: GUEST_EXTENTS, bulkOrder: 'ascending', mode: 'pre-copy' };

/** What the guest changed and what the log reported, by kind (D30). */
export interface ChangeCounts {
  /** guest commands that completed successfully, by kind */
  writes: number;
  zeroes: number;
  deallocates: number;
  /** ranges the log reported: data (Write, Write Zeroes) and deallocated (DLBA) */
  loggedData: number;
  loggedDeallocated: number;
}

export interface CopyRound {
  /** what the round copied: 'bulk', 'log' (ranges the log reported), 'full' (everything again: the log filled, D31), 'final' (after Suspend) */
  kind: 'bulk' | 'log' | 'full' | 'final';
  ranges: number;
  blocks: number;
  bytes: number;
}

/** The I/O ledger's counts as the shared-namespace report has them, and the copy's own. */
export interface StorageCopyReport extends Pick<MigrationReport, 'migrated' | 'ioSubmitted' | 'ioCompleted' | 'lost' | 'duplicated' | 'dataErrors' | 'savedBytes'> {
  /** blocks whose bytes differ between the two namespaces at the moment of suspend, after the last copy */
  blocksDiffering: number;
  namespaceBlocks: number;
  blocksCopied: number;
  rounds: CopyRound[];
  /** the log ended with ESA 7 and the host copied everything again */
  logFilled: boolean;
  changes: ChangeCounts;
  /** guest writes that failed as the write-fail fault meant them to */
  failedWrites: { slba: number; sct: number; sc: number }[];
  /** the fault's row: its required outcome and what happened */
  fault?: StorageFaultRow;
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
  const c: CopyOptions = { ...COPY_DEFAULTS, ...copy, ...(copy.fault ? STORAGE_FAULTS[copy.fault].setup : {}) };
  if (!Number.isInteger(c.writeRate) || c.writeRate < 0 || c.writeRate > 100) throw new Error(`--write-rate ${c.writeRate} is out of range: give a whole percent from 0 to 100`);
  if (!Number.isInteger(c.workingSet) || c.workingSet < 1 || c.workingSet > GUEST_EXTENTS) throw new Error(`the guest's working set is 1 to ${GUEST_EXTENTS} extents, got ${c.workingSet}`);
  if (!Number.isInteger(c.dsmRanges) || c.dsmRanges < 1 || c.dsmRanges > 4) throw new Error(`a deallocate names 1 to 4 ranges, got ${c.dsmRanges}`);
  const r = await new StorageCopyRun(o, c).run();
  return c.fault ? { ...r, fault: storageFaultRow(c.fault, r) } : r;
}

class StorageCopyRun {
  /** only the migrating guest writes: the namespace ends with its slice */
  private readonly blocks: number;
  private readonly srcNs: RamNamespace;
  private readonly dstNs: RamNamespace;
  private readonly src: Side;
  private readonly dst: Side;
  private readonly guest: Guest;
  private readonly work: Workload;
  private readonly rounds: CopyRound[] = [];
  /** ranges drained during the bulk copy, copied by the first round */
  private readonly pending: LoggedRange[] = [];
  private logFilled = false;
  private loggedData = 0;
  private loggedDeallocated = 0;

  constructor(
    private readonly o: MigrateOptions,
    private readonly c: CopyOptions,
  ) {
    this.blocks = guestSliceEnd(o.vf);
    this.srcNs = new RamNamespace(this.blocks);
    this.dstNs = new RamNamespace(this.blocks);
    this.src = new Side('source', { vfs: o.vfs, profile: 'tp4159', maxIoQueuesPerVf: MAX_IO_QUEUES, namespace: this.srcNs, mutant: o.knobs?.sourceMutant });
    this.dst = new Side('destination', { vfs: o.vfs, profile: 'tp4159', maxIoQueuesPerVf: MAX_IO_QUEUES, namespace: this.dstNs, mutant: o.knobs?.destinationMutant });
    this.guest = new Guest(this.src.dev, o.vf, GUEST_BASE + (o.vf - 1) * GUEST_REGION, GUEST_REGION, new Ledger());
    this.work = new Workload(this.guest, new Rng(o.seed).fork(1), o.io, { rate: c.writeRate / 100, dsmRanges: c.dsmRanges, extents: c.workingSet });
  }

  async run(): Promise<StorageCopyReport> {
    const o = this.o;
    this.guest.init(o.queues);
    const idle = [this.src.idleHashes([o.vf]), this.dst.idleHashes([o.vf])] as const;
    const preCopy = this.c.mode === 'pre-copy';
    const flags = preCopy ? MIG_STOP_COPY | MIG_PRE_COPY : MIG_STOP_COPY;
    const srcVf = (await NvmeLmHost.attach(this.src.host, { profile: 'tp4159', flags, logEntries: this.c.logEntries })).vf(o.vf - 1);
    const dstVf = (await NvmeLmHost.attach(this.dst.host, { profile: 'tp4159', flags })).vf(o.vf - 1);
    // the guest's pace: an eighth of its I/O before pre-copy, half during the bulk copy, a few per round, the rest on the destination
    this.guestRuns(Math.ceil(o.io / 8));
    const log = preCopy ? await this.preCopy(srcVf) : undefined;
    if (!log) this.guestRuns(Math.ceil(o.io / 2)); // stop-and-copy: the same I/O runs while nothing is copied
    this.guestRuns(o.queues); // in flight at Suspend: D22 completes the fetched ones before Suspend does
    const t0 = process.hrtime.bigint();
    await srcVf.setState('STOP_COPY');
    // no guest doorbell now: the hypervisor stops the vCPUs before PRE_COPY -> STOP_COPY, whose Get State already holds every tail (a doorbell rung after it would be lost)
    if (log) await this.finalCopy(log);
    else this.rounds.push(copyInto('full', this.srcNs, this.dstNs, [{ slba: 0n, blocks: this.blocks, deallocated: false }]));
    const tc = process.hrtime.bigint();
    const blocksDiffering = differingBlocks(this.srcNs, this.dstNs, this.blocks);
    const checkNs = process.hrtime.bigint() - tc; // the comparison is the check's, not the migration's: off the clock
    const saved = await srcVf.saveStream!.readAll();
    this.guest.copyMemory(this.src.dev.memory, this.dst.dev.memory);
    await dstVf.setState('RESUMING');
    await dstVf.resumeStream!.write(saved);
    await dstVf.setState('RUNNING');
    const downtimeUs = Number((process.hrtime.bigint() - t0 - checkNs) / 1000n);
    const migrated = dstVf.state === 'RUNNING' && this.dst.dev.inspect(o.vf).lmState === 'running';
    this.guest.moveTo(this.dst.dev);
    await srcVf.setState('STOP');
    this.work.finish(this.dst.dev);
    this.work.verify(this.dst.dev);
    const idleChanged = ([this.src, this.dst] as const).flatMap((side, i) => [...idle[i]].filter(([fn, h]) => side.dev.functionHash(fn) !== h).map(([fn]) => `${side.name} VF ${fn}`));
    return this.report(migrated, blocksDiffering, saved.length, downtimeUs, idleChanged);
  }

  /** RUNNING -> PRE_COPY (a UDMQ logs the VF's changes), the bulk copy and the rounds; the log, for the final copy. */
  private async preCopy(srcVf: VfioMigration): Promise<UserDataLog> {
    const pre = await srcVf.setState('PRE_COPY');
    const log = pre.stream && 'dirtyLog' in pre.stream ? pre.stream.dirtyLog : undefined;
    if (!log) throw new Error('the tp4159 driver opened PRE_COPY without a user data log; storage copy needs one (tp4159 section 6)');
    log.releaseLate = this.c.releaseLate === true;
    if (this.c.failOneWrite) this.work.failOneWrite();
    await this.bulkCopy(log);
    await this.copyRounds(log);
    return log;
  }

  private guestRuns(n: number): void {
    this.work.submit(n);
    this.work.progress(this.src.dev);
  }

  /** The whole namespace, a step at a time while the guest writes; the log is drained as the copy runs so it does not fill. */
  private async bulkCopy(log: UserDataLog): Promise<void> {
    const perStep = Math.max(1, Math.round(this.o.io / 2 / Math.ceil(this.blocks / BULK_STEP)));
    let bulk: CopyRound = { kind: 'bulk', ranges: 0, blocks: 0, bytes: 0 };
    const steps = Array.from({ length: Math.ceil(this.blocks / BULK_STEP) }, (_, i) => i * BULK_STEP);
    for (const at of this.c.bulkOrder === 'descending' ? steps.reverse() : steps) {
      const r = copyInto('bulk', this.srcNs, this.dstNs, [{ slba: BigInt(at), blocks: Math.min(BULK_STEP, this.blocks - at), deallocated: false }]);
      bulk = { kind: 'bulk', ranges: bulk.ranges + 1, blocks: bulk.blocks + r.blocks, bytes: bulk.bytes + r.bytes };
      this.guestRuns(perStep);
      this.take(await log.drain(), this.pending);
    }
    this.rounds.push(bulk);
  }

  /** Rounds from the log until one finds at most the target of dirty blocks; none once the log filled (nothing is logged any more, D31). */
  private async copyRounds(log: UserDataLog): Promise<void> {
    for (let round = 0; round < this.c.maxRounds && !this.logFilled; round++) {
      const ranges = this.take(await log.drain(), this.pending.splice(0));
      if (this.logFilled) return;
      this.rounds.push(copyInto('log', this.srcNs, this.dstNs, ranges));
      if (this.rounds[this.rounds.length - 1].blocks <= this.c.dirtyTarget) return;
      this.guestRuns(Math.max(1, this.o.queues));
    }
  }

  /** After Suspend (the log drained to ESA 3 by the driver): the last ranges, or everything again if the log filled. */
  private async finalCopy(log: UserDataLog): Promise<void> {
    const ranges = this.take(await log.drain(), this.pending.splice(0));
    if (this.logFilled) this.rounds.push(copyInto('full', this.srcNs, this.dstNs, [{ slba: 0n, blocks: this.blocks, deallocated: false }]));
    else this.rounds.push(copyInto('final', this.srcNs, this.dstNs, this.o.knobs?.skipFinalCopy ? [] : ranges));
  }

  /** Add a drain's ranges to `into` and note a full log. */
  private take(d: Drained, into: LoggedRange[]): LoggedRange[] {
    if (d.end === 'full') this.logFilled = true;
    for (const r of d.ranges) r.deallocated ? this.loggedDeallocated++ : this.loggedData++;
    into.push(...(this.o.knobs?.releaseBeforeCopy ? d.ranges.slice(0, -1) : d.ranges));
    return into;
  }

  private changes(): ChangeCounts {
    const done = this.guest.ledger.records.filter((r) => r.phase === 'workload' && r.status?.sct === 0 && r.status.sc === 0);
    const count = (kind: IoKind) => done.filter((r) => r.kind === kind).length;
    return { writes: count('write'), zeroes: count('zeroes'), deallocates: count('deallocate'), loggedData: this.loggedData, loggedDeallocated: this.loggedDeallocated };
  }

  private report(migrated: boolean, blocksDiffering: number, savedBytes: number, downtimeUs: number, idleChanged: string[]): StorageCopyReport {
    const counters = this.guest.ledger.counters();
    const workload = this.guest.ledger.counters('workload');
    const ok = migrated && counters.lost === 0 && counters.duplicated === 0 && counters.dataErrors === 0 && blocksDiffering === 0 && workload.submitted === this.o.io && idleChanged.length === 0;
    return {
      migrated, ioSubmitted: workload.submitted, ioCompleted: workload.completed, lost: counters.lost, duplicated: counters.duplicated, dataErrors: counters.dataErrors,
      blocksDiffering, namespaceBlocks: this.blocks, blocksCopied: this.rounds.reduce((a, r) => a + r.blocks, 0), rounds: this.rounds, logFilled: this.logFilled, changes: this.changes(), failedWrites: [...this.work.failedAsMeant],
      savedBytes, downtimeUs, idleChanged, counters, ok,
    };
  }
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

/** Blocks whose bytes differ, every block compared (I10); a step that is equal as a whole is compared at once (native memcmp). */
function differingBlocks(a: RamNamespace, b: RamNamespace, blocks: number): number {
  let n = 0;
  const x = Buffer.alloc(BULK_STEP * BLOCK_SIZE);
  const y = Buffer.alloc(BULK_STEP * BLOCK_SIZE);
  for (let at = 0; at < blocks; at += BULK_STEP) {
    const count = Math.min(BULK_STEP, blocks - at);
    a.read(at, count, x);
    b.read(at, count, y);
    if (x.equals(y)) continue;
    for (let i = 0; i < count; i++) if (x.compare(y, i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE, i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE) !== 0) n++;
  }
  return n;
}

/** What `--storage copy --json` prints. */
export function storageCopyJson(r: StorageCopyReport) {
  const { counters: _counters, ...rest } = r;
  return rest;
}

export function formatStorageCopy(r: StorageCopyReport, o: { vf: number; queues: number; io: number; seed: number }, writeRate = COPY_DEFAULTS.writeRate): string {
  const MiB = (b: number) => `${(b / (1 << 20)).toFixed(2)} MiB`;
  const lines = [`nvme-lm migrate --storage copy: VF ${o.vf}, ${o.queues} I/O queue pair(s), ${o.io} I/O (${writeRate}% change data), seed ${o.seed}, profile tp4159`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(18)}${text}`);
  row('migrated', r.migrated ? 'yes' : 'no');
  row('downtime', `${r.downtimeUs} µs from Suspend on the source to Resume on the destination`);
  r.rounds.forEach((c, i) => row(i === 0 ? 'copy rounds' : '', `${c.kind.padEnd(6)} ${String(c.ranges).padStart(5)} range(s) ${String(c.blocks).padStart(8)} blocks ${MiB(c.bytes).padStart(11)}`));
  row('blocks copied', `${r.blocksCopied} of a ${r.namespaceBlocks}-block namespace (${(r.blocksCopied / r.namespaceBlocks).toFixed(3)}x)${r.logFilled ? '; the log filled (ESA 7, D31): everything copied again' : ''}`);
  const ch = r.changes;
  row('guest changes', `${ch.writes} writes, ${ch.zeroes} Write Zeroes, ${ch.deallocates} deallocates; the log reported ${ch.loggedData} data and ${ch.loggedDeallocated} deallocated range(s) (D30)`);
  row('saved state', `${r.savedBytes} bytes`);
  row('I/O', `${r.ioSubmitted} submitted, ${r.ioCompleted} completed, ${r.lost} lost, ${r.duplicated} duplicated, ${r.dataErrors} data errors`);
  row('other VFs', r.idleChanged.length ? `CHANGED: ${r.idleChanged.join(', ')} (D14)` : 'unchanged on both devices (D14)');
  row('namespaces', r.blocksDiffering === 0 ? `equal at Suspend: every one of ${r.namespaceBlocks} blocks compared (I10)` : `${r.blocksDiffering} block(s) DIFFER at Suspend (I10)`);
  if (r.fault) row('fault', `${r.fault.fault}: expected ${r.fault.expected} (${r.fault.rule}); observed ${r.fault.observed}${r.fault.ok ? '' : ' — FAILED'}`);
  lines.push(r.ok && (r.fault?.ok ?? true) ? 'result: every check held' : 'result: FAILED, see above');
  return lines.join('\n');
}
