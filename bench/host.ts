// A minimal synchronous host for the emulator benchmarks: queues in host
// memory, submission by writing the SQE at the tail and ringing the SQ tail
// doorbell, completion by reading the CQE at the head (phase tag) and ringing
// the CQ head doorbell. The same path a driver takes, with nothing else on it
// (no async adapter, no allocation per command), so the figure is the
// emulator's. Any status but success throws: a benchmark of failing commands
// would measure the wrong thing. Slots, wraps and the phase tag come from
// src/target/ring.ts, through its number-level functions (no object per command).
import type { EmulatedDevice } from '../src/emulator/device.ts';
import { sqeFor } from '../src/wire/adminCommands.ts';
import { CQE_SIZE } from '../src/wire/cqe.ts';
import { encodeLmCommand } from '../src/wire/lmCommands.ts';
import { PAGE_SIZE } from '../src/wire/page.ts';
import { CC_ENABLE, cqHeadDoorbell, REG, sqTailDoorbell } from '../src/wire/registers.ts';
import { SQE_SIZE } from '../src/wire/sqe.ts';
import { nextIndex, phaseAfter, phaseTag, type Phase } from '../src/target/ring.ts';
import { PageBump } from '../src/target/pageBump.ts';

interface QueuePair {
  fn: number;
  qid: number;
  sqBase: number;
  cqBase: number;
  entries: number;
  tail: number;
  head: number;
  phase: Phase;
  sqDoorbell: number;
  cqDoorbell: number;
}

export class BenchHost {
  private readonly memory: PageBump;
  private readonly pairs = new Map<string, QueuePair>();
  /** doorbell values as bigints, made once (the device API takes bigints) */
  private readonly big: bigint[] = [];
  private cid = 0;

  constructor(
    readonly dev: EmulatedDevice,
    base = 0x10_0000,
  ) {
    this.memory = new PageBump(base);
  }

  /** Page-aligned, mapped host memory. */
  alloc(bytes: number): number {
    const { at, len } = this.memory.take(bytes);
    this.dev.memory.map(at, len);
    return at;
  }

  private bigOf(n: number): bigint {
    while (this.big.length <= n) this.big.push(BigInt(this.big.length));
    return this.big[n];
  }

  /** Program the admin queue and set CC.EN on function `fn`. */
  enable(fn: number, entries = 64): void {
    const sq = this.alloc(entries * SQE_SIZE);
    const cq = this.alloc(entries * CQE_SIZE);
    this.dev.regWrite(fn, REG.AQA, 4, BigInt(((entries - 1) << 16) | (entries - 1)));
    this.dev.regWrite(fn, REG.ASQ, 8, BigInt(sq));
    this.dev.regWrite(fn, REG.ACQ, 8, BigInt(cq));
    this.dev.regWrite(fn, REG.CC, 4, CC_ENABLE);
    if (!this.dev.inspect(fn).ready) throw new Error(`function ${fn} did not become ready after CC.EN = 1`);
    this.addPair(fn, 0, sq, cq, entries);
  }

  /** Create I/O CQ and SQ `qid` on function `fn` through its admin queue. */
  createIoPair(fn: number, qid: number, entries = 64): void {
    const cq = this.alloc(entries * CQE_SIZE);
    const sq = this.alloc(entries * SQE_SIZE);
    this.command(fn, 0, sqeFor.createIoCq(0, qid, entries, BigInt(cq)));
    this.command(fn, 0, sqeFor.createIoSq(0, qid, entries, BigInt(sq), qid));
    this.addPair(fn, qid, sq, cq, entries);
  }

  private addPair(fn: number, qid: number, sqBase: number, cqBase: number, entries: number): void {
    this.bigOf(entries);
    this.pairs.set(`${fn}:${qid}`, {
      fn,
      qid,
      sqBase,
      cqBase,
      entries,
      tail: 0,
      head: 0,
      phase: 1,
      sqDoorbell: sqTailDoorbell(qid),
      cqDoorbell: cqHeadDoorbell(qid),
    });
  }

  pair(fn: number, qid: number): QueuePair {
    const p = this.pairs.get(`${fn}:${qid}`);
    if (!p) throw new Error(`function ${fn} has no queue pair ${qid}: enable it or create it first`);
    return p;
  }

  /** LM command on the PF admin queue (the SQE, built once; submit with `command`). */
  static lmSqe(opcode: number, vfIndex: number, prp1?: bigint, prp2?: bigint, size?: number): Uint8Array {
    return encodeLmCommand({ opcode, vfIndex, prp1, prp2, size });
  }

  /**
   * Submit `sqe` (its CID is overwritten) on queue pair `qid` of `fn` and wait
   * for its completion; returns DW0. Queue depth 1: the completion is posted
   * before the doorbell write returns, as the emulator is synchronous.
   */
  command(fn: number, qid: number, sqe: Uint8Array): number {
    return this.commandOn(this.pair(fn, qid), sqe);
  }

  commandOn(q: QueuePair, sqe: Uint8Array): number {
    const dev = this.dev;
    const cid = (this.cid = (this.cid + 1) & 0xffff);
    sqe[2] = cid & 0xff;
    sqe[3] = cid >>> 8;
    dev.memory.write(q.sqBase + q.tail * SQE_SIZE, sqe);
    q.tail = nextIndex(q.tail, q.entries);
    dev.regWrite(q.fn, q.sqDoorbell, 4, this.big[q.tail]);
    const at = q.cqBase + q.head * CQE_SIZE;
    const page = dev.memory.pageAt(at);
    if (!page) throw new Error('the completion queue is not mapped');
    const off = at % PAGE_SIZE;
    if (phaseTag(page.bytes, off) !== q.phase) throw new Error(`no completion for CID ${cid} on function ${q.fn} queue ${q.qid}`);
    const dw3 = page.view.getUint32(off + 12, true);
    if ((dw3 & 0xffff) !== cid) throw new Error(`completion for CID ${dw3 & 0xffff}, expected ${cid}`);
    const status = (dw3 >>> 17) & 0x7fff;
    if ((status & 0x7ff) !== 0) {
      throw new Error(`command 0x${sqe[0].toString(16)} on function ${q.fn} queue ${q.qid} failed: SCT ${(status >>> 8) & 7}, SC 0x${(status & 0xff).toString(16)}`);
    }
    const dw0 = page.view.getUint32(off, true);
    q.head = nextIndex(q.head, q.entries);
    q.phase = phaseAfter(q.head, q.phase);
    dev.regWrite(q.fn, q.cqDoorbell, 4, this.big[q.head]);
    return dw0;
  }
}
