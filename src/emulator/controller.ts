// One NVMe controller (the PF is function 0, VF k is function k): its BAR0
// registers, its queues in host memory, the fetch loop, and its
// live-migration state. What a fetched command does is the profile's
// executor set (executors.ts, from the device context); it returns an
// outcome and this file posts the completion from it. This file owns the
// state and the rules that move it.
export type { CommandTrace, DeviceContext, HeldSave, InFlight, LmState } from './context.ts';
import type { DeviceContext, HeldSave, InFlight, LmState } from './context.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { CompletionQueue, SQE_SIZE, CQE_SIZE, SubmissionQueue } from './queues.ts';
import {
  CC_EN,
  CC_MPS_SHIFT,
  CC_SHN_SHIFT,
  checkAccess,
  CSTS_CFS,
  CSTS_RDY,
  CSTS_SHST_COMPLETE,
  MAX_ADMIN_QUEUE_ENTRIES,
  readRegister,
  RegisterFile,
  withDword,
} from './registers.ts';
import { REG, DOORBELL_BASE } from '../wire/registers.ts';
import { SQE, rd, splitStatus } from './fields.ts';
import { DROPPED, type Outcome } from './outcome.ts';
import { dropSavesIssuedBy, endDrain, failHeldSave } from './saveDrain.ts';
import { HmlmState, type AsyncEventWords } from './hmlmState.ts';

export class Controller {
  regs = new RegisterFile();
  /** indexed by queue id; 0 is the admin queue */
  sqs: (SubmissionQueue | undefined)[];
  cqs: (CompletionQueue | undefined)[];
  lmState: LmState = 'running';
  inFlight: InFlight[] = [];
  /** the SAVE of this VF waiting for `inFlight` to drain (lmState 'saving', D12) */
  heldSave: HeldSave | undefined = undefined;
  /** Number of Queues feature (zero-based allocated counts) */
  nsqa: number;
  ncqa: number;
  private busy = false;
  private again = false;
  /** an SQ stopped fetching because its CQ was full: the next CQ head doorbell fetches again */
  private stalled = false;
  /** I/O queue ids holding an SQ or a CQ, kept current by setSq/setCq */
  private ioQueues = 0;
  /** CIDs of Asynchronous Event Requests held on the admin queue, oldest first (D33) */
  aers: number[] = [];
  /** events raised while no AER was outstanding: the next AER takes the oldest (D33) */
  pendingEvents: AsyncEventWords[] = [];
  /** the standard profile's state of this function: CDQs (PF), Set State parts (VF) */
  hmlm = new HmlmState();

  constructor(
    readonly ctx: DeviceContext,
    readonly fn: number,
    /** I/O queue ids 1..maxIoQueues exist on this function (geometry limit) */
    readonly maxIoQueues: number,
  ) {
    this.sqs = new Array<SubmissionQueue | undefined>(maxIoQueues + 1).fill(undefined);
    this.cqs = new Array<CompletionQueue | undefined>(maxIoQueues + 1).fill(undefined);
    this.nsqa = maxIoQueues - 1;
    this.ncqa = maxIoQueues - 1;
  }

  get isVf(): boolean {
    return this.fn !== 0;
  }

  get ready(): boolean {
    return (this.regs.csts & (CSTS_RDY | CSTS_CFS)) === CSTS_RDY;
  }

  /** Fetching happens only when ready and (VFs) running: SUSPEND stops it on every SQ (D11). */
  get fetching(): boolean {
    return this.ready && this.lmState === 'running';
  }

  /** Distinct I/O queue ids that hold an SQ or a CQ (what QUERY and SAVE count, D8). */
  ioQueueCount(): number {
    return this.ioQueues;
  }

  /** Install or remove an SQ; every change of `sqs` goes through here. */
  setSq(qid: number, q: SubmissionQueue | undefined): void {
    const had = this.sqs[qid] !== undefined || this.cqs[qid] !== undefined;
    this.sqs[qid] = q;
    this.recount(qid, had);
  }

  /** Install or remove a CQ; every change of `cqs` goes through here. */
  setCq(qid: number, q: CompletionQueue | undefined): void {
    const had = this.sqs[qid] !== undefined || this.cqs[qid] !== undefined;
    this.cqs[qid] = q;
    this.recount(qid, had);
  }

  private recount(qid: number, had: boolean): void {
    if (qid === 0) return;
    const has = this.sqs[qid] !== undefined || this.cqs[qid] !== undefined;
    if (has && !had) this.ioQueues++;
    else if (had && !has) this.ioQueues--;
  }

  // ---- registers -------------------------------------------------------

  regRead(offset: number, width: number): bigint {
    checkAccess(this.fn, offset, width);
    return readRegister(this.regs, offset, width) ?? 0n;
  }

  regWrite(offset: number, width: number, value: number): void {
    checkAccess(this.fn, offset, width);
    if (offset >= DOORBELL_BASE) {
      this.doorbell(offset, value);
      return;
    }
    const r = this.regs;
    switch (offset) {
      case REG.CC:
        this.writeCc(value >>> 0);
        return;
      case REG.INTMS:
        r.intms = (r.intms | value) >>> 0;
        return;
      case REG.INTMC:
        r.intms = (r.intms & ~value) >>> 0;
        return;
      case REG.AQA:
        r.aqa = value >>> 0;
        return;
      case REG.ASQ:
        r.asq = width === 8 ? value : withDword(r.asq, false, value >>> 0);
        return;
      case REG.ASQ + 4:
        r.asq = withDword(r.asq, true, value >>> 0);
        return;
      case REG.ACQ:
        r.acq = width === 8 ? value : withDword(r.acq, false, value >>> 0);
        return;
      case REG.ACQ + 4:
        r.acq = withDword(r.acq, true, value >>> 0);
        return;
      default:
      // CAP, VS, CSTS and reserved space are read-only: writes are ignored, as hardware does.
    }
  }

  private writeCc(value: number): void {
    const r = this.regs;
    const wasEnabled = (r.cc & CC_EN) !== 0;
    r.cc = value;
    const enable = (value & CC_EN) !== 0;
    if (wasEnabled && !enable) {
      this.controllerReset();
      return;
    }
    if (!wasEnabled && enable) this.enable();
    // Shutdown notification completes at once: nothing is cached.
    if (((value >>> CC_SHN_SHIFT) & 3) !== 0) r.csts = (r.csts & ~(3 << 2)) | CSTS_SHST_COMPLETE;
  }

  /** CC.EN 0 -> 1: create the admin queue pair from AQA/ASQ/ACQ, or report a fatal status. */
  private enable(): void {
    const r = this.regs;
    const sqn = r.adminSqEntries;
    const cqn = r.adminCqEntries;
    const mem = this.ctx.memory;
    const ok =
      sqn >= 2 &&
      cqn >= 2 &&
      sqn <= MAX_ADMIN_QUEUE_ENTRIES &&
      cqn <= MAX_ADMIN_QUEUE_ENTRIES &&
      ((r.cc >>> CC_MPS_SHIFT) & 0xf) === 0 &&
      r.asq % PAGE_SIZE === 0 &&
      r.acq % PAGE_SIZE === 0 &&
      mem.isMapped(r.asq, sqn * SQE_SIZE) &&
      mem.isMapped(r.acq, cqn * CQE_SIZE);
    if (!ok) {
      // Bad admin queue attributes: controller fatal status; the host must reset (CC.EN = 0) and fix AQA/ASQ/ACQ.
      r.csts = CSTS_CFS;
      return;
    }
    this.setSq(0, new SubmissionQueue(0, r.asq, sqn, 0));
    this.setCq(0, new CompletionQueue(0, r.acq, cqn, true, 0));
    r.csts = CSTS_RDY;
  }

  /**
   * CC.EN 1 -> 0: delete every queue, drop commands in flight (no
   * completions), clear CSTS; AQA/ASQ/ACQ keep their values (NVMe). A VF
   * goes back to running with its migration data dropped (D13); the PF
   * takes every VF with it (D18).
   */
  controllerReset(): void {
    if (this.heldSave) failHeldSave(this);
    this.clearQueues();
    this.regs.csts = 0;
    this.regs.cc &= ~CC_EN;
    this.lmState = 'running';
    this.nsqa = this.maxIoQueues - 1;
    this.ncqa = this.maxIoQueues - 1;
    // D34: a VF's accumulated Set State parts go, its logging stops; a PF reset deletes every CDQ.
    this.hmlm.parts = undefined;
    const pf = this.ctx.controller(0);
    if (this.fn === 0) pf.hmlm.cdqs.clear();
    else pf.hmlm.stopLogging(this.fn);
    if (this.fn === 0) this.ctx.resetAllVfs();
  }

  /** Function-level reset: the power-on state, registers included (D13, D18 for the PF). */
  flr(): void {
    this.controllerReset();
    this.regs = new RegisterFile();
  }

  /** Tear the controller down as a reset does, without the PF's D18 cascade (used by LOAD). */
  clearQueues(): void {
    this.sqs.fill(undefined);
    this.cqs.fill(undefined);
    this.ioQueues = 0;
    this.inFlight = [];
    this.aers = [];
    this.pendingEvents = [];
    dropSavesIssuedBy(this);
  }

  // ---- doorbells and fetching ------------------------------------------

  private doorbell(offset: number, value: number): void {
    const rel = offset - DOORBELL_BASE;
    if (rel % 4 !== 0) return;
    const n = rel >>> 2;
    const qid = n >>> 1;
    if (qid > this.maxIoQueues || !this.ready) return;
    if ((n & 1) === 0) {
      const sq = this.sqs[qid];
      // A tail outside the queue is an invalid doorbell write: ignored (no asynchronous events here).
      if (!sq || value >= sq.size) return;
      sq.tail = value;
      // While suspended the tail is latched: it stays in sq.tail and is fetched after RESUME (D11).
      if (this.lmState === 'running') this.fetch(sq);
    } else {
      const cq = this.cqs[qid];
      if (!cq || value >= cq.size) return;
      // The host may only consume posted entries; a head beyond the tail is ignored.
      const consumed = value >= cq.head ? value - cq.head : value + cq.size - cq.head;
      if (consumed > cq.used) return;
      cq.head = value;
      if (this.stalled && this.lmState === 'running') {
        this.stalled = false;
        this.kick();
      }
    }
  }

  /** Fetch from one SQ (the doorbell fast path). */
  private fetch(sq: SubmissionQueue): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      this.fetchFrom(sq);
      while (this.again) {
        this.again = false;
        this.fetchAllQueues();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Fetch from every SQ with pending entries: admin first, then I/O by queue id. */
  kick(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        this.fetchAllQueues();
      } while (this.again);
    } finally {
      this.busy = false;
    }
  }

  private fetchAllQueues(): void {
    for (let q = 0; q <= this.maxIoQueues; q++) {
      const sq = this.sqs[q];
      if (sq && sq.head !== sq.tail) this.fetchFrom(sq);
    }
  }

  private fetchFrom(sq: SubmissionQueue): void {
    const mem = this.ctx.memory;
    const cq = this.cqs[sq.cqid]!;
    while (sq.head !== sq.tail && this.fetching && this.sqs[sq.qid] === sq && cq.room > 0) {
      const addr = sq.base + sq.head * SQE_SIZE;
      sq.head = sq.head + 1 === sq.size ? 0 : sq.head + 1;
      cq.reserved++;
      // writable: the command may write its own SQ's page, and execute reads the SQE again after it
      const page = mem.writablePageAt(addr);
      if (!page) {
        this.regs.csts |= CSTS_CFS;
        return;
      }
      this.execute(sq, page.view, addr % PAGE_SIZE);
    }
    if (sq.head !== sq.tail && cq.room === 0) this.stalled = true;
  }

  private execute(sq: SubmissionQueue, view: DataView, off: number): void {
    const ex = this.ctx.executors;
    const out = sq.qid === 0 ? ex.admin(this, view, off) : ex.io(this, sq, view, off);
    const status = out.status;
    const cid = rd(view, off, SQE.cid);
    if (status >= 0) this.complete(sq, cid, status, out.dw0, out.dw1 ?? 0);
    else if (status === DROPPED) this.cqs[sq.cqid]!.reserved--;
    if (this.ctx.trace !== undefined) this.emit(sq.qid, cid, view.getUint8(off), out);
  }

  private emit(sqid: number, cid: number, opcode: number, out: Outcome): void {
    const status = out.status;
    this.ctx.trace!({
      fn: this.fn,
      sqid,
      cid,
      opcode,
      outcome: status >= 0 ? 'completed' : status === DROPPED ? 'dropped' : 'in-flight',
      ...(status >= 0 ? { status: splitStatus(status), dw0: out.dw0 >>> 0 } : {}),
      ...(out.decision === undefined ? {} : { decision: out.decision }),
      ...(out.reason === undefined ? {} : { reason: out.reason }),
    });
  }

  /** Post the completion of a command fetched from `sq` to its CQ (a slot was reserved at fetch). */
  complete(sq: SubmissionQueue, cid: number, status: number, dw0: number, dw1 = 0): void {
    const cq = this.cqs[sq.cqid]!;
    if (!this.ctx.post(this, cq, sq, cid, status, dw0, dw1)) this.regs.csts |= CSTS_CFS;
  }

  // ---- deferred I/O ----------------------------------------------------

  /**
   * Complete the oldest `n` (default all) commands in flight; returns how
   * many completed. The last one ends a held SAVE's drain: the SAVE then
   * captures and posts its own completion on the PF (D12).
   */
  completeIo(n = Infinity): number {
    let done = 0;
    while (done < n && this.inFlight.length > 0) {
      const f = this.inFlight.shift()!;
      const sq = this.sqs[f.sqid]!;
      const out = this.ctx.executors.completeHeld(this, f.sqe, 0);
      this.complete(sq, f.cid, out.status, out.dw0);
      if (this.ctx.trace !== undefined) {
        this.ctx.trace({ fn: this.fn, sqid: f.sqid, cid: f.cid, opcode: f.sqe.getUint8(0), outcome: 'completed', status: splitStatus(out.status), dw0: out.dw0 >>> 0 });
      }
      done++;
    }
    if (this.heldSave && this.inFlight.length === 0) endDrain(this);
    return done;
  }

  // ---- snapshots -------------------------------------------------------

  clone(ctx: DeviceContext): Controller {
    const c = new Controller(ctx, this.fn, this.maxIoQueues);
    c.regs = this.regs.clone();
    // into the arrays the constructor made (as long as these): a restore clones every controller
    for (let i = 0; i < this.sqs.length; i++) if (this.sqs[i] !== undefined) c.sqs[i] = this.sqs[i]!.clone();
    for (let i = 0; i < this.cqs.length; i++) if (this.cqs[i] !== undefined) c.cqs[i] = this.cqs[i]!.clone();
    c.lmState = this.lmState;
    c.heldSave = this.heldSave && { ...this.heldSave, segments: [...this.heldSave.segments] };
    c.inFlight = this.inFlight.map((f) => ({ sqid: f.sqid, cid: f.cid, sqe: new DataView(f.sqe.buffer.slice(0)) }));
    c.nsqa = this.nsqa;
    c.ncqa = this.ncqa;
    c.ioQueues = this.ioQueues;
    c.aers = [...this.aers];
    c.pendingEvents = this.pendingEvents.map((e) => ({ ...e }));
    c.hmlm = this.hmlm.clone();
    c.stalled = true; // conservative: the next CQ head doorbell looks at every SQ
    return c;
  }
}
