// The fuzzer's host side: where queues and buffers live in host memory, the
// queues the host knows per function, SQE posting and completion reaping by
// phase tag, as a host driver does. Queue memory is "protected": the runner
// keeps generated PRPs out of it, so a fuzzed command can never scribble
// over the host's own queues and make the host misread the device. Slots,
// wraps and phase tags come from src/target/ring.ts; the phase tag is read
// straight from the emulator's memory page, for speed.
import type { EmulatedDevice } from '../emulator/device.ts';
import { decodeCqe, CQE_SIZE, type Cqe } from '../wire/cqe.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { cqHeadDoorbell, sqTailDoorbell, REG, CC_ENABLE } from '../wire/registers.ts';
import { cqeIsNew, cqPop, newCq, nextIndex, type CqRing } from '../target/ring.ts';
import { PageBump } from '../target/pageBump.ts';
import { MemoryWatch } from './memoryWatch.ts';
import { PAGE_SIZE } from '../wire/page.ts';

/** Host memory starts here; page 0 and everything below stays unmapped. */
const HOST_BASE = 0x10_0000;
/** An address no page ever exists at (page aligned, below 2^53). */
export const UNMAPPED = 0x7f00_0000_0000;
export const ADMIN_ENTRIES = 32;

export interface HostSq {
  qid: number;
  base: number;
  size: number;
  tail: number;
  cqid: number;
  /** created on the device (its Create completed with success): the host may post to it */
  ready: boolean;
}

export interface HostCq extends CqRing {
  qid: number;
  base: number;
}

export interface FunctionQueues {
  sqs: Map<number, HostSq>;
  cqs: Map<number, HostCq>;
  /** queue ids taken by queues the host did not build (a fuzzed Create that succeeded) */
  foreignSqs: Set<number>;
  foreignCqs: Set<number>;
}

export interface Reaped {
  fn: number;
  cqid: number;
  /** address of the CQ slot it was read from */
  slot: number;
  cqe: Cqe;
}

export class FuzzHost {
  readonly watch: MemoryWatch;
  /** functions whose controller the host enabled, and their queues */
  readonly fns = new Map<number, FunctionQueues>();
  private readonly memory = new PageBump(HOST_BASE);
  private queuePages = new Map<string, number>();
  private readonly protectedPages = new Set<number>();
  /** pool pages and how many outstanding commands hold each */
  private pool: number[] = [];
  private held = new Map<number, number>();

  constructor(readonly dev: EmulatedDevice) {
    this.watch = new MemoryWatch(dev.memory);
  }

  private fresh(pages: number): number {
    const { at, len } = this.memory.take(pages * PAGE_SIZE);
    this.watch.map(at, len);
    return at;
  }

  /** The page of one queue, reused across resets (queue entries here never exceed one page). */
  queuePage(key: string): number {
    let at = this.queuePages.get(key);
    if (at === undefined) {
      at = this.fresh(1);
      this.queuePages.set(key, at);
      this.protectedPages.add(at / PAGE_SIZE);
    }
    return at;
  }

  isProtected(addr: number): boolean {
    return this.protectedPages.has(Math.floor(addr / PAGE_SIZE));
  }

  /** `n` data pages no outstanding command holds; the caller holds them until `release`. */
  take(n: number): number[] {
    const out: number[] = [];
    for (const p of this.pool) {
      if (out.length === n) break;
      if ((this.held.get(p) ?? 0) === 0) out.push(p);
    }
    while (out.length < n) {
      const p = this.fresh(1);
      this.pool.push(p);
      out.push(p);
    }
    for (const p of out) this.held.set(p, (this.held.get(p) ?? 0) + 1);
    return out;
  }

  release(pages: readonly number[]): void {
    for (const p of pages) this.held.set(p, Math.max(0, (this.held.get(p) ?? 0) - 1));
  }

  /** True when [addr, addr+len) lies in the given pages. */
  static within(pages: readonly number[], addr: number, len: number): boolean {
    const first = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    const last = Math.floor((addr + Math.max(len, 1) - 1) / PAGE_SIZE) * PAGE_SIZE;
    return pages.includes(first) && pages.includes(last);
  }

  queues(fn: number): FunctionQueues | undefined {
    return this.fns.get(fn);
  }

  /** Host part of enabling: admin queue memory (CQ zeroed) and the register values to write, in order. */
  prepareEnable(fn: number): Array<[number, number, bigint]> {
    const asq = this.queuePage(`${fn}:sq0`);
    const acq = this.queuePage(`${fn}:cq0`);
    this.watch.write(acq, new Uint8Array(PAGE_SIZE));
    this.fns.set(fn, {
      sqs: new Map([[0, { qid: 0, base: asq, size: ADMIN_ENTRIES, tail: 0, cqid: 0, ready: true }]]),
      cqs: new Map([[0, { ...newCq(ADMIN_ENTRIES), qid: 0, base: acq }]]),
      foreignSqs: new Set(),
      foreignCqs: new Set(),
    });
    const n = ADMIN_ENTRIES - 1;
    return [
      [REG.AQA, 4, BigInt((n << 16) | n)],
      [REG.ASQ, 8, BigInt(asq)],
      [REG.ACQ, 8, BigInt(acq)],
      [REG.CC, 4, CC_ENABLE],
    ];
  }

  /** After a reset of `fn` the host starts over: it knows no queue of it. */
  forget(fn: number): void {
    this.fns.delete(fn);
  }

  /** Write the SQE at the SQ tail; returns the doorbell write that submits it. */
  place(fn: number, qid: number, sqe: Uint8Array): [number, bigint] {
    const sq = this.fns.get(fn)!.sqs.get(qid)!;
    this.watch.write(sq.base + sq.tail * SQE_SIZE, sqe);
    sq.tail = nextIndex(sq.tail, sq.size);
    return [sqTailDoorbell(qid), BigInt(sq.tail)];
  }

  /** Read every new completion of every known CQ by phase tag, ringing each CQ head doorbell. */
  reapAll(): Reaped[] {
    const out: Reaped[] = [];
    for (const [fn, f] of this.fns) {
      for (const cq of f.cqs.values()) {
        let got = false;
        // A CQ holds at most size - 1 completions between two reaps.
        for (let n = 0; n < cq.size; n++) {
          const slot = cq.base + cq.head * CQE_SIZE;
          const page = this.dev.memory.pageAt(slot)!;
          if (!cqeIsNew(cq, page.bytes, slot % PAGE_SIZE)) break;
          out.push({ fn, cqid: cq.qid, slot, cqe: decodeCqe(this.watch.read(slot, CQE_SIZE)) });
          // in place: the runner's ledger holds this very object (identity tells its queue)
          Object.assign(cq, cqPop(cq));
          got = true;
        }
        if (got) this.dev.regWrite(fn, cqHeadDoorbell(cq.qid), 4, BigInt(cq.head));
      }
    }
    return out;
  }
}
