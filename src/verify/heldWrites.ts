// Writes a batch target has not been sent yet (processAdapter.ts). A write
// needs no answer to go on with, so it waits for the next request that does
// (a read, or a batch with one) and rides in the same round trip, in order:
// the target performs exactly the sequence it would have got one request at
// a time. Should nothing follow soon (the driver waits on a timer for a
// completion, a CSTS change), the writes go on their own as soon as this
// process has nothing else to do, so the target never sits on a doorbell
// while verify waits. A held write that fails is reported, with the message
// it would have had alone, by the next request.
import type { BatchedRequest } from './protocol.ts';
import type { RawAnswer, RawRequest } from '../target/batch.ts';

/** More than this many held writes go at once: a batch stays a few hundred requests at most. */
const MAX_HELD = 256;

export const isWrite = (r: RawRequest | BatchedRequest): boolean => r.op === 'regWrite' || r.op === 'memWrite';

export class HeldWrites {
  private held: BatchedRequest[] = [];
  private timer: NodeJS.Immediate | undefined;
  /** writes sent on their own whose answer no request has waited for yet: the error they got, if any */
  private inFlight: Promise<Error | undefined> | undefined;

  /** `send` performs writes as one batch and throws what the first failing one would throw alone. */
  constructor(private readonly send: (writes: BatchedRequest[]) => Promise<RawAnswer[]>) {}

  /** Hold a write; it goes with the next request, or on its own once this process is idle. */
  async hold(w: BatchedRequest): Promise<void> {
    this.held.push(w);
    if (this.held.length >= MAX_HELD) return this.flush();
    this.timer ??= setImmediate(() => {
      this.timer = undefined;
      if (this.held.length === 0) return;
      const before = this.inFlight;
      // after the writes already on their way, whose error (if any) is reported first
      this.inFlight = before === undefined ? this.sendHeld() : before.then((e) => e ?? this.sendHeld());
    });
  }

  /** Forget the held writes (the target is being closed: nothing will read what they did). */
  discard(): void {
    if (this.timer !== undefined) clearImmediate(this.timer);
    this.timer = undefined;
    this.held = [];
  }

  /** The held writes, to go first in the caller's batch (which then reports their errors). */
  take(): BatchedRequest[] {
    const w = this.held;
    this.held = [];
    return w;
  }

  /** Wait for writes already sent on their own; throws the error one of them got. */
  async settle(): Promise<void> {
    const f = this.inFlight;
    if (f === undefined) return;
    this.inFlight = undefined;
    const e = await f;
    if (e) throw e;
  }

  /** Send every held write now and wait for the answer (before a request a batch cannot carry: reset, submit, flr, completeIo). */
  async flush(): Promise<void> {
    await this.settle();
    if (this.held.length === 0) return;
    await this.send(this.take());
  }

  private async sendHeld(): Promise<Error | undefined> {
    try {
      await this.send(this.take());
      return undefined;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }
}
