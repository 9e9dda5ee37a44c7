// The host's side of a User Data Migration Queue (tp4159 section 6, D28-D32):
// create the queue for one VF in zeroed DMA memory, start logging, drain the
// entries the controller wrote (phase tag 1 on the first pass, inverted on
// each wrap, I14), release them through Set Features 21h (the controller
// never writes into an unreleased slot, D31), and notice the entry that ends
// the log: ESA 2 stopped, ESA 3 suspended (D32), ESA 7 full (D31: every later
// change is unlogged, so the host must copy everything again). Where the PF
// can hold an Asynchronous Event Request, the host arms the tail-pointer
// trigger (Features 21h ETPT, TPT an eighth of the queue past its head) and
// drains when the One-Shot event says so (D33); it polls only when no event
// came for a while (a lost or late event: the fallback), and at the points
// where it must read the whole log anyway (a round's end, Suspend).
import { encodeTp4159, type Tp4159Command } from '../wire/tp4159/commandCodec.ts';
import { decodeCdqCreateDw0 } from '../wire/tp4159/completions.ts';
import { tp4159Commands as cmd } from '../wire/tp4159/hostCommands.ts';
import { decodeUdmqEntries, UDMQ_ENTRY_SIZE, UDMQ_ESA, UDMQ_LBACIR } from '../wire/tp4159/udmq.ts';
import type { Cqe } from '../wire/cqe.ts';
import type { ArcIo } from './vfio/arcCommands.ts';
import { HostError } from './errors.ts';
import { DmaBuffer } from './prp.ts';

/** One changed range as the log reports it (D30). */
export interface LoggedRange {
  slba: bigint;
  blocks: number;
  /** DLBA: the range was deallocated */
  deallocated: boolean;
}

/** Why the log ended: Track Send stop (ESA 2), Suspend (ESA 3), or a full queue (ESA 7). */
export type LogEnd = 'stopped' | 'suspended' | 'full';

const END_OF: Readonly<Record<number, LogEnd>> = { [UDMQ_ESA.LAST_STOPPED]: 'stopped', [UDMQ_ESA.LAST_SUSPENDED]: 'suspended', [UDMQ_ESA.LAST_FULL]: 'full' };

export interface Drained {
  ranges: LoggedRange[];
  /** set once the entry that ends the log was drained */
  end?: LogEnd;
}

/** Why the host drains during pre-copy: a One-Shot event for the queue came, or it polls (no events, or none came for a while). */
export type DrainCause = 'event' | 'poll';

/** How the host learnt there was something to drain (D33). */
export interface LogWatchStats {
  /** drains an event asked for */
  events: number;
  /** of those, drains that found nothing new: the event came late, after a poll had taken its entries */
  stale: number;
  /** drains by polling, with events armed: no event came for PATIENCE steps */
  polls: number;
  /** polls that found at least the trigger's worth of entries: the event was due and never came (lost, or late) */
  missed: number;
}

/** Steps of the host's own work without an event after which it polls the log (the fallback for a lost or late event). */
export const PATIENCE = 12;

export class UserDataLog {
  private head = 0;
  private phase = 1;
  /** the head the controller was last told (Set Features 21h HP) */
  private releasedHead = 0;
  /** the head at the end of the previous drain */
  private previousHead = 0;
  /**
   * A slow host (fault late-release): each drain releases only the slots the
   * previous drain took, so the controller sees fewer free slots (D31 says it
   * must still never write into an unreleased one).
   */
  releaseLate = false;
  private ended: LogEnd | undefined;
  private deleted = false;
  /** ranges the driver drained (settle, close) that the host has not taken yet */
  private readonly pending: LoggedRange[] = [];
  /** entries past the head at which the controller raises its tail-pointer event; undefined: no events, the host polls */
  private trigger: number | undefined;
  /** the TPT the controller was last told */
  private armedTpt = -1;
  /** steps since the last drain (due) */
  private idle = 0;
  readonly stats: LogWatchStats = { events: 0, stale: 0, polls: 0, missed: 0 };

  private constructor(
    private readonly channel: ArcIo,
    readonly cntlid: number,
    readonly cdqid: number,
    readonly entries: number,
    private readonly ring: DmaBuffer,
  ) {}

  /** D28, D29: a UDMQ of `entries` slots (commands through `channel`: the admin channel, or an arc's) for the VF with CNTLID `cntlid`, and logging started (its ESA 1 entry is drained like any other). */
  static async start(channel: ArcIo, cntlid: number, entries: number): Promise<UserDataLog> {
    if (!Number.isInteger(entries) || entries < 2) throw new HostError('EINVAL', `a user data migration queue needs at least 2 entries (D28), got ${entries}`);
    const ring = await DmaBuffer.allocate(channel.device, entries * UDMQ_ENTRY_SIZE); // zeroed: no slot carries phase 1 before the controller writes it
    try {
      const cqe = await send(channel, (cid) => cmd.cdqCreate(cid, cntlid, ring.base, entries));
      const log = new UserDataLog(channel, cntlid, decodeCdqCreateDw0(cqe.dw0).cdqid, entries, ring);
      if (channel.events?.available) await log.armTrigger();
      await send(channel, (cid) => cmd.track(cid, log.cdqid, 1));
      return log;
    } catch (e) {
      ring.free();
      throw e;
    }
  }

  /** D33: the tail-pointer trigger an eighth of the queue past the head, and an AER outstanding for its event. */
  private async armTrigger(): Promise<void> {
    this.trigger = Math.max(1, Math.floor(this.entries / 8));
    await this.release(0);
    await this.channel.events!.arm();
  }

  /** Whether the host learns of new entries by event (D33); false: it polls. */
  get eventDriven(): boolean {
    return this.trigger !== undefined;
  }

  /**
   * Section 6, D33: whether to drain now, asked once per step of the host's
   * own work during pre-copy: a One-Shot event for this queue came (its tail
   * reached the trigger, or it filled); or none came for PATIENCE steps, and
   * the host polls in case one was lost or is late. Without events every step polls.
   */
  async due(): Promise<DrainCause | undefined> {
    if (this.trigger === undefined || this.final) return this.final ? undefined : 'poll';
    if ((await this.channel.events!.take(this.cdqid)).length > 0) return 'event';
    return ++this.idle >= PATIENCE ? 'poll' : undefined;
  }

  /** How the log ended, once its last entry was drained. */
  get end(): LogEnd | undefined {
    return this.ended;
  }

  /** D31: after ESA 7 some changes went unlogged: the whole namespace must be copied again. */
  get needsFullCopy(): boolean {
    return this.ended === 'full';
  }

  /**
   * Take every entry the controller wrote since the last drain (and any the
   * driver already took, see settle), and release their slots (Set Features
   * 21h HP). ESA 3 ends the log only until a Resume posts ESA 1 again (D32);
   * ESA 2 and 7 end it for good.
   */
  async drain(cause?: DrainCause): Promise<Drained> {
    const ranges = this.pending.splice(0);
    const slots = decodeUdmqEntries(await this.ring.read(0, this.entries * UDMQ_ENTRY_SIZE));
    let taken = 0;
    while (!this.final && taken < this.entries - 1) {
      const e = slots[this.head];
      if (e.phase !== this.phase) break;
      if (e.lbacir === UDMQ_LBACIR.RANGE_VALID) ranges.push({ slba: e.slba, blocks: e.nlb + 1, deallocated: e.dlba });
      else if (e.lbacir === UDMQ_LBACIR.EVERY_LOGICAL_BLOCK) this.ended = 'full'; // every block may have changed: as good as a full queue
      if (e.esa === UDMQ_ESA.FIRST) this.ended = undefined;
      else if (END_OF[e.esa] !== undefined && this.ended !== 'full') this.ended = END_OF[e.esa];
      taken++;
      if (++this.head === this.entries) {
        this.head = 0;
        this.phase ^= 1;
      }
    }
    const release = this.releaseLate ? this.previousHead : this.head;
    this.previousHead = this.head;
    await this.release(release);
    await this.account(cause, taken);
    return { ranges, ...(this.ended ? { end: this.ended } : {}) };
  }

  /** Set Features 21h: release the slots before `hp` (D31) and move the trigger an eighth of the queue past the head (D33); sent only when either changed. */
  private async release(hp: number): Promise<void> {
    const tpt = this.trigger === undefined ? 0 : (this.head + this.trigger) % this.entries;
    if (hp === this.releasedHead && tpt === this.armedTpt) return;
    this.releasedHead = hp;
    this.armedTpt = tpt;
    await send(this.channel, (cid) => cmd.setCdq(cid, this.cdqid, hp, { etpt: this.trigger !== undefined, tpt }));
  }

  /** What the drain says about the events (D33): an event that found nothing came late; a poll that found the trigger's worth means an event never came, so one more AER is posted. */
  private async account(cause: DrainCause | undefined, taken: number): Promise<void> {
    this.idle = 0;
    if (this.trigger === undefined || cause === undefined) return;
    if (cause === 'event') {
      this.stats.events++;
      if (taken === 0) this.stats.stale++;
      return;
    }
    this.stats.polls++;
    if (taken >= this.trigger) {
      this.stats.missed++;
      await this.channel.events!.rearm();
    }
  }

  /**
   * D32, section 6: after Suspend, drain to the ESA 3 entry and keep the
   * ranges for the next drain(), so the log is complete when the state is
   * taken. Fails when the entry is missing: Suspend completed, so it must be there.
   */
  async settle(): Promise<void> {
    const d = await this.drain();
    this.pending.push(...d.ranges);
    if (d.end === undefined) throw new HostError('EIO', `the user data migration queue ${this.cdqid} holds no entry ending the log after Suspend completed (D32 requires ESA 3); copy the whole namespace instead`);
  }

  /** End the log for good: take what is left (kept for drain), stop logging if it still runs (D29), delete the queue. */
  async close(): Promise<void> {
    try {
      if (!this.final) {
        const d = await this.drain();
        this.pending.push(...d.ranges);
        if (d.end === undefined) await send(this.channel, (cid) => cmd.track(cid, this.cdqid, 0));
      }
    } finally {
      await this.delete();
    }
  }

  /** The log ended for good: stopped or full. */
  private get final(): boolean {
    return this.ended === 'stopped' || this.ended === 'full';
  }

  /** D29: stop logging (the controller posts ESA 2); nothing to do once the log has ended. */
  async stop(): Promise<void> {
    if (this.ended === undefined) await send(this.channel, (cid) => cmd.track(cid, this.cdqid, 0));
  }

  /** Whether the queue was deleted (close, delete). */
  get isDeleted(): boolean {
    return this.deleted;
  }

  /** The queue is gone already (a PF reset deletes every CDQ, D34): free its memory, send nothing. */
  forget(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.channel.events?.discard(this.cdqid);
    this.ring.free();
  }

  /** Delete the queue and free its memory. A stale log (its VF was reset) needs fresh commands, so the driver hands a new port. */
  async deleteVia(channel: ArcIo): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    this.channel.events?.discard(this.cdqid); // its CDQID may name the next queue: its events are not that queue's
    try {
      await send(channel, (cid) => cmd.cdqDelete(cid, this.cdqid));
    } finally {
      this.ring.free();
    }
  }

  /** Delete the queue and free its memory. */
  delete(): Promise<void> {
    return this.deleteVia(this.channel);
  }
}

function send(channel: ArcIo, make: (cid: number) => Tp4159Command): Promise<Cqe> {
  return channel.submit(encodeTp4159(make(0))); // the channel writes its own CID
}
