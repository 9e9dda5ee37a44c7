// The guest's NVMe driver on one VF, as a VM runs it: it owns a region of
// guest-physical memory for its queues and data buffers, brings its VF
// controller up (AQA/ASQ/ACQ, CC.EN, Number of Queues, I/O queue pairs),
// submits by writing SQ entries and ringing tail doorbells, and reaps
// completions by phase tag. It never talks to the host driver; after a live
// migration it simply finds itself on another device (moveTo) with the same
// memory contents, which is the whole point of the exercise. The queue
// arithmetic (tail, head, phase, wrap) is src/target/ring.ts's.
import { decodeCqe, CQE_SIZE, type Cqe } from '../wire/cqe.ts';
import { dsmRanges, sqeFor } from '../wire/adminCommands.ts';
import { CC_ENABLE, cqHeadDoorbell, CSTS_FIELDS, REG, sqTailDoorbell, bitsOf } from '../wire/registers.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { isSuccess } from '../wire/status.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import { PageBump } from '../target/pageBump.ts';
import { cqTake, newCq, newSq, sqeCid, sqPush, type CqRing, type SqRing } from '../target/ring.ts';
import type { HostileCommand } from './hostile.ts';
import type { BlockRange, IoKind, IoPhase, IoRecord, Ledger } from './ledger.ts';
import { BLOCK_SIZE } from './stamp.ts';

/** What a guest reaches of a device: its VF's registers and guest-physical memory. */
export interface GuestPlatform {
  regWrite(fn: number, offset: number, width: number, value: bigint): void;
  regRead(fn: number, offset: number, width: number): bigint;
  readonly memory: {
    read(addr: number, len: number): Uint8Array;
    write(addr: number, data: Uint8Array): void;
    map(addr: number, len: number): void;
  };
}

/** Entries per queue (admin and I/O); at most entries - 1 commands are outstanding per queue. */
export const QUEUE_ENTRIES = 32;
/** Each command's data buffer: two pages, so a transfer may start mid-page and use PRP2. */
const BUFFER_BYTES = 2 * PAGE_SIZE;

/** A queue pair in guest memory; the guest counts outstanding commands itself, so it never reads the SQ head. */
interface RingState {
  sqBase: number;
  cqBase: number;
  sq: SqRing;
  cq: CqRing;
}

const queuePair = (sqBase: number, cqBase: number): RingState => ({ sqBase, cqBase, sq: newSq(QUEUE_ENTRIES), cq: newCq(QUEUE_ENTRIES) });

interface IoQueue extends RingState {
  qid: number;
  outstanding: Map<number, IoRecord>;
}

/** An admin command the guest sent and the completion it got (init commands, and the hostile LM opcodes of D1). */
export interface AdminRecord {
  cid: number;
  opcode: number;
  hostile: boolean;
  cqes: Cqe[];
  droppedByReset: boolean;
}

export class Guest {
  private readonly memory: PageBump;
  private admin: RingState | undefined;
  private adminPending = new Map<number, AdminRecord>();
  private queues: IoQueue[] = [];
  private readonly cids = new Map<number, number>();
  /** completed I/O by "qid:cid", to recognise a second completion (D15) */
  private readonly done = new Map<string, IoRecord>();
  private readonly freeBuffers: number[] = [];
  private scratch: number | undefined;
  readonly adminLog: AdminRecord[] = [];
  /** admin completions that matched no command */
  adminStrays = 0;
  /** how many times the guest found its controller reset and brought it up again */
  resets = 0;
  /** called for the first completion of every I/O command */
  onIoCompletion: ((rec: IoRecord, data: Uint8Array | undefined) => void) | undefined;

  constructor(
    public dev: GuestPlatform,
    readonly fn: number,
    readonly regionBase: number,
    readonly regionBytes: number,
    readonly ledger: Ledger,
  ) {
    if (regionBase % PAGE_SIZE !== 0) throw new RangeError(`guest memory must start on a page boundary, got 0x${regionBase.toString(16)}`);
    this.memory = new PageBump(regionBase, regionBase + regionBytes);
  }

  /** Guest-physical memory handed out so far: what a hypervisor copies to the destination. */
  get usedBytes(): number {
    return this.memory.next - this.regionBase;
  }

  get queueCount(): number {
    return this.queues.length;
  }

  /** Commands submitted and not completed, over every I/O queue. */
  get outstanding(): number {
    return this.queues.reduce((n, q) => n + q.outstanding.size, 0);
  }

  /** Room for another command on I/O queue index `i` (0-based). */
  hasRoom(i: number): boolean {
    return this.queues[i].outstanding.size < QUEUE_ENTRIES - 1;
  }

  private alloc(bytes: number): number {
    if (!this.memory.fits(bytes)) {
      throw new RangeError(`guest of VF ${this.fn} ran out of its ${this.regionBytes >> 20} MiB of memory; use fewer queues or less I/O`);
    }
    const { at, len } = this.memory.take(bytes);
    this.dev.memory.map(at, len);
    return at;
  }

  /** Enable the controller and create `queues` I/O queue pairs (qid i has CQ i). Throws if the VF refuses. */
  init(queues: number): void {
    const asq = this.alloc(QUEUE_ENTRIES * SQE_SIZE);
    const acq = this.alloc(QUEUE_ENTRIES * CQE_SIZE);
    const n = BigInt(QUEUE_ENTRIES - 1);
    this.dev.regWrite(this.fn, REG.AQA, 4, (n << 16n) | n);
    this.dev.regWrite(this.fn, REG.ASQ, 8, BigInt(asq));
    this.dev.regWrite(this.fn, REG.ACQ, 8, BigInt(acq));
    this.dev.regWrite(this.fn, REG.CC, 4, CC_ENABLE);
    if (!this.ready()) throw new Error(`VF ${this.fn} did not become ready after CC.EN = 1 (CSTS.RDY = 0); check its admin queue attributes`);
    this.admin = queuePair(asq, acq);
    this.queues = [];
    this.adminSync(sqeFor.setNumberOfQueues(this.nextAdminCid(), queues, queues), 'Set Features (Number of Queues)');
    for (let qid = 1; qid <= queues; qid++) {
      const cq = this.alloc(QUEUE_ENTRIES * CQE_SIZE);
      const sq = this.alloc(QUEUE_ENTRIES * SQE_SIZE);
      this.adminSync(sqeFor.createIoCq(this.nextAdminCid(), qid, QUEUE_ENTRIES, BigInt(cq)), `Create I/O CQ ${qid}`);
      this.adminSync(sqeFor.createIoSq(this.nextAdminCid(), qid, QUEUE_ENTRIES, BigInt(sq), qid), `Create I/O SQ ${qid}`);
      this.queues.push({ ...queuePair(sq, cq), qid, outstanding: new Map() });
    }
  }

  ready(): boolean {
    return bitsOf(this.dev.regRead(this.fn, REG.CSTS, 4), CSTS_FIELDS.RDY) === 1;
  }

  /** The guest believes its controller runs, but CSTS.RDY is 0: an FLR or a controller reset happened (D13, D18). */
  wasReset(): boolean {
    return this.admin !== undefined && !this.ready();
  }

  /**
   * After a reset: take the completions the device posted before it, drop
   * every command still outstanding (D13: lost by design), and bring the
   * controller up again with fresh queues. Returns the dropped I/O.
   */
  recover(): IoRecord[] {
    this.reap();
    const dropped: IoRecord[] = [];
    for (const q of this.queues) {
      for (const rec of q.outstanding.values()) {
        this.ledger.drop(rec);
        this.freeBuffers.push(rec.buffer);
        dropped.push(rec);
      }
    }
    for (const a of this.adminPending.values()) a.droppedByReset = true;
    this.adminPending.clear();
    const queues = this.queues.length;
    this.admin = undefined;
    this.queues = [];
    this.resets++;
    this.init(queues);
    return dropped;
  }

  /** The guest runs on another device from now on (its memory was copied there, its VF state loaded). */
  moveTo(dev: GuestPlatform): void {
    this.dev = dev;
  }

  /** Copy every page of guest memory handed out so far to `to` (the hypervisor's job in a migration); returns the bytes copied. */
  copyMemory(from: GuestPlatform['memory'], to: GuestPlatform['memory']): number {
    for (let a = this.regionBase; a < this.memory.next; a += PAGE_SIZE) to.write(a, from.read(a, PAGE_SIZE));
    return this.usedBytes;
  }

  /**
   * Submit one I/O command on queue index `i`: a write of the given blocks
   * (already stamped in `data`), a read, a Write Zeroes, or a deallocate of
   * `ranges` (Dataset Management, its range list in the data buffer).
   * Returns undefined when the queue is full.
   */
  submitIo(i: number, kind: IoKind, phase: IoPhase, slba: number, blocks: number, generation: number, startMidPage: boolean, data?: Uint8Array, ranges?: readonly BlockRange[]): IoRecord | undefined {
    const q = this.queues[i];
    if (!this.hasRoom(i)) return undefined;
    const buffer = this.freeBuffers.pop() ?? this.alloc(BUFFER_BYTES);
    const offset = startMidPage ? PAGE_SIZE / 2 : 0;
    if (kind === 'write') {
      if (!data || data.length !== blocks * BLOCK_SIZE) throw new RangeError(`a write of ${blocks} blocks needs ${blocks * BLOCK_SIZE} bytes of data`);
      this.dev.memory.write(buffer + offset, data);
    }
    if (kind === 'deallocate') {
      if (!ranges || ranges.length === 0 || ranges.length > 256) throw new RangeError(`a deallocate names 1 to 256 ranges, got ${ranges?.length ?? 0}`);
      this.dev.memory.write(buffer + offset, dsmRanges(ranges));
    }
    const cid = this.nextCid(q);
    const prp1 = BigInt(buffer + offset);
    const prp2 = BigInt(buffer + PAGE_SIZE);
    const sqe = ioSqe(kind, cid, BigInt(slba), blocks, prp1, prp2, ranges?.length ?? 0);
    const rec = this.ledger.open({ fn: this.fn, qid: q.qid, cid, kind, phase, slba, blocks, generation, buffer, offset, ...(ranges ? { ranges } : {}) });
    q.outstanding.set(cid, rec);
    this.post(q, q.qid, sqe);
    return rec;
  }

  /** Reap every new completion of the admin CQ and every I/O CQ. */
  reap(): void {
    if (this.admin) this.reapRing(this.admin, 0, (c) => this.adminCompleted(c));
    for (const q of this.queues) this.reapRing(q, q.qid, (c) => this.ioCompleted(q, c));
  }

  /**
   * A hostile guest (D1, D19): the profile's migration commands on its own
   * VF's admin queue (hostile.ts says which). Nothing waits for them; their
   * completions arrive through reap (at once while the VF runs, after RESUME
   * when it is suspended, D11).
   */
  sendHostile(commands: readonly HostileCommand[]): AdminRecord[] {
    const a = this.admin;
    if (!a) throw new Error(`VF ${this.fn} has no admin queue; init() first`);
    this.scratch ??= this.alloc(BUFFER_BYTES);
    const prp1 = BigInt(this.scratch);
    const prp2 = BigInt(this.scratch + PAGE_SIZE);
    const out: AdminRecord[] = [];
    for (const make of commands) {
      if (this.adminPending.size >= QUEUE_ENTRIES - 1) break;
      const cid = this.nextAdminCid();
      const sqe = make(cid, prp1, prp2);
      const rec: AdminRecord = { cid, opcode: sqe[0], hostile: true, cqes: [], droppedByReset: false };
      this.adminPending.set(cid, rec);
      this.adminLog.push(rec);
      this.post(a, 0, sqe);
      out.push(rec);
    }
    this.reap();
    return out;
  }

  /** Read the data buffer of a read command. */
  readData(rec: IoRecord): Uint8Array {
    return this.dev.memory.read(rec.buffer + rec.offset, rec.blocks * BLOCK_SIZE);
  }

  private adminSync(sqe: Uint8Array, what: string): Cqe {
    const a = this.admin!;
    const cid = sqeCid(sqe);
    const rec: AdminRecord = { cid, opcode: sqe[0], hostile: false, cqes: [], droppedByReset: false };
    this.adminPending.set(cid, rec);
    this.adminLog.push(rec);
    this.post(a, 0, sqe);
    this.reap();
    const cqe = rec.cqes[0];
    if (!cqe) throw new Error(`${what} on VF ${this.fn} got no completion; the VF must be running (not suspended) for the guest to initialize it`);
    if (!isSuccess(cqe)) throw new Error(`${what} on VF ${this.fn} failed: SCT ${cqe.sct} SC 0x${cqe.sc.toString(16)}; check the VF's queue limit`);
    return cqe;
  }

  private post(ring: RingState, qid: number, sqe: Uint8Array): void {
    this.dev.memory.write(ring.sqBase + ring.sq.tail * SQE_SIZE, sqe);
    ring.sq = sqPush(ring.sq);
    this.dev.regWrite(this.fn, sqTailDoorbell(qid), 4, BigInt(ring.sq.tail));
  }

  private reapRing(ring: RingState, qid: number, handle: (c: Cqe) => void): void {
    let n = 0;
    for (;;) {
      const bytes = this.dev.memory.read(ring.cqBase + ring.cq.head * CQE_SIZE, CQE_SIZE);
      const next = cqTake(ring.cq, bytes);
      if (!next) break;
      ring.cq = next;
      n++;
      handle(decodeCqe(bytes));
    }
    if (n > 0) this.dev.regWrite(this.fn, cqHeadDoorbell(qid), 4, BigInt(ring.cq.head));
  }

  private adminCompleted(c: Cqe): void {
    const rec = this.adminPending.get(c.cid);
    if (!rec) {
      this.adminStrays++;
      return;
    }
    this.adminPending.delete(c.cid);
    rec.cqes.push(c);
  }

  private ioCompleted(q: IoQueue, c: Cqe): void {
    const rec = q.outstanding.get(c.cid);
    if (!rec || c.sqid !== q.qid) {
      // a second completion of a command already completed, or one never submitted (D15)
      const again = this.done.get(`${c.sqid}:${c.cid}`);
      if (again) this.ledger.complete(again, c);
      else this.ledger.stray();
      return;
    }
    q.outstanding.delete(c.cid);
    this.done.set(`${q.qid}:${c.cid}`, rec);
    this.ledger.complete(rec, c);
    const data = rec.kind === 'read' && isSuccess(c) ? this.readData(rec) : undefined;
    this.freeBuffers.push(rec.buffer);
    this.onIoCompletion?.(rec, data);
  }

  /** CIDs count up per queue for the guest's whole life (resets included), so a late duplicate cannot pass for a new command. */
  private nextCid(q: IoQueue): number {
    const outstanding = q.outstanding;
    let cid = this.cids.get(q.qid) ?? 0;
    do cid = (cid % 0xffff) + 1;
    while (outstanding.has(cid));
    this.cids.set(q.qid, cid);
    return cid;
  }

  private nextAdminCid(): number {
    let cid = this.cids.get(0) ?? 0;
    do cid = (cid % 0xffff) + 1;
    while (this.adminPending.has(cid));
    this.cids.set(0, cid);
    return cid;
  }
}

function ioSqe(kind: IoKind, cid: number, slba: bigint, blocks: number, prp1: bigint, prp2: bigint, ranges: number): Uint8Array {
  if (kind === 'write') return sqeFor.write(cid, 1, slba, blocks, prp1, prp2);
  if (kind === 'read') return sqeFor.read(cid, 1, slba, blocks, prp1, prp2);
  if (kind === 'zeroes') return sqeFor.writeZeroes(cid, 1, slba, blocks);
  return sqeFor.deallocate(cid, 1, ranges, prp1, prp2);
}
