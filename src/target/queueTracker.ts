// Host-side queue bookkeeping for any device reached through raw register and
// memory operations (QEMU through qtest, the emulator, a JSON-lines server).
// It learns each function's admin queue from the register writes it forwards
// (AQA, ASQ, ACQ, CC) and the I/O queues from successful Create/Delete admin
// commands submitted through it, so `submit(fn, qid, sqe)` can place the SQE,
// ring the doorbell, and collect the completion like a host driver does.
// The ring arithmetic (tail, phase, wrap, claiming) is ring.ts's; what every
// completion must satisfy (SQ id, CID, SQ head, phase) is completionCheck.ts's,
// applied to every completion read, whoever reads it: a broken one throws a
// CompletionFault naming the field. This file does the I/O and remembers the
// queues per function, and the commands waiting on each SQ. Runs of I/O that need
// no answer in between (SQE write, tail doorbell and the CQ read after it)
// go to the target as one batch (batch.ts), so a target across a process
// boundary answers them in one round trip.
import { decodeCqe, CQE_SIZE } from '../wire/cqe.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { bitsOf, CAP_FIELDS, cqHeadDoorbell, REG, sqTailDoorbell } from '../wire/registers.ts';
import { PAGE_MASK } from '../wire/page.ts';
import { toHex } from '../wire/hex.ts';
import { queueChange } from './queueCommands.ts';
import { TargetFault } from './errors.ts';
import { runBatch, together, type BatchOps, type RawAnswer, type RawRequest } from './batch.ts';
import { claimCompletion, completionId, cqeIsNew, cqPop, cqTake, nextIndex, sqeCid, sqFull, sqHeadFrom, sqOutstanding, sqPush, sqSkipToHead } from './ring.ts';
import { judgeCompletion, rememberSlot, stalePhaseFault } from './completionCheck.ts';
import { applyQueueChange, copyFunctionState, copyState, newFunctionState, newTrackedCq, newTrackedSq, type CompletionQueue, type FunctionState, type SubmissionQueue, type TrackerState } from './queueState.ts';

export type { RawDeviceOps } from './batch.ts';

/** The 32-bit register halves a write is split into (64-bit ASQ/ACQ may come as two writes). */
const Dword = {
  CC: REG.CC,
  AQA: REG.AQA,
  ASQ_LO: REG.ASQ,
  ASQ_HI: REG.ASQ + 4,
  ACQ_LO: REG.ACQ,
  ACQ_HI: REG.ACQ + 4,
} as const;

/**
 * CQ slots read at once: one new completion and the slot after it (which
 * says there is no other) in one read, with room for a few more.
 */
const CQ_READ_SLOTS = 4;

export interface QueueTrackerOptions {
  /** How long `submit` polls for a completion before returning null. Default 2000 ms. */
  timeoutMs?: number;
}

/** A read-only view of one function's queues (for diagnostics and tests). */
export interface QueueView {
  sq: Array<{ qid: number; base: bigint; size: number; tail: number; head: number; cqid: number }>;
  cq: Array<{ qid: number; base: bigint; size: number; head: number; phase: 0 | 1 }>;
}

/** `value` with its low or high 32 bits replaced by `dword`. */
function withDword(value: bigint, high: boolean, dword: number): bigint {
  return high ? (value & 0xffffffffn) | (BigInt(dword) << 32n) : (value & 0xffffffff00000000n) | BigInt(dword);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class QueueTracker {
  // (new maps at a reset or restore, not cleared ones: a tracker soon lives in
  // the garbage collector's old generation, and a cleared map's table stays
  // there still pointing at what it held, which young collections then keep)
  private functions = new Map<number, FunctionState>();
  private dstrd = new Map<number, number>();
  /** completions read from a CQ that no submit has claimed yet, per function */
  private unclaimed = new Map<number, Uint8Array[]>();
  private readonly timeoutMs: number;
  /** `seen` arrays this tracker may write in place: none that a saved state shares (copy on write) */
  private ownSeen = new WeakSet<Uint32Array>();
  /** per function, the commands of a run sent and not yet in their SQ's account (submitChunk) */
  private readonly unaccounted = new Map<number, { qid: number; sqes: Uint8Array[] }>();

  constructor(
    private readonly raw: BatchOps,
    options: QueueTrackerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /**
   * Forward a register write and learn from it. A write that sets CC.EN
   * reads CC from the device first (only a 0->1 starts the admin queues): a
   * device may clear CC.EN on its own (a PF reset disables its VFs), so the
   * last value written is not a reliable "before". A caller that read CC
   * itself since its last write to it passes what it read (`ccBefore`; 0
   * after its own disable): a device never sets CC.EN on its own. A write
   * that clears CC.EN needs no read: afterwards the function has no queues,
   * whatever it had before.
   */
  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint, ccBefore?: bigint): Promise<void> {
    const dwords: Array<[number, number]> = [[offset, Number(value & 0xffffffffn)]];
    if (width === 8) dwords.push([offset + 4, Number((value >> 32n) & 0xffffffffn)]);
    const ccWrite = dwords.find(([off]) => off === Dword.CC);
    const enabling = ccWrite !== undefined && (ccWrite[1] & 1) === 1;
    const cc = enabling ? (ccBefore ?? (await this.ccForEnable(fn))) : 0n;
    const starting = enabling && (cc & 1n) === 0n;
    // the queue memory is cleared before the write that lets the device post to it, in the same batch
    await runBatch(this.raw, [...(starting ? this.clearAdminQueues(fn) : []), { op: 'regWrite', fn, offset, width, value }]);

    const state = this.state(fn);
    for (const [off, v] of dwords) {
      if (off === Dword.AQA) state.aqa = v;
      else if (off === Dword.ASQ_LO || off === Dword.ASQ_HI) state.asq = withDword(state.asq, off === Dword.ASQ_HI, v);
      else if (off === Dword.ACQ_LO || off === Dword.ACQ_HI) state.acq = withDword(state.acq, off === Dword.ACQ_HI, v);
    }
    if (ccWrite && !enabling) this.forgetQueues(fn);
    if (starting) this.startAdminQueue(fn);
  }

  /**
   * Like a host driver, clear a completion queue's memory before the device
   * can post to it, so a stale entry from an earlier use of the same memory
   * never passes for a new completion.
   */
  private clearAdminQueues(fn: number): RawRequest[] {
    const s = this.state(fn);
    const entries = ((s.aqa >>> 16) & 0xfff) + 1;
    // and the SQ: a host allocates (zeroed) queue memory before it enables the controller
    const sqEntries = (s.aqa & 0xfff) + 1;
    return [
      { op: 'memWrite', addr: s.acq & PAGE_MASK, data: new Uint8Array(entries * CQE_SIZE) },
      { op: 'memWrite', addr: s.asq & PAGE_MASK, data: new Uint8Array(sqEntries * SQE_SIZE) },
    ];
  }

  /** Function-level reset: registers and queues of `fn` are gone. */
  forgetFunction(fn: number): void {
    this.functions.delete(fn);
    this.unclaimed.delete(fn);
  }

  /** A new device (reset/power-on): forget everything, CAP included. */
  forgetAll(): void {
    this.functions = new Map();
    this.dstrd = new Map();
    this.unclaimed = new Map();
  }

  /** A deep copy of the bookkeeping, for runners that snapshot and restore a device. */
  saveState(): unknown {
    this.ownSeen = new WeakSet();
    return copyState({ functions: this.functions, dstrd: this.dstrd, unclaimed: this.unclaimed });
  }

  restoreState(saved: unknown): void {
    const s = saved as TrackerState;
    this.ownSeen = new WeakSet();
    this.functions = new Map();
    for (const [k, v] of s.functions) this.functions.set(k, copyFunctionState(v));
    this.dstrd = new Map(s.dstrd);
    this.unclaimed = new Map(s.unclaimed);
  }

  view(fn: number): QueueView {
    const s = this.functions.get(fn);
    if (!s) return { sq: [], cq: [] };
    return {
      sq: [...s.sqs].map(([qid, q]) => ({ qid, base: q.base, size: q.size, tail: q.tail, head: q.head, cqid: q.cqid })),
      cq: [...s.cqs].map(([qid, q]) => ({ qid, base: q.base, size: q.size, head: q.head, phase: q.phase })),
    };
  }

  /**
   * Place `sqe` at the tail of SQ `qid` of `fn`, ring its doorbell, wait for
   * the next completion on its CQ and return the 16 CQE bytes, or null when
   * none arrives within the timeout.
   */
  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    try {
      return await this.submitQueued(fn, qid, sqe);
    } catch (e) {
      throw withCommand(e, fn, qid, sqe);
    }
  }

  /**
   * submit(), and host memory the command writes (Identify data, a Read's
   * block, SAVE data) read right after its completion: in the same round
   * trip, when the completion is there at the first look (on a
   * synchronous target it always is). `data`: the bytes of each of
   * `reads`, or null when the completion came later or not at all (the
   * caller reads then, if at all).
   */
  async submitReading(fn: number, qid: number, sqe: Uint8Array, reads: readonly AfterRead[]): Promise<{ cqe: Uint8Array | null; data: Uint8Array[] | null }> {
    const data: Uint8Array[] = [];
    try {
      const cqe = await this.submitQueued(fn, qid, sqe, reads, data);
      return { cqe, data: cqe !== null && data.length === reads.length ? data : null };
    } catch (e) {
      throw withCommand(e, fn, qid, sqe);
    }
  }

  /** `after`: memory read after the CQ, its bytes put in `data` when that CQ read saw the completion (submitReading). */
  private async submitQueued(fn: number, qid: number, sqe: Uint8Array, after?: readonly AfterRead[], data?: Uint8Array[]): Promise<Uint8Array | null> {
    checkSqeSize(sqe);
    const { state, sq, cq } = this.queuesOf(fn, qid);
    const dstrd = this.dstrd.get(fn) ?? (await this.doorbellStride(fn));
    const deadline = Date.now() + this.timeoutMs;
    const cid = sqeCid(sqe);
    const pushed = pushCommand(fn, qid, sq, sqe);
    // the first look at the CQ rides with the doorbell: a synchronous target has posted by then
    const reads = cqReadRequests(cq);
    const requests: RawRequest[] = [
      { op: 'memWrite', addr: sq.base + BigInt(sq.tail * SQE_SIZE), data: sqe },
      { op: 'regWrite', fn, offset: sqTailDoorbell(qid, dstrd), width: 4, value: BigInt(pushed.tail) },
      ...reads,
    ];
    if (after) for (const { addr, len } of after) requests.push({ op: 'memRead', addr, len });
    const answers = await runBatch(this.raw, requests);
    state.sqs.set(qid, pushed);

    const looked = joined(answers.slice(2, 2 + reads.length));
    // the data read after the CQ read is the command's only when that read saw its completion (a device writes the data before it posts)
    const seen = data !== undefined && completionIn(looked, cq, qid, cid);
    const headDoorbell = await this.consume(fn, sq.cqid, dstrd, looked);
    const early = this.claim(fn, qid, cid);
    if (early) {
      if (seen) for (const a of answers.slice(2 + reads.length)) if (a.op === 'memRead') data.push(a.data);
      // the CQ head doorbell and what the completion makes the host do next (clear a new CQ) go together
      const next = [...headDoorbell, ...this.learnFromAdmin(state, qid, sqe, early)];
      if (next.length > 0) await runBatch(this.raw, next);
      return early;
    }
    if (headDoorbell.length > 0) await runBatch(this.raw, headDoorbell);
    const late = await this.pollCompletion(fn, sq.cqid, dstrd, qid, cid, deadline);
    if (late) await runBatch(this.raw, this.learnFromAdmin(state, qid, sqe, late));
    return late;
  }

  /** The function, SQ `qid` and its CQ, or an error that says how to get them. */
  private queuesOf(fn: number, qid: number): { state: FunctionState; sq: SubmissionQueue; cq: CompletionQueue } {
    const state = this.functions.get(fn);
    const sq = state?.sqs.get(qid);
    if (!state || !sq) {
      throw new Error(
        `function ${fn} has no submission queue ${qid}: enable the controller (AQA, ASQ, ACQ, then CC.EN=1) ` +
          `for the admin queue, or create the I/O queue with Create I/O CQ/SQ submitted through this tracker`,
      );
    }
    const cq = state.cqs.get(sq.cqid);
    if (!cq) {
      throw new Error(`function ${fn} SQ ${qid} points at completion queue ${sq.cqid}, which no longer exists`);
    }
    return { state, sq, cq };
  }

  /**
   * Submit `sqes` on SQ `qid` of `fn` in order, as submit() submits each, and
   * give each one's completion (null: none came). `untilNull`: stop after
   * the first that got none (fewer answers than commands; commands of the
   * same batch after it were sent and stay waiting, as a submit that got no
   * completion leaves its command).
   *
   * On a synchronous target (timeout 0) that takes batches, with every
   * command on the CQ answered, as many as the CQ holds without a head
   * doorbell (and the SQ has room for) go as one batch: each SQE, its
   * doorbell and a read of the CQ slots its completion takes, the slots
   * predicted from the commands before it completing; a new CQ one of them
   * creates is cleared right after that command, before the next can make
   * the device post to it. Each completion is then judged as submit judges
   * it, against its SQ as the doorbell of the command it answers left it.
   * After a command that got no completion the predictions no longer hold,
   * and the commands after it are looked for with one look. Elsewhere the
   * commands go one by one.
   */
  async submitRun(fn: number, qid: number, sqes: readonly Uint8Array[], o: { untilNull?: boolean } = {}): Promise<Array<Uint8Array | null>> {
    const out: Array<Uint8Array | null> = [];
    for (let at = 0; at < sqes.length; ) {
      const n = this.runRoom(fn, qid, sqes.length - at);
      const got = n < 2 ? [await this.submit(fn, qid, sqes[at])] : await this.submitChunk(fn, qid, sqes.slice(at, at + n), o.untilNull === true);
      at += got.length;
      const missed = got.indexOf(null);
      if (o.untilNull && missed >= 0) return [...out, ...got.slice(0, missed + 1)];
      out.push(...got);
    }
    return out;
  }

  /** How many of `wanted` commands on SQ `qid` of `fn` go as one batch (below 2: one by one; see submitRun). */
  private runRoom(fn: number, qid: number, wanted: number): number {
    const state = this.functions.get(fn);
    const sq = state?.sqs.get(qid);
    const cq = sq && state?.cqs.get(sq.cqid);
    // an asynchronous target posts when it posts: each command is looked for with polls; one without batch saves nothing
    if (this.timeoutMs !== 0 || this.raw.batch === undefined || !state || !sq || !cq || !this.dstrd.has(fn)) return 0;
    // every command that posts to this CQ answered: the device's CQ head is the host's (its doorbell went first), and nothing else can come
    for (const q of [...state.sqs.values(), ...state.retired.values()]) if (q.cqid === sq.cqid && q.waiting.length > 0) return 0;
    return Math.min(wanted, cq.size - 1, sq.size - 1 - sqOutstanding(sq));
  }

  /** One batch of submitRun (runRoom said it fits); `untilNull`: the completions of commands after one that got none are left for reap. */
  private async submitChunk(fn: number, qid: number, sqes: readonly Uint8Array[], untilNull: boolean): Promise<Array<Uint8Array | null>> {
    const { state, sq, cq } = this.queuesOf(fn, qid);
    const cqid = sq.cqid;
    const dstrd = this.dstrd.get(fn) as number;
    const requests: RawRequest[] = [];
    /** each command's CQ read: where it is in the batch, and the CQ head it reads from */
    const looks: Array<{ at: number; count: number; head: number; phase: 0 | 1 }> = [];
    let tail = sq.tail;
    let predicted = cq;
    for (const sqe of sqes) {
      checkSqeSize(sqe);
      const next = nextIndex(tail, sq.size);
      const reads = cqReadRequests(predicted);
      requests.push({ op: 'memWrite', addr: sq.base + BigInt(tail * SQE_SIZE), data: sqe }, { op: 'regWrite', fn, offset: sqTailDoorbell(qid, dstrd), width: 4, value: BigInt(next) });
      looks.push({ at: requests.length, count: reads.length, head: predicted.head, phase: predicted.phase });
      requests.push(...reads);
      // a host clears a new CQ before an SQ can point at it: right after its Create (the memory is the host's, cleared again if the Create fails)
      const change = qid === 0 ? queueChange(sqe) : undefined;
      if (change?.kind === 'create-cq') requests.push(clearCq(change));
      tail = next;
      predicted = cqPop(predicted);
    }
    // (a target that crashes or hangs here names no command: which of the run's it was performing is not known)
    const answers = await runBatch(this.raw, requests);
    // sent, and in the SQ account only once a completion names them (collect): each judged against its own doorbell's SQ
    this.unaccounted.set(fn, { qid, sqes: [...sqes] });
    const out: Array<Uint8Array | null> = [];
    let doorbell: RawRequest[] = [];
    try {
      for (const [k, sqe] of sqes.entries()) {
        const now = state.cqs.get(cqid);
        const look = looks[k];
        if (now === undefined || now.head !== look.head || now.phase !== look.phase) {
          // a command before it got no completion: one look for every one left
          const db = await this.consume(fn, cqid, dstrd);
          if (db.length > 0) doorbell = db;
          if (!untilNull) for (const rest of sqes.slice(k)) out.push(this.claimInRun(fn, state, qid, rest));
          break;
        }
        const db = await this.consume(fn, cqid, dstrd, joined(answers.slice(look.at, look.at + look.count)));
        if (db.length > 0) doorbell = db;
        out.push(this.claimInRun(fn, state, qid, sqe));
      }
    } finally {
      // the ones no completion named wait on the SQ, as a submit that got none leaves its command
      this.accountUpTo(fn, undefined);
      this.unaccounted.delete(fn);
    }
    if (doorbell.length > 0) await runBatch(this.raw, doorbell);
    return out;
  }

  /** claim's completion of `sqe` in a run; a Create/Delete it answers is learnt (the run cleared a new CQ already). */
  private claimInRun(fn: number, state: FunctionState, qid: number, sqe: Uint8Array): Uint8Array | null {
    const hit = this.claim(fn, qid, sqeCid(sqe));
    if (hit) this.learnFromAdmin(state, qid, sqe, hit);
    return hit;
  }

  /** Put a run's sent commands into their SQ's account, in order, up to the one with CID `cid` (undefined: all of them). */
  private accountUpTo(fn: number, cid: number | undefined): void {
    const run = this.unaccounted.get(fn);
    const state = this.functions.get(fn);
    if (!run || !state) return;
    const upTo = cid === undefined ? run.sqes.length - 1 : run.sqes.findIndex((sqe) => sqeCid(sqe) === cid);
    if (upTo < 0) return;
    for (const sqe of run.sqes.splice(0, upTo + 1)) {
      const sq = state.sqs.get(run.qid);
      if (sq) state.sqs.set(run.qid, pushCommand(fn, run.qid, sq, sqe));
    }
  }

  /**
   * Completions that arrived on `fn`'s queues without being claimed by the
   * submit that waited for them: commands latched while a VF was suspended
   * and fetched later (D11), or completions that came after a submit gave up.
   * Reads whatever the device has posted since, then hands all of them over.
   */
  async reap(fn: number): Promise<Uint8Array[]> {
    await this.look(fn, false);
    const out = this.unclaimed.get(fn) ?? [];
    this.unclaimed.delete(fn);
    return out;
  }

  /**
   * Read every CQ of every function this tracker drives, as a host does
   * between commands: each completion posted since is checked (a stray or a
   * duplicate nobody asked for, a wrong SQ head, a stale phase tag throws a
   * CompletionFault) and kept for the submitter's reap.
   */
  async sweep(): Promise<void> {
    // asked for together: a batch target answers every function's look in one round trip
    await together([...this.functions.keys()].map((fn) => this.look(fn, false)));
  }

  /**
   * One look at every CQ of `fn`, then every head doorbell, each run as one
   * batch. `foreign`: the completions are another submitter's (skipForeignCompletions): not judged.
   */
  private async look(fn: number, foreign: boolean): Promise<void> {
    const state = this.functions.get(fn);
    if (!state || state.cqs.size === 0) return;
    const dstrd = this.dstrd.get(fn) ?? (await this.doorbellStride(fn));
    const cqids: number[] = [];
    // from the head to the ring's end at most: a look finds a completion there far less often than a submit does
    const reads: Array<RawRequest & { op: 'memRead' }> = [];
    for (const [cqid, cq] of state.cqs) {
      cqids.push(cqid);
      reads.push(cqReadRequests(cq)[0]);
    }
    const looks = await runBatch(this.raw, reads);
    const doorbells: RawRequest[] = [];
    for (let i = 0; i < cqids.length; i++) {
      doorbells.push(...(await this.consume(fn, cqids[i], dstrd, looks[i].data, foreign)));
    }
    // a look that consumed nothing writes no doorbell: nothing to send
    if (doorbells.length > 0) await runBatch(this.raw, doorbells);
  }

  /** Consume every completion the device has posted on one CQ, in order, and write its head doorbell. */
  private async drain(fn: number, cqid: number, dstrd: number): Promise<void> {
    await runBatch(this.raw, await this.consume(fn, cqid, dstrd));
  }

  /**
   * Consume every completion the device has posted on one CQ, in order.
   * `looked`: the CQ's slots from its head, already read (with a doorbell,
   * or with the other CQs). Returns the head doorbell write that tells the
   * device so (none when nothing was new), for the caller to send.
   */
  private async consume(fn: number, cqid: number, dstrd: number, looked?: Uint8Array, foreign = false): Promise<RawRequest[]> {
    const state = this.functions.get(fn);
    const found = state?.cqs.get(cqid);
    if (!state || !found) return [];
    let cq: CompletionQueue = found;
    let consumed = 0;
    for (let slots = looked; ; slots = undefined) {
      // several slots per read; read again only when every slot read was new
      slots ??= joined(await runBatch(this.raw, cqReadRequests(cq)));
      let taken = 0;
      for (; taken * CQE_SIZE < slots.length; taken++) {
        const bytes = slots.slice(taken * CQE_SIZE, (taken + 1) * CQE_SIZE);
        const next = cqTake(cq, bytes);
        if (!next) {
          const stale = foreign ? undefined : stalePhaseFault(fn, cqid, cq.phase, cq.head, bytes, cq.seen, state.sqs);
          if (stale) throw stale;
          break;
        }
        // copy on write: a saved state shares this array until the first completion after it
        let seen = cq.seen;
        if (!this.ownSeen.has(seen)) {
          seen = seen.slice();
          this.ownSeen.add(seen);
        }
        rememberSlot(seen, cq.head, bytes);
        // next is a new record (cqTake copies): it takes the array written
        next.seen = seen;
        cq = next;
        this.collect(fn, state, cqid, bytes, foreign);
      }
      consumed += taken;
      if (taken * CQE_SIZE < slots.length || slots.length === 0) break;
    }
    state.cqs.set(cqid, cq);
    return consumed > 0 ? [{ op: 'regWrite', fn, offset: cqHeadDoorbell(cqid, dstrd), width: 4, value: BigInt(cq.head) }] : [];
  }

  /**
   * Check a completion read from CQ `cqid` (completionCheck.ts), learn the SQ
   * head it reports and keep it for its submitter. Another submitter's
   * (`foreign`) only teaches the head.
   */
  private collect(fn: number, state: FunctionState, cqid: number, bytes: Uint8Array, foreign: boolean): void {
    const { sqid, cid } = completionId(bytes);
    if (foreign) {
      const reportedSq = state.sqs.get(sqid);
      if (reportedSq) state.sqs.set(sqid, sqHeadFrom(reportedSq, decodeCqe(bytes).sqhd));
    } else {
      // a completion of a run's command: the commands up to it are in the account (their doorbells rang before its own)
      if (this.unaccounted.get(fn)?.qid === sqid) this.accountUpTo(fn, cid);
      const live = state.sqs.get(sqid);
      const sq = live ?? state.retired.get(sqid);
      const verdict = judgeCompletion(fn, cqid, bytes, sq, state.sqs, live !== undefined);
      if (!verdict.ok) throw verdict.fault;
      const waiting = (sq as SubmissionQueue).waiting.filter((w) => w !== verdict.command);
      const next = { ...(sq as SubmissionQueue) };
      next.waiting = waiting;
      next.consumed = verdict.consumed;
      next.head = verdict.consumed % next.size;
      if (live) state.sqs.set(sqid, next);
      else if (waiting.length > 0) state.retired.set(sqid, next);
      else state.retired.delete(sqid);
    }
    // a new list, never a push: saved states share the old one
    this.unclaimed.set(fn, [...(this.unclaimed.get(fn) ?? []), bytes]);
  }

  /** Take the completion of (sqid, cid) out of the unclaimed list, if it is there. */
  private claim(fn: number, sqid: number, cid: number): Uint8Array | null {
    const list = this.unclaimed.get(fn);
    if (!list) return null;
    const { hit, rest } = claimCompletion(list, sqid, cid, completionId);
    this.unclaimed.set(fn, rest);
    return hit ?? null;
  }

  /**
   * Look again until the completion of (sqid, cid) is there or `deadline`
   * passed; the look that rode with the doorbell found nothing. A
   * synchronous target (timeout 0) gets no second look: it had posted.
   */
  private async pollCompletion(fn: number, cqid: number, dstrd: number, sqid: number, cid: number, deadline: number): Promise<Uint8Array | null> {
    // Asynchronous devices answer within a few polls. After a burst of
    // back-to-back polls, yield 1 ms between polls. Completions of other
    // commands (latched earlier, D11) are kept for reap().
    for (let polls = 1; Date.now() < deadline; polls++) {
      if (polls >= 32) await sleep(1);
      await this.drain(fn, cqid, dstrd);
      const hit = this.claim(fn, sqid, cid);
      if (hit) return hit;
    }
    return null;
  }

  /**
   * A successful admin command that creates or deletes an I/O queue changes
   * the queue set; the writes it makes the host do (clear a new CQ) are
   * returned for the caller to send.
   */
  private learnFromAdmin(state: FunctionState, qid: number, sqe: Uint8Array, cqe: Uint8Array): RawRequest[] {
    const completion = decodeCqe(cqe);
    if (qid !== 0 || completion.sct !== 0 || completion.sc !== 0) return [];
    const change = queueChange(sqe);
    if (!change) return [];
    applyQueueChange(state, change);
    // Nothing was posted to a new CQ yet (no command was submitted on an SQ that points at it, even one a run created with it): clearing is safe.
    return change.kind === 'create-cq' ? [clearCq(change)] : [];
  }

  /**
   * Learn a Create/Delete I/O queue command that completed with success
   * outside `submit`: one latched while the function was suspended (D11) and
   * fetched later, whose completion arrived through `reap`. The queue memory
   * is the submitter's to have cleared.
   */
  adopt(fn: number, sqe: Uint8Array): void {
    const state = this.functions.get(fn);
    if (!state || !state.sqs.has(0)) {
      throw new Error(`the queue tracker knows no admin queue of function ${fn}: enable the controller through the tracker before adopting a Create/Delete`);
    }
    const change = queueChange(sqe);
    if (!change) throw new Error(`adopt: opcode 0x${sqe[0].toString(16)} creates or deletes no I/O queue`);
    applyQueueChange(state, change);
  }

  /**
   * A freshly enabled admin queue may already hold completions of another
   * submitter (the QEMU target provisions its VFs through the PF's admin
   * queue right after CC.EN = 1). Consume and discard every completion the
   * device has posted on `fn`'s queues; when some came from the admin SQ,
   * continue the admin SQ at the device's head (their SQHD) instead of at 0.
   * Returns how many admin completions were skipped.
   */
  async skipForeignCompletions(fn: number): Promise<number> {
    await this.look(fn, true);
    const foreign = (this.unclaimed.get(fn) ?? []).filter((b) => completionId(b).sqid === 0).length;
    this.unclaimed.delete(fn);
    const state = this.functions.get(fn);
    const admin = state?.sqs.get(0);
    // our account of the admin SQ starts at the device's head: nothing of ours was written yet
    if (foreign > 0 && state && admin) state.sqs.set(0, { ...sqSkipToHead(admin), pushed: admin.head, consumed: admin.head });
    return foreign;
  }

  private state(fn: number): FunctionState {
    let s = this.functions.get(fn);
    if (!s) {
      s = newFunctionState();
      this.functions.set(fn, s);
    }
    return s;
  }

  private forgetQueues(fn: number): void {
    this.unclaimed.delete(fn);
    const s = this.state(fn);
    s.sqs.clear();
    s.cqs.clear();
    s.retired.clear();
  }

  /** CC.EN 0->1: the controller latches AQA/ASQ/ACQ and starts both admin queues at 0. */
  private startAdminQueue(fn: number): void {
    const s = this.state(fn);
    this.forgetQueues(fn);
    s.cqs.set(0, newTrackedCq(((s.aqa >>> 16) & 0xfff) + 1, s.acq & PAGE_MASK));
    s.sqs.set(0, newTrackedSq((s.aqa & 0xfff) + 1, s.asq & PAGE_MASK, 0));
  }

  /**
   * CC of `fn`, for a caller about to enable it (its regWrite of CC.EN = 1
   * then takes this value as `ccBefore`): read with CAP when the doorbell
   * stride is not known yet (an enable is followed by a look at the new
   * queues, which needs it: one round trip on a batch target).
   */
  async ccForEnable(fn: number): Promise<bigint> {
    const [cc] = await together([this.raw.regRead(fn, Dword.CC, 4), this.doorbellStride(fn)]);
    return cc;
  }

  /** CAP.DSTRD (doorbell stride 4 << DSTRD), read once per function. */
  private async doorbellStride(fn: number): Promise<number> {
    let dstrd = this.dstrd.get(fn);
    if (dstrd === undefined) {
      dstrd = bitsOf(await this.raw.regRead(fn, REG.CAP, 8), CAP_FIELDS.DSTRD);
      this.dstrd.set(fn, dstrd);
    }
    return dstrd;
  }
}

/** Whether the completion of (sqid, cid) is among the new slots at the head of `slots` (CQ `cq`'s, read from its head). */
function completionIn(slots: Uint8Array, cq: CompletionQueue, sqid: number, cid: number): boolean {
  let c = cq;
  for (let at = 0; at + CQE_SIZE <= slots.length; at += CQE_SIZE) {
    if (!cqeIsNew(c, slots, at)) return false;
    const id = completionId(slots.subarray(at, at + CQE_SIZE));
    if (id.sqid === sqid && id.cid === cid) return true;
    c = cqPop(c);
  }
  return false;
}

/** The host's clearing of a new CQ's memory, before the device may post to it. */
function clearCq(cq: { base: bigint; size: number }): RawRequest {
  return { op: 'memWrite', addr: cq.base, data: new Uint8Array(cq.size * CQE_SIZE) };
}

/** Host memory read after a command's completion (submitReading). */
export interface AfterRead {
  addr: bigint;
  len: number;
}

/** A target that crashed or hung on a command: the error says which command it was. */
function withCommand(e: unknown, fn: number, qid: number, sqe: Uint8Array): unknown {
  return e instanceof TargetFault ? e.withCommand({ fn, qid, cid: sqeCid(sqe), sqe: toHex(sqe) }) : e;
}

function checkSqeSize(sqe: Uint8Array): void {
  if (sqe.length !== SQE_SIZE) throw new Error(`an SQE is ${SQE_SIZE} bytes, got ${sqe.length}`);
}

/** SQ `sq` of `fn` with `sqe` written at its tail and waiting (a new record: sqPush copies); refused when the SQ is full (the caller checked the SQE's size). */
function pushCommand(fn: number, qid: number, sq: SubmissionQueue, sqe: Uint8Array): SubmissionQueue {
  if (sqFull(sq)) {
    throw new Error(
      `function ${fn} SQ ${qid} is full (${sq.size} entries, head ${sq.head}): ` +
        `earlier commands got no completion; reset or re-enable the controller`,
    );
  }
  // filled in before anything holds it
  const pushed = sqPush(sq);
  pushed.pushed = sq.pushed + 1;
  pushed.waiting = [...sq.waiting, { cid: sqeCid(sqe), seq: sq.pushed, sqe: sqe.slice() }];
  return pushed;
}

/**
 * The reads of up to CQ_READ_SLOTS slots from a CQ's head, in ring order:
 * past the ring's end they go on at slot 0 (a second read in the same
 * batch), so a completion at the last slot does not cost a read of its own
 * for the slot after it. Never back round to the head itself.
 */
function cqReadRequests(cq: CompletionQueue): Array<RawRequest & { op: 'memRead' }> {
  const toEnd = Math.min(CQ_READ_SLOTS, cq.size - cq.head);
  const wrapped = Math.min(CQ_READ_SLOTS - toEnd, cq.head);
  const first = { op: 'memRead' as const, addr: cq.base + BigInt(cq.head * CQE_SIZE), len: toEnd * CQE_SIZE };
  return wrapped > 0 ? [first, { op: 'memRead', addr: cq.base, len: wrapped * CQE_SIZE }] : [first];
}

/** The bytes of CQ reads (cqReadRequests' answers) as one run of slots in ring order. */
function joined(answers: readonly RawAnswer[]): Uint8Array {
  const parts = answers.map((a) => (a.op === 'memRead' ? a.data : new Uint8Array(0)));
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
