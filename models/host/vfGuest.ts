// The guest of one VF, as a binding drives it: its driver, and what it
// believes is in flight. Every I/O is a Write of one block with a pattern
// derived from its LBA, so a read-back proves the data arrived (D15). The
// bindings compare what the guest sees with the machine's observation;
// `settle` matches the completions that arrive after a step with what the
// machine says completed then (latched commands fetched after RESUME, D11;
// deferred I/O completing; nothing else).
import type { Adapter } from '../../src/target/adapter.ts';
import type { AfterRead } from '../../src/target/queueTracker.ts';
import { runBatch, together } from '../../src/target/batch.ts';
import { claimCompletion, sqeCid } from '../../src/target/ring.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { checkReadBack, describePosted, FunctionDriver, isOk, lbaOf, postedDetail, readBufferRead, readCommand, writeCommand, type DriverState, type Posted, type QueueDepths, VF_DEPTHS } from './guest.ts';
import { Mismatch } from '../engine/suite.ts';
import type { LapEnd } from './queueLap.ts';

export interface IoRecord {
  cid: number;
  sqid: number;
  lba: number;
}

export type AdminOp = 'none' | 'create' | 'delete';

/** An admin pair written while the VF did not fetch (D11): both SQEs, to teach the tracker once they complete. */
export interface LatchedPair {
  op: 'create' | 'delete';
  qid: number;
  sqes: [Uint8Array, Uint8Array];
}

/** What the guest believes about its VF: the part a migration carries with the VM. */
export interface VfBook {
  /** I/O submitted so far (chooses LBA, data slot and queue) */
  seq: number;
  enabled: boolean;
  /** I/O queue pairs 1..queues exist */
  queues: number;
  /** fetched and not completed (ioCompletion deferred) */
  fetched: IoRecord[];
  /** written while the VF did not fetch (D11) */
  latched: IoRecord[];
  pair: LatchedPair | null;
}

/** The VM's memory and the guest's beliefs at the moment a SAVE captured its VF: what a LOAD hands over. */
export interface VmImage {
  book: VfBook;
  driver: DriverState;
  pages: Array<[bigint, Uint8Array]>;
}

export interface VfGuestState {
  book: VfBook;
  driver: DriverState;
  unverified: number[];
  written: number[];
}

/** What the machine says completed on the VF in one step. */
export interface VfSettlement {
  /** the latched admin pair fetched and completed */
  admin: AdminOp;
  /** latched I/O fetched (moved to in flight) */
  ioFetched: number;
  /** I/O completions posted */
  ioCompleted: number;
}

const emptyBook = (seq: number): VfBook => ({ seq, enabled: false, queues: 0, fetched: [], latched: [], pair: null });

/**
 * A copy of a book that shares nothing changed in place: only the two lists
 * are; their records, the latched pair and its SQEs are replaced whole. (The
 * runner saves and restores books at every branch: structuredClone was a
 * large part of the check's time, issue 17.)
 */
function copyVfBook(b: VfBook): VfBook {
  // a copy, then the lists: `{ ...b, fetched }` costs several times as much on Node 20's V8 (src/target/queueState.ts)
  const c = { ...b };
  c.fetched = [...b.fetched];
  c.latched = [...b.latched];
  return c;
}

export class VfGuest {
  readonly driver: FunctionDriver;
  book: VfBook = emptyBook(0);
  /** LBAs whose Write completed and that were not read back yet (the namespace is shared storage: no migration rolls it back) */
  unverified: number[] = [];
  /** LBAs written and read back since */
  written: number[] = [];

  constructor(
    readonly adapter: Adapter,
    readonly fn: number,
    timeoutMs: number,
    /** queue ids the guest may create (the VM's memory a migration carries covers them) */
    readonly maxQueues: number,
    depths: QueueDepths = VF_DEPTHS,
    /**
     * How far the guest runs each I/O queue pair round once it is created
     * (queueLap.ts), when the Create completed while the VF held no I/O of
     * the guest's; none by default. For a binding whose paths use a pair for
     * fewer commands than it has slots.
     */
    private readonly ioLap?: LapEnd,
  ) {
    this.driver = new FunctionDriver(adapter, fn, timeoutMs, depths);
  }

  get inFlight(): number {
    return this.book.fetched.length + this.book.latched.length;
  }

  /** The VF was reset (FLR, CC.EN 1->0, a PF reset): every queue and command is gone (D13, D18). */
  powerOn(trackerKnows: boolean): void {
    if (!trackerKnows) this.driver.forget();
    this.book = emptyBook(this.book.seq);
  }

  async enable(): Promise<void> {
    await this.driver.enable();
    this.book.enabled = true;
  }

  async disable(): Promise<void> {
    await this.driver.disable();
    this.powerOn(true);
  }

  /** Create pair queues+1: both complete now (fetching), or neither (latched, D11). */
  async createPair(): Promise<{ qid: number; cqes: [Posted | null, Posted | null] }> {
    const qid = this.book.queues + 1;
    const sqes = await this.driver.createPairCommands(qid);
    return { qid, cqes: await this.pair('create', qid, sqes) };
  }

  /** Delete the highest pair (SQ first). */
  async deletePair(): Promise<{ qid: number; cqes: [Posted | null, Posted | null] }> {
    const qid = this.book.queues;
    return { qid, cqes: await this.pair('delete', qid, this.driver.deletePairCommands(qid)) };
  }

  private async pair(op: 'create' | 'delete', qid: number, sqes: [Uint8Array, Uint8Array]): Promise<[Posted | null, Posted | null]> {
    const [a, b] = await this.driver.submitRun(0, sqes);
    const what = `${op === 'create' ? 'Create' : 'Delete'} I/O queue pair ${qid} on VF ${this.fn}`;
    if ((a === null) !== (b === null)) {
      throw new Mismatch(what, 'both commands completed, or neither (latched)', `${a === null ? 'no completion' : describePosted(a)} then ${b === null ? 'no completion' : describePosted(b)}`);
    }
    if (a === null) this.book.pair = { op, qid, sqes };
    else if (isOk(a) && b !== null && isOk(b)) {
      this.book.queues += op === 'create' ? 1 : -1;
      if (op === 'create' && this.ioLap && this.inFlight === 0) await this.driver.lap(qid, `${what} (set-up)`, this.ioLap, (sqid, cid) => this.releaseHeld(sqid, cid));
    }
    return [a, b];
  }

  /**
   * A no-op held in flight (deferred I/O) on a VF holding nothing else of
   * the guest's: completeIo releases it, the oldest; its completion must be
   * the only one.
   */
  private async releaseHeld(sqid: number, cid: number): Promise<Uint8Array | null> {
    const released = await this.completeOne();
    if (released === null || released.n !== 1) return null;
    const got = released.got;
    const other = got.filter((c) => c.sqid !== sqid || c.cid !== cid);
    if (other.length > 0 || got.length !== 1) {
      throw new Mismatch(`VF ${this.fn}: completeIo of the held no-op CID ${cid} on SQ ${sqid}`, 'its completion alone', got.length === 0 ? 'no completion' : got.map(describePosted).join('; '));
    }
    return got[0].raw;
  }

  /**
   * completeIo of one command, and the completions on the VF's queues
   * after it: asked for together (the reads go after completeIo, in the
   * same round trip on a target that takes completeIo in a batch). Null
   * when the target cannot complete I/O held in flight.
   */
  private async completeOne(): Promise<{ n: number; got: Posted[] } | null> {
    if (!this.adapter.completeIo) return null;
    const [n, got] = await together([this.adapter.completeIo(this.fn, 1), this.driver.reap()]);
    return { n, got };
  }

  /** Write the next block on queue 1 + seq mod queues. The caller files it (completed, fetched or latched). */
  async submitWrite(): Promise<{ rec: IoRecord; cqe: Posted | null }> {
    const seq = this.book.seq++;
    const sqid = 1 + (seq % this.book.queues);
    const lba = lbaOf(this.fn, seq);
    const cid = this.driver.cid();
    const cqe = await this.driver.submit(sqid, await writeCommand(this.driver, seq, lba, cid));
    return { rec: { cid, sqid, lba }, cqe };
  }

  /** The own completion of a Write submitted to a fetching VF in immediate mode. */
  completedNow(rec: IoRecord, cqe: Posted): void {
    const what = `Write of LBA ${rec.lba} on VF ${this.fn} SQ ${rec.sqid}`;
    if (!isOk(cqe)) throw new Mismatch(what, 'Successful Completion', describePosted(cqe), postedDetail(what, cqe));
    this.unverified.push(rec.lba);
  }

  /**
   * Match the completions reaped after a step with what the machine says
   * completed: the latched pair, then I/O (latched ones are fetched first).
   * Anything else that completed, or anything missing, is a mismatch (I2).
   */
  settle(event: string, seen: Posted[], expect: VfSettlement): void {
    let rest = [...seen];
    const take = (sqid: number, cid: number): Posted | undefined => {
      const claimed = claimCompletion(rest, sqid, cid, (c) => c);
      rest = claimed.rest;
      return claimed.hit;
    };
    if (expect.admin !== 'none') {
      const pair = this.book.pair;
      if (pair === null || pair.op !== expect.admin) throw new Error(`binding out of step: the machine completes a latched ${expect.admin} pair the guest never latched`);
      for (const sqe of pair.sqes) {
        const cid = sqeCid(sqe);
        const c = take(0, cid);
        if (c === undefined || !isOk(c)) {
          throw new Mismatch(`${event}: latched ${pair.op} of I/O queue pair ${pair.qid} on VF ${this.fn} (D11)`, `Successful Completion of CID ${cid} on SQ 0`, c === undefined ? 'no completion' : describePosted(c));
        }
        this.driver.adopt(sqe);
      }
      this.book.queues += pair.op === 'create' ? 1 : -1;
      this.book.pair = null;
    }
    this.book.fetched.push(...this.book.latched.splice(0, expect.ioFetched));
    let completed = 0;
    for (const rec of [...this.book.fetched]) {
      const c = take(rec.sqid, rec.cid);
      if (c === undefined) continue;
      if (!isOk(c)) throw new Mismatch(`${event}: Write of LBA ${rec.lba} on VF ${this.fn}`, 'Successful Completion', describePosted(c), postedDetail(`${event}: Write`, c));
      this.book.fetched.splice(this.book.fetched.indexOf(rec), 1);
      this.unverified.push(rec.lba);
      completed++;
    }
    if (rest.length > 0) {
      throw new Mismatch(`${event}: completions on VF ${this.fn}`, expect.ioCompleted === completed ? 'no others' : `${expect.ioCompleted} I/O completions`, `unexpected ${rest.map(describePosted).join('; ')}`);
    }
    if (completed !== expect.ioCompleted) {
      throw new Mismatch(`${event}: I/O completions on VF ${this.fn}`, `${expect.ioCompleted}`, `${completed} (in flight: ${this.book.fetched.map((r) => `CID ${r.cid} SQ ${r.sqid}`).join(', ') || 'none'})`);
    }
  }

  /**
   * D15: read back every block written since the last check. Only on a VF
   * that fetches and holds no I/O (so the read is the one command it
   * completes); with deferred I/O the read needs completeIo.
   */
  async verify(deferred: boolean): Promise<void> {
    if (this.unverified.length === 0 || !this.idle()) return;
    for (const lba of this.unverified) await this.readBack(`D15: read back LBA ${lba} on VF ${this.fn}`, lba, true, deferred);
    this.written = [...new Set([...this.written, ...this.unverified])];
    this.unverified = [];
  }

  /** The VF fetches nothing of its own now: a Read would be the only command it completes. */
  idle(): boolean {
    return this.book.enabled && this.book.queues > 0 && this.inFlight === 0 && this.book.pair === null;
  }

  /**
   * D14, D15: the VF still does I/O: read a block it wrote before (or its
   * first LBA, when it wrote none, checking only the completion). Only on an
   * idle VF (see verify).
   */
  async probe(what: string, deferred: boolean): Promise<void> {
    if (!this.idle()) return;
    const lba = this.written.at(-1);
    await this.readBack(`${what}: VF ${this.fn} reads LBA ${lba ?? lbaOf(this.fn, 0)}`, lba ?? lbaOf(this.fn, 0), lba !== undefined, deferred);
  }

  private async readBack(what: string, lba: number, checkData: boolean, deferred: boolean): Promise<void> {
    const cid = this.driver.cid();
    // the block read with the completion where it comes at once (one round trip on a synchronous batch target); held I/O completes later
    const sent = await this.driver.submitReading(1, await readCommand(this.driver, lba, cid), checkData && !deferred ? [readBufferRead(this.driver)] : []);
    let c = sent.cqe;
    const block = sent.data?.[0];
    if (c === null && deferred) {
      const { n, got } = (await this.completeOne()) ?? { n: 0, got: [] };
      if (n !== 1) throw new Mismatch(what, 'the Read in flight to complete (completeIo 1)', `completeIo completed ${n}`);
      c = got.find((x) => x.cid === cid && x.sqid === 1) ?? null;
      const other = got.filter((x) => x !== c);
      if (other.length > 0) throw new Mismatch(what, 'only the Read to complete', `also ${other.map(describePosted).join('; ')}`);
    }
    if (c === null || !isOk(c)) throw new Mismatch(what, 'Successful Completion', c === null ? 'no completion' : describePosted(c), c === null ? { differences: [{ field: 'completion', expected: 'one', observed: 'none' }] } : postedDetail(what, c));
    if (!checkData) return;
    const wrong = await checkReadBack(this.driver, lba, block);
    if (wrong !== null) throw new Mismatch(what, 'the block the guest wrote', wrong);
  }

  save(): VfGuestState {
    return { book: copyVfBook(this.book), driver: this.driver.save(), unverified: [...this.unverified], written: [...this.written] };
  }

  restore(s: VfGuestState): void {
    this.book = copyVfBook(s.book);
    this.driver.restore(s.driver);
    this.unverified = [...s.unverified];
    this.written = [...s.written];
  }

  /** The VM's pages a migration carries (captureVm reads them). */
  vmPages(): AfterRead[] {
    return this.driver.plan.guestPages(this.maxQueues).map((addr) => ({ addr, len: PAGE }));
  }

  /** What a migration carries: the VM's queue and data pages (`read`: vmPages' bytes, read with the SAVE's completion; else read now), and the guest's beliefs, as SAVE captured the VF. */
  async captureVm(read?: readonly Uint8Array[]): Promise<VmImage> {
    const pages = this.vmPages();
    // the pages are independent reads: one batch on a target that has it
    const data = read ?? (await runBatch(this.adapter, pages.map(({ addr, len }) => ({ op: 'memRead' as const, addr, len })))).map((a) => a.data);
    return { book: copyVfBook(this.book), driver: this.driver.save(), pages: pages.map(({ addr }, i): [bigint, Uint8Array] => [addr, data[i]]) };
  }

  /** LOAD succeeded: the VM continues from the image (its memory and its beliefs; the namespace is shared and stays). */
  async handOver(vm: VmImage): Promise<void> {
    await runBatch(this.adapter, vm.pages.map(([addr, data]) => ({ op: 'memWrite' as const, addr, data })));
    this.book = copyVfBook(vm.book);
    this.driver.restore(vm.driver);
  }
}
