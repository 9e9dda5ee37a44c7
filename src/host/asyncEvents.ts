// The PF's Asynchronous Event Requests, as the tp4159 driver uses them (D33):
// it keeps one AER outstanding on the PF's admin queue, and each One-Shot
// event that completes it (the tail of a controller data queue reached its
// trigger, or the queue filled) is filed under its CDQID for the log that
// owns the queue; the AER is posted again at once. An event that never comes
// is the log's to notice (userDataLog.ts polls after a while); a PF reset
// drops every AER (D18), so they are posted afresh.
import { sqeFor } from '../wire/adminCommands.ts';
import { ASYNC_EVENT_TYPE_ONE_SHOT, decodeAsyncEvent, ONE_SHOT_INFO } from '../wire/tp4159/completions.ts';
import type { AdminChannel } from './channel.ts';

/** A One-Shot event (asynchronous event type 4h, D33). */
export interface OneShotEvent {
  /** 'tail': the tail reached the trigger (info 0); 'full': the queue is full (info 1) */
  info: 'tail' | 'full';
  cdqid: number;
}

/** AERs held at most: one wanted, more only while one is believed lost (the controller's AERL allows 4, QEMU's default too) */
const MAX_OUTSTANDING = 3;

export class AsyncEvents {
  /** CIDs of AERs posted whose completion has not come */
  private outstanding: number[] = [];
  /** of those, the ones believed lost (an event was due and did not come): still looked at, in case they are only late, but not counted as armed */
  private doubtful = new Set<number>();
  /** events taken, by CDQID, not yet taken by their log */
  private readonly filed = new Map<number, OneShotEvent[]>();
  /** completions that were not One-Shot events (another event type): counted, not acted on */
  otherEvents = 0;

  constructor(private readonly channel: AdminChannel) {}

  /** Whether the device can hold an AER at all; without, every log polls. */
  get available(): boolean {
    return this.channel.canPost;
  }

  /** D33: have an AER outstanding (one not believed lost), so the next event completes it. */
  async arm(): Promise<void> {
    if (this.available && this.outstanding.length === this.doubtful.size && this.outstanding.length < MAX_OUTSTANDING) await this.postOne();
  }

  /** An event was due and did not come: the AERs held may be lost. Post one more (up to MAX_OUTSTANDING), still looking at the old ones in case they are only late. */
  async rearm(): Promise<void> {
    for (const cid of this.outstanding) this.doubtful.add(cid);
    await this.arm();
  }

  /** Take every AER completion there is (posting a new AER for each), and return the events of `cdqid`. */
  async take(cdqid: number): Promise<OneShotEvent[]> {
    for (const cid of [...this.outstanding]) {
      const cqe = await this.channel.posted(cid);
      if (!cqe) continue;
      this.outstanding = this.outstanding.filter((c) => c !== cid);
      this.doubtful.delete(cid);
      const e = decodeAsyncEvent(cqe.dw0, cqe.dw1);
      if (e.type !== ASYNC_EVENT_TYPE_ONE_SHOT) this.otherEvents++;
      else this.file({ info: e.info === ONE_SHOT_INFO.CDQ_FULL ? 'full' : 'tail', cdqid: e.param & 0xffff });
    }
    await this.arm();
    const mine = this.filed.get(cdqid) ?? [];
    this.filed.delete(cdqid);
    return mine;
  }

  /** The queue `cdqid` is gone: drop its events. */
  discard(cdqid: number): void {
    this.filed.delete(cdqid);
  }

  /** D18: a PF reset dropped the admin queue and every AER on it. */
  handlePfReset(): void {
    this.outstanding = [];
    this.doubtful.clear();
    this.filed.clear();
    this.channel.dropPosted();
  }

  private file(e: OneShotEvent): void {
    this.filed.set(e.cdqid, [...(this.filed.get(e.cdqid) ?? []), e]);
  }

  private async postOne(): Promise<void> {
    this.outstanding.push(await this.channel.post(sqeFor.asyncEventRequest(0)));
  }
}
