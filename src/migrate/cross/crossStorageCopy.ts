// `migrate --storage copy` between two implementations behind Adapters (two
// QEMU processes with TP4159, or the emulator): the namespaces are not
// shared, so the data moves through each PF's own I/O queues (pfIo.ts) while
// the guest on the source VF writes. The host driver enters PRE_COPY (a UDMQ
// logs the VF's changes, D28-D30), copies the whole namespace, copies what
// the log reports round after round, then STOP_COPY suspends and drains the
// log to its ESA 3 entry (D32); the host copies the last ranges (everything
// again after ESA 7, D31), compares every block of the two namespaces (I10),
// and moves the state (format 0000h, D25). On the destination the guest reads
// back every write it ever completed: the data moved with the VF.
import { MIG_PRE_COPY, MIG_STOP_COPY } from '../../host/vfio/states.ts';
import type { LoggedRange, LogWatchStats, UserDataLog } from '../../host/userDataLog.ts';
import type { VfioMigration } from '../../host/vfio/migration.ts';
import { LogRounds, type CopyPort } from '../logRounds.ts';
import type { CopyRound } from '../namespaceCopy.ts';
import { AdapterGuest, IO_ENTRIES } from './adapterGuest.ts';
import { attachHosts, csupDisagreements, GUEST_BASE, GUEST_REGION, type CrossSide, type Implementation } from './crossMigrate.ts';
import { PfIo } from './pfIo.ts';

export interface CrossCopyOptions {
  from: CrossSide;
  to: CrossSide;
  vfs: number;
  vf: number;
  /** writes the guest does in all: before pre-copy, during the bulk copy and the rounds, in flight at Suspend */
  io: number;
  /** copy rounds after the bulk copy, at most */
  maxRounds: number;
  /** stop the rounds once a round found at most this many dirty blocks */
  dirtyTarget: number;
  /** slots of the user data migration queue (the tail-pointer trigger is an eighth of it past the head) */
  logEntries: number;
  /** test knob, a broken host: it leaves out the ranges logged up to Suspend (shows the checks can fail) */
  skipFinalCopy?: boolean;
}

export const CROSS_COPY_DEFAULTS = { vfs: 2, vf: 1, io: 48, maxRounds: 4, dirtyTarget: 8, logEntries: 32 } as const;

export interface CrossCopyReport {
  from: Implementation;
  to: Implementation;
  vf: number;
  migrated: boolean;
  failure?: { step: string; message: string };
  namespaceBlocks: number;
  blockBytes: number;
  rounds: CopyRound[];
  blocksCopied: number;
  /** blocks whose bytes differ between the two namespaces after the last copy, every block compared (I10) */
  blocksDiffering: number;
  logFilled: boolean;
  loggedRanges: number;
  /** how the host learnt of log entries: 'events' (D33) or 'polling' (the adapter cannot hold an AER for the host) */
  logWatch: 'events' | 'polling';
  /** drains on an event, polls after none came, polls that found one missing (D33) */
  watch: LogWatchStats;
  writes: number;
  lost: number;
  duplicated: number;
  /** every write the guest completed, read back on the destination after the move */
  readBack: { checked: number; failed: number };
  downtimeMs: number;
  knownDeviations: string[];
  ok: boolean;
}

/** Run one storage-copy migration between two targets; both are closed afterwards. */
export async function crossStorageCopy(options: Partial<CrossCopyOptions> & Pick<CrossCopyOptions, 'from' | 'to'>): Promise<CrossCopyReport> {
  const o: CrossCopyOptions = { ...CROSS_COPY_DEFAULTS, ...options };
  if (o.io < 8 || o.io > 4 * (IO_ENTRIES - 1)) throw new Error(`--io ${o.io}: a storage copy across implementations does 8 to ${4 * (IO_ENTRIES - 1)} writes`);
  try {
    return await new CrossCopyRun(o).run();
  } finally {
    await o.from.target.close();
    await o.to.target.close();
  }
}

class CrossCopyRun {
  private readonly guest: AdapterGuest;
  private readonly r: CrossCopyReport;
  private srcIo!: PfIo;
  private dstIo!: PfIo;
  private readonly schedule: LogRounds;

  constructor(private readonly o: CrossCopyOptions) {
    this.guest = new AdapterGuest(o.from.target, 'source', o.vf, GUEST_BASE + BigInt(o.vf - 1) * GUEST_REGION);
    this.schedule = new LogRounds({ skipFinalCopy: o.skipFinalCopy });
    this.r = {
      from: o.from.implementation, to: o.to.implementation, vf: o.vf, migrated: false, namespaceBlocks: 0, blockBytes: 0, rounds: [], blocksCopied: 0, blocksDiffering: -1,
      logFilled: false, loggedRanges: 0, logWatch: 'polling', watch: { events: 0, stale: 0, polls: 0, missed: 0 }, writes: 0, lost: 0, duplicated: 0, readBack: { checked: 0, failed: 0 }, downtimeMs: 0, knownDeviations: [], ok: false,
    };
  }

  async run(): Promise<CrossCopyReport> {
    const { from, to, vfs } = this.o;
    for (const s of [from, to]) await s.target.reset({ vfs, profile: 'tp4159', ...(s.tp4159 ? { tp4159: s.tp4159 } : {}) });
    const { src, dst, vendor } = await attachHosts(from, to, MIG_STOP_COPY | MIG_PRE_COPY, this.o.logEntries);
    try {
      [this.srcIo, this.dstIo] = [await PfIo.open(from.target, src), await PfIo.open(to.target, dst)];
      if (this.srcIo.blocks !== this.dstIo.blocks || this.srcIo.blockBytes !== this.dstIo.blockBytes) {
        throw new Error(`the namespaces differ: ${this.srcIo.blocks} x ${this.srcIo.blockBytes} bytes on the source, ${this.dstIo.blocks} x ${this.dstIo.blockBytes} on the destination; give both ends the same namespace`);
      }
      this.r.namespaceBlocks = this.srcIo.blocks;
      this.r.blockBytes = this.srcIo.blockBytes;
      await this.move(src.vf(this.o.vf - 1), dst.vf(this.o.vf - 1), vendor);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      this.r.failure ??= { step: 'run', message: e.message };
    }
    for (const [host, side] of [[src, 'source'], [dst, 'destination']] as const) {
      if (csupDisagreements(host) > 0) this.r.knownDeviations.push(`QEMU-TP4159-D24-NO-CSUP (${side}): Get Controller State answered CSUP = 0 while CSATTR said suspended; the host took CSATTR`);
    }
    // D33: QEMU masks event type 4h once a One-Shot event completed an AER and never unmasks it (docs/qemu-tp4159-deviations.md)
    if (from.implementation === 'qemu' && this.r.watch.missed > 0) {
      this.r.knownDeviations.push(`QEMU-TP4159-D33-ONE-SHOT-MASKED (source): ${this.r.watch.missed} poll(s) found the tail past its trigger and no One-Shot event after ${this.r.watch.events} event(s); the host polled instead`);
    }
    this.tally();
    return this.r;
  }

  private async move(srcVf: VfioMigration, dstVf: VfioMigration, vendor: boolean): Promise<void> {
    const g = this.guest;
    const burst = Math.max(1, Math.floor(this.o.io / 8));
    await this.step('guest boot', () => g.boot());
    await this.writes(burst);
    const log = await this.step('source PRE_COPY', () => this.openLog(srcVf));
    this.r.logWatch = log.eventDriven ? 'events' : 'polling';
    await this.step('bulk copy', () => this.bulkCopy(log, this.o.io - 3 * burst));
    await this.step('copy rounds', () => this.schedule.rounds(log, this.port(burst), this.o));
    this.r.watch = { ...log.stats };
    // in flight at Suspend: rung, and what the controller fetched completes before Suspend does (D22)
    await g.queueWrites(burst);
    await g.ringIo();
    const t0 = Date.now();
    await this.step('source Suspend, drain to ESA 3, Get State', () => srcVf.setState('STOP_COPY'));
    await this.step('final copy', () => this.schedule.final(log, this.port(burst)));
    const tc = Date.now();
    this.r.blocksDiffering = await this.step('compare', () => this.compare());
    const checkMs = Date.now() - tc;
    const saved = await this.step('source Get State', () => srcVf.saveStream!.readAll());
    const mem = g.memory;
    await this.o.to.target.memWrite(mem.base, await this.o.from.target.memRead(mem.base, mem.bytes));
    if (!vendor) await g.enable(this.o.to.target); // format 0000h: the destination's admin queue starts afresh (D25)
    await this.step('destination Suspend', () => dstVf.setState('STOP'));
    await this.step('destination Set State', () => dstVf.setState('RESUMING'));
    await this.step('destination Set State', () => dstVf.resumeStream!.write(saved));
    await this.step('destination Set State', () => dstVf.setState('STOP'));
    await this.step('destination Resume', () => dstVf.setState('RUNNING'));
    this.r.downtimeMs = Date.now() - t0 - checkMs;
    await this.step('source release', () => srcVf.setState('STOP'));
    this.r.migrated = true;
    g.moveTo(this.o.to.target, 'destination');
    await g.drainIo();
    // I10 as the guest sees it: every write it completed, on either side, reads back on the destination
    for (const w of g.writes.filter((x) => x.completions === 1 && x.status === 0)) {
      this.r.readBack.checked++;
      if (!(await g.readBack(w))) this.r.readBack.failed++;
    }
  }

  private async openLog(srcVf: VfioMigration): Promise<UserDataLog> {
    const pre = await srcVf.setState('PRE_COPY');
    const log = pre.stream && 'dirtyLog' in pre.stream ? pre.stream.dirtyLog : undefined;
    if (!log) throw new Error('the tp4159 driver opened PRE_COPY without a user data log; storage copy needs one (tp4159 section 6)');
    return log;
  }

  /** The guest writes `n` blocks (new LBAs, the first ones inside what the bulk copy took first) and waits for their completions. */
  private async writes(n: number): Promise<void> {
    for (let left = n; left > 0; ) {
      const now = Math.min(left, IO_ENTRIES - 1 - this.guest.inFlight);
      await this.guest.queueWrites(now);
      await this.guest.ringIo();
      await this.guest.drainIo();
      left -= now;
    }
  }

  /**
   * The whole namespace, a chunk at a time in ascending LBAs, while the guest
   * writes `io` blocks in bursts a little larger than the trigger (so its
   * event, not the host's patience, marks them); the log drained when it says (due).
   */
  private async bulkCopy(log: UserDataLog, io: number): Promise<void> {
    const chunk = this.srcIo.chunkBlocks;
    const steps = Math.ceil(this.r.namespaceBlocks / chunk);
    const burst = Math.min(io, Math.floor(this.o.logEntries / 8) + 1);
    const every = Math.max(1, Math.floor(steps / Math.max(1, Math.ceil(io / burst))));
    let bulk: CopyRound = { kind: 'bulk', ranges: 0, blocks: 0, bytes: 0 };
    for (let i = 0, written = 0; i < steps; i++) {
      const blocks = Math.min(chunk, this.r.namespaceBlocks - i * chunk);
      await this.dstIo.write(i * chunk, await this.srcIo.read(i * chunk, blocks));
      bulk = { kind: 'bulk', ranges: bulk.ranges + 1, blocks: bulk.blocks + blocks, bytes: bulk.bytes + blocks * this.r.blockBytes };
      if (i % every === 0 && written < io) {
        const n = Math.min(burst, io - written);
        await this.writes(n);
        written += n;
      }
      const cause = await log.due();
      if (cause) this.schedule.keep(await log.drain(cause));
    }
    this.r.rounds.push(bulk);
  }

  /** The schedule's view of this run: copy through the PFs' I/O queues, a burst of guest writes between rounds; no reset strikes here. */
  private port(burst: number): CopyPort {
    return { namespaceBlocks: this.r.namespaceBlocks, copy: (kind, ranges) => this.copy(kind, ranges), guestRuns: () => this.writes(burst), wasReset: () => false };
  }

  /** Copy `ranges` from the source's namespace to the destination's, a chunk at most per command. */
  private async copy(kind: CopyRound['kind'], ranges: readonly LoggedRange[]): Promise<CopyRound> {
    let blocks = 0;
    for (const r of ranges) {
      for (let at = Number(r.slba), end = at + r.blocks; at < end; at += this.srcIo.chunkBlocks) {
        const n = Math.min(this.srcIo.chunkBlocks, end - at);
        await this.dstIo.write(at, await this.srcIo.read(at, n));
      }
      blocks += r.blocks;
    }
    const round: CopyRound = { kind, ranges: ranges.length, blocks, bytes: blocks * this.r.blockBytes };
    this.r.rounds.push(round);
    return round;
  }

  /** Blocks that differ between the two namespaces, every block compared (I10). */
  private async compare(): Promise<number> {
    let differing = 0;
    const bytes = this.r.blockBytes;
    for (let at = 0; at < this.r.namespaceBlocks; at += this.srcIo.chunkBlocks) {
      const n = Math.min(this.srcIo.chunkBlocks, this.r.namespaceBlocks - at);
      const a = Buffer.from(await this.srcIo.read(at, n));
      const b = Buffer.from(await this.dstIo.read(at, n));
      if (a.equals(b)) continue;
      for (let i = 0; i < n; i++) if (a.compare(b, i * bytes, (i + 1) * bytes, i * bytes, (i + 1) * bytes) !== 0) differing++;
    }
    return differing;
  }

  private async step<T>(step: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof Error) this.r.failure ??= { step, message: e.message };
      throw e;
    }
  }

  private tally(): void {
    const w = this.guest.writes;
    this.r.writes = w.length;
    this.r.lost = w.filter((x) => x.completions === 0).length;
    this.r.duplicated = w.filter((x) => x.completions > 1).length + this.guest.strays.length;
    this.r.blocksCopied = this.r.rounds.reduce((a, r) => a + r.blocks, 0);
    this.r.logFilled = this.schedule.logFilled;
    this.r.loggedRanges = this.schedule.loggedRanges;
    this.r.ok = !this.r.failure && this.r.migrated && this.r.blocksDiffering === 0 && this.r.lost === 0 && this.r.duplicated === 0 && this.r.readBack.failed === 0 && this.r.readBack.checked > 0;
  }
}

/** The report as text, one fact a line. */
export function formatCrossCopy(r: CrossCopyReport): string {
  const lines = [`storage copy of VF ${r.vf}: ${r.from} -> ${r.to}: ${r.ok ? (r.knownDeviations.length > 0 ? 'KNOWN DEVIATION' : 'PASS') : 'FAIL'}`];
  if (r.failure) lines.push(`failed at ${r.failure.step}: ${r.failure.message}`);
  const w = r.watch;
  const watched = r.logWatch === 'events' ? `events (D33): ${w.events} drain(s) on an event, ${w.polls} poll(s) after none came, ${w.missed} found one missing` : 'polling (the adapter cannot hold an AER)';
  lines.push(`namespace: ${r.namespaceBlocks} blocks of ${r.blockBytes} bytes; the log was watched by ${watched}; ${r.loggedRanges} range(s) logged${r.logFilled ? '; it filled (ESA 7): everything copied again' : ''}`);
  for (const c of r.rounds) lines.push(`copy ${c.kind}: ${c.ranges} range(s), ${c.blocks} blocks`);
  lines.push(`blocks copied ${r.blocksCopied}; differing after the last copy ${r.blocksDiffering} (every block compared); downtime ${r.downtimeMs} ms`);
  lines.push(`writes ${r.writes}: lost ${r.lost}, duplicated ${r.duplicated}; read back on the destination ${r.readBack.checked}, wrong ${r.readBack.failed}`);
  for (const d of r.knownDeviations) lines.push(`known deviation: ${d}`);
  return lines.join('\n');
}
