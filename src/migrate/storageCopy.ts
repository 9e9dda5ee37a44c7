// `nvme-lm migrate --profile tp4159 --storage copy`: source and destination
// have their own namespaces, so the data moves too (tp4159 section 6, I10).
// The source driver enters PRE_COPY (a UDMQ logs the VF's changes); the host
// copies the whole namespace while the guest writes, then copies what the
// log reports, round after round, until the dirty set is small; then
// STOP_COPY suspends, drains the log to ESA 3 and takes the state; the host
// copies the last ranges (everything again if the log filled, D31), compares
// every block of the two namespaces, and the destination loads the state and
// resumes the guest. The host reads and writes the namespaces directly: it
// stands for the host's copy through each PF's own I/O queues. During the
// bulk copy the host drains the log when the controller's One-Shot event says
// its tail reached the trigger (D33), polling only when none came for a while.
// A reset during pre-copy ends the log (D34): the host starts pre-copy again
// with a new log and a full copy. A destination that refuses the state calls
// the migration off: the source resumes and its guest carries on there.
import { RamNamespace } from '../emulator/namespace.ts';
import { MAX_IO_QUEUES } from '../emulator/options.ts';
import { NvmeLmHost } from '../host/driver.ts';
import { HostError } from '../host/errors.ts';
import type { LogWatchStats, UserDataLog } from '../host/userDataLog.ts';
import type { VfioMigration } from '../host/vfio/migration.ts';
import { MIG_PRE_COPY, MIG_STOP_COPY } from '../host/vfio/states.ts';
import { Guest } from './guest.ts';
import { Ledger, type IoCounters, type IoKind } from './ledger.ts';
import { resolveMigrateOptions, type MigrateOptions } from './options.ts';
import { Rng } from './rng.ts';
import { LogRounds, type CopyPort } from './logRounds.ts';
import { BULK_STEP, copyInto, differingBlocks, type CopyRound } from './namespaceCopy.ts';
import { Side } from './side.ts';
import type { EventFault } from './eventFaultDevice.ts';
import type { MigrationReport } from './report.ts';
import { STORAGE_FAULTS, storageFaultRow, type StorageFaultName, type StorageFaultRow } from './storageFaults.ts';
import { GUEST_EXTENTS, guestSliceEnd, Workload } from './workload.ts';

const GUEST_BASE = 0x4000_0000;
const GUEST_REGION = 0x400_0000;
/** Pre-copy starts again after a reset at most this often; then the migration fails with a message. */
const MAX_RESTARTS = 2;

export type { CopyRound } from './namespaceCopy.ts';

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
  /** a reset of the migrating VF (FLR) or of the source PF halfway through the bulk copy (D34) */
  reset?: 'vf' | 'pf';
  /** the destination VF allows one I/O queue fewer than the guest uses, so it refuses the state (D26) */
  refuseState?: boolean;
  /** the PF's first One-Shot event during pre-copy never reaches the host, or reaches it late (D33) */
  eventFault?: EventFault;
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

/** How the host learnt of new log entries (D33), over every log of the run, and what the event fault did. */
export interface EventCounts extends LogWatchStats {
  /** the PF held an AER and the host armed the tail-pointer trigger; false: it polled every step */
  eventDriven: boolean;
  /** events the event-lost fault dropped, and the event-late fault delivered late */
  dropped: number;
  delayed: number;
}

/** The migration was called off after Suspend: why, and what the source and destination show. */
export interface CalledOff {
  reason: string;
  /** the source VF resumed (STOP_COPY -> RUNNING) and its guest carried on there (D6) */
  sourceResumed: boolean;
  /** the failed Set State left the destination VF as it was (D26) */
  destinationUnchanged: boolean;
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
  /** pre-copy started again after a reset ended its log (D34) */
  restarts: number;
  events: EventCounts;
  /** set when the destination refused the state and the source carried on */
  calledOff?: CalledOff;
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
  if (c.refuseState && o.queues < 2) throw new Error('the destination refuses the state by allowing one I/O queue fewer than the guest uses: give --queues 2 or more');
  if ((c.reset || c.eventFault) && c.mode !== 'pre-copy') throw new Error('resets and event faults strike during pre-copy: they need the pre-copy mode');
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
  /** what the drains took, and the rounds after the bulk copy */
  private readonly schedule: LogRounds;
  private restarts = 0;
  /** the fault's reset struck already */
  private resetDone = false;
  /** the event counts of logs a reset ended */
  private readonly watched: LogWatchStats = { events: 0, stale: 0, polls: 0, missed: 0 };
  private eventDriven = false;

  constructor(
    private readonly o: MigrateOptions,
    private readonly c: CopyOptions,
  ) {
    this.blocks = guestSliceEnd(o.vf);
    this.srcNs = new RamNamespace(this.blocks);
    this.dstNs = new RamNamespace(this.blocks);
    this.src = new Side('source', { vfs: o.vfs, profile: 'tp4159', maxIoQueuesPerVf: MAX_IO_QUEUES, namespace: this.srcNs, mutant: o.knobs?.sourceMutant });
    this.dst = new Side('destination', { vfs: o.vfs, profile: 'tp4159', maxIoQueuesPerVf: c.refuseState ? o.queues - 1 : MAX_IO_QUEUES, namespace: this.dstNs, mutant: o.knobs?.destinationMutant });
    this.guest = new Guest(this.src.dev, o.vf, GUEST_BASE + (o.vf - 1) * GUEST_REGION, GUEST_REGION, new Ledger());
    this.work = new Workload(this.guest, new Rng(o.seed).fork(1), o.io, { rate: c.writeRate / 100, dsmRanges: c.dsmRanges, extents: c.workingSet });
    this.schedule = new LogRounds({ releaseBeforeCopy: o.knobs?.releaseBeforeCopy, skipFinalCopy: o.knobs?.skipFinalCopy });
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
    if (log) await this.schedule.final(log, this.port(srcVf));
    else this.rounds.push(copyInto('full', this.srcNs, this.dstNs, [{ slba: 0n, blocks: this.blocks, deallocated: false }]));
    const tc = process.hrtime.bigint();
    const blocksDiffering = differingBlocks(this.srcNs, this.dstNs, this.blocks);
    const checkNs = process.hrtime.bigint() - tc; // the comparison is the check's, not the migration's: off the clock
    const saved = await srcVf.saveStream!.readAll();
    this.guest.copyMemory(this.src.dev.memory, this.dst.dev.memory);
    const calledOff = await this.land(dstVf, srcVf, saved);
    const downtimeUs = Number((process.hrtime.bigint() - t0 - checkNs) / 1000n);
    const migrated = !calledOff && dstVf.state === 'RUNNING' && this.dst.dev.inspect(o.vf).lmState === 'running';
    const runsOn = calledOff ? this.src : this.dst;
    if (!calledOff) {
      this.guest.moveTo(this.dst.dev);
      await srcVf.setState('STOP');
    }
    this.work.finish(runsOn.dev);
    this.work.verify(runsOn.dev);
    // D18: a PF reset resets every VF of that PF, idle ones too
    const expectedReset = this.c.reset === 'pf' ? [this.src] : [];
    const idleChanged = ([this.src, this.dst] as const).flatMap((side, i) => (expectedReset.includes(side) ? [] : [...idle[i]].filter(([fn, h]) => side.dev.functionHash(fn) !== h).map(([fn]) => `${side.name} VF ${fn}`)));
    return this.report(migrated, calledOff, blocksDiffering, saved.length, downtimeUs, idleChanged, log);
  }

  /**
   * The destination loads the state and resumes the guest. When it refuses
   * the state (D26), the migration is called off: the destination VF is reset
   * (what reached it is dropped, D16), the source VF resumes and its guest
   * carries on there (D6).
   */
  private async land(dstVf: VfioMigration, srcVf: VfioMigration, saved: Uint8Array): Promise<CalledOff | undefined> {
    await dstVf.setState('RESUMING');
    await dstVf.resumeStream!.write(saved);
    const before = this.dst.dev.functionHash(this.o.vf);
    try {
      await dstVf.setState('RUNNING');
      return undefined;
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      const destinationUnchanged = this.dst.dev.functionHash(this.o.vf) === before;
      await this.dst.flrVf(this.o.vf);
      await srcVf.setState('RUNNING');
      return { reason: e.message, sourceResumed: srcVf.state === 'RUNNING' && this.src.dev.inspect(this.o.vf).lmState === 'running', destinationUnchanged };
    }
  }

  /**
   * RUNNING -> PRE_COPY (a UDMQ logs the VF's changes), the bulk copy and the
   * rounds; the log, for the final copy. A reset during pre-copy ends the log
   * (D34: the driver reports RUNNING, logging stopped, after a PF reset the
   * queue is gone): changes since then are unlogged, so pre-copy starts again
   * with a new log and the whole namespace copied again.
   */
  private async preCopy(srcVf: VfioMigration): Promise<UserDataLog> {
    if (this.c.failOneWrite) this.work.failOneWrite();
    if (this.c.eventFault) this.src.events.arm(this.c.eventFault);
    for (;;) {
      const log = await this.openLog(srcVf);
      if ((await this.bulkCopy(srcVf, log)) && (await this.schedule.rounds(log, this.port(srcVf), this.c))) return log;
      if (++this.restarts > MAX_RESTARTS) throw new Error(`the source VF was reset ${this.restarts} times during pre-copy (D34); migrate it once it stops being reset`);
      this.addWatch(log);
      this.schedule.restart();
    }
  }

  private async openLog(srcVf: VfioMigration): Promise<UserDataLog> {
    const pre = await srcVf.setState('PRE_COPY');
    const log = pre.stream && 'dirtyLog' in pre.stream ? pre.stream.dirtyLog : undefined;
    if (!log) throw new Error('the tp4159 driver opened PRE_COPY without a user data log; storage copy needs one (tp4159 section 6)');
    log.releaseLate = this.c.releaseLate === true;
    this.eventDriven = log.eventDriven;
    return log;
  }

  /** The guest runs `n` commands' worth; a guest that finds its VF reset brings it up again first (D13). */
  private guestRuns(n: number): void {
    this.work.recoverIfReset();
    this.work.submit(n);
    this.work.progress(this.src.dev);
  }

  /** D34: the driver reports the VF back in RUNNING: a reset ended the pre-copy stream and its log. */
  private static wasReset(srcVf: VfioMigration): boolean {
    return srcVf.state !== 'PRE_COPY';
  }

  /** The fault's reset, once, halfway through the first bulk copy: an FLR of the migrating VF, or a controller reset of the source PF. */
  private async strike(): Promise<void> {
    this.resetDone = true;
    if (this.c.reset === 'vf') await this.src.flrVf(this.o.vf);
    else this.src.resetPf();
  }

  /**
   * The whole namespace, a step at a time while the guest writes; the log is
   * drained when its event comes (or the host polls) so it does not fill.
   * False when a reset ended the log.
   */
  private async bulkCopy(srcVf: VfioMigration, log: UserDataLog): Promise<boolean> {
    const perStep = Math.max(1, Math.round(this.o.io / 2 / Math.ceil(this.blocks / BULK_STEP)));
    let bulk: CopyRound = { kind: 'bulk', ranges: 0, blocks: 0, bytes: 0 };
    const steps = Array.from({ length: Math.ceil(this.blocks / BULK_STEP) }, (_, i) => i * BULK_STEP);
    const ordered = this.c.bulkOrder === 'descending' ? steps.reverse() : steps;
    for (const [i, at] of ordered.entries()) {
      const r = copyInto('bulk', this.srcNs, this.dstNs, [{ slba: BigInt(at), blocks: Math.min(BULK_STEP, this.blocks - at), deallocated: false }]);
      bulk = { kind: 'bulk', ranges: bulk.ranges + 1, blocks: bulk.blocks + r.blocks, bytes: bulk.bytes + r.bytes };
      if (this.c.reset && !this.resetDone && i === Math.floor(ordered.length / 2)) await this.strike();
      this.guestRuns(perStep);
      if (StorageCopyRun.wasReset(srcVf)) {
        this.rounds.push(bulk);
        return false;
      }
      const cause = await log.due();
      if (cause) this.schedule.keep(await log.drain(cause));
    }
    this.rounds.push(bulk);
    return true;
  }

  /** The schedule's view of this run: copy between the two RAM namespaces, the guest's few commands between rounds, the driver's state. */
  private port(srcVf: VfioMigration): CopyPort {
    return {
      namespaceBlocks: this.blocks,
      copy: async (kind, ranges) => {
        const r = copyInto(kind, this.srcNs, this.dstNs, ranges);
        this.rounds.push(r);
        return r;
      },
      guestRuns: async () => this.guestRuns(Math.max(1, this.o.queues)),
      wasReset: () => StorageCopyRun.wasReset(srcVf),
    };
  }

  private addWatch(log: UserDataLog): void {
    for (const k of ['events', 'stale', 'polls', 'missed'] as const) this.watched[k] += log.stats[k];
  }

  private events(log: UserDataLog | undefined): EventCounts {
    if (log) this.addWatch(log);
    return { eventDriven: this.eventDriven, ...this.watched, dropped: this.src.events.lost, delayed: this.src.events.delayed };
  }

  private changes(): ChangeCounts {
    const done = this.guest.ledger.records.filter((r) => r.phase === 'workload' && r.status?.sct === 0 && r.status.sc === 0);
    const count = (kind: IoKind) => done.filter((r) => r.kind === kind).length;
    return { writes: count('write'), zeroes: count('zeroes'), deallocates: count('deallocate'), loggedData: this.schedule.loggedData, loggedDeallocated: this.schedule.loggedDeallocated };
  }

  private report(migrated: boolean, calledOff: CalledOff | undefined, blocksDiffering: number, savedBytes: number, downtimeUs: number, idleChanged: string[], log: UserDataLog | undefined): StorageCopyReport {
    const counters = this.guest.ledger.counters();
    const workload = this.guest.ledger.counters('workload');
    // a refused state (the refuse-state fault) lands the guest back on the source: that is the run's success; anywhere else a call-off fails it
    const landed = migrated || (this.c.refuseState === true && calledOff !== undefined && calledOff.sourceResumed && calledOff.destinationUnchanged);
    const ok = landed && counters.lost === 0 && counters.duplicated === 0 && counters.dataErrors === 0 && blocksDiffering === 0 && workload.submitted === this.o.io && idleChanged.length === 0;
    return {
      migrated, ioSubmitted: workload.submitted, ioCompleted: workload.completed, lost: counters.lost, duplicated: counters.duplicated, dataErrors: counters.dataErrors,
      blocksDiffering, namespaceBlocks: this.blocks, blocksCopied: this.rounds.reduce((a, r) => a + r.blocks, 0), rounds: this.rounds, logFilled: this.schedule.logFilled,
      restarts: this.restarts, events: this.events(log), ...(calledOff ? { calledOff } : {}), changes: this.changes(), failedWrites: [...this.work.failedAsMeant],
      savedBytes, downtimeUs, idleChanged, counters, ok,
    };
  }
}
