// Host-side queue bookkeeping for any device reached through raw register and
// memory operations (QEMU through qtest, the emulator, a JSON-lines server).
// It learns each function's admin queue from the register writes it forwards
// (AQA, ASQ, ACQ, CC) and the I/O queues from successful Create/Delete admin
// commands submitted through it, so `submit(fn, qid, sqe)` can place the SQE,
// ring the doorbell, and collect the completion like a host driver does.
//
// The few SQE/CQE fields it reads are listed here as a private table; they
// should come from src/wire once that codec exists.

export interface RawDeviceOps {
  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void>;
  regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint>;
  memWrite(addr: bigint, data: Uint8Array): Promise<void>;
  memRead(addr: bigint, len: number): Promise<Uint8Array>;
}

/** Controller registers the tracker watches (BAR0 offsets, 32-bit halves). */
export const TrackedReg = {
  CAP: 0x00, // 64: DSTRD in bits 35:32
  CC: 0x14, // EN bit 0
  AQA: 0x24, // ASQS 11:0, ACQS 27:16 (zero-based)
  ASQ_LO: 0x28,
  ASQ_HI: 0x2c,
  ACQ_LO: 0x30,
  ACQ_HI: 0x34,
  DOORBELL_BASE: 0x1000,
} as const;

/** SQE / CQE fields used here: name -> byte offset (all little-endian). */
const SqeField = { OPC: 0, CID: 2, PRP1: 24, CDW10: 40, CDW11: 44 } as const; // OPC 8-bit, CID 16, PRP1 64, CDWs 32
const CqeField = { SQHD: 8, SQID: 10, CID: 12, STATUS: 14 } as const; // 16-bit each; STATUS bit 0 = phase

const SQE_BYTES = 64;
const CQE_BYTES = 16;

const AdminOpcode = { DELETE_IO_SQ: 0x00, CREATE_IO_SQ: 0x01, DELETE_IO_CQ: 0x04, CREATE_IO_CQ: 0x05 } as const;

interface SubmissionQueue {
  base: bigint;
  size: number;
  tail: number;
  /** Last SQ head the device reported in a CQE; the queue is full when tail + 1 == head. */
  head: number;
  cqid: number;
}

interface CompletionQueue {
  base: bigint;
  size: number;
  head: number;
  phase: 0 | 1;
}

interface FunctionState {
  aqa: number;
  asq: bigint;
  acq: bigint;
  sqs: Map<number, SubmissionQueue>;
  cqs: Map<number, CompletionQueue>;
}

export interface QueueTrackerOptions {
  /** How long `submit` polls for a completion before returning null. Default 2000 ms. */
  timeoutMs?: number;
}

/** A read-only view of one function's queues (for diagnostics and tests). */
export interface QueueView {
  sq: Array<{ qid: number; base: bigint; size: number; tail: number; head: number; cqid: number }>;
  cq: Array<{ qid: number; base: bigint; size: number; head: number; phase: 0 | 1 }>;
}

function u16(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8);
}
function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
function u64(bytes: Uint8Array, at: number): bigint {
  return BigInt(u32(bytes, at)) | (BigInt(u32(bytes, at + 4)) << 32n);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class QueueTracker {
  private readonly functions = new Map<number, FunctionState>();
  private readonly dstrd = new Map<number, number>();
  private readonly timeoutMs: number;

  constructor(
    private readonly raw: RawDeviceOps,
    options: QueueTrackerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /**
   * Forward a register write and learn from it. CC is read from the device
   * first: a device may clear CC.EN on its own (a PF reset disables its VFs),
   * so the last value written is not a reliable "before".
   */
  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    const dwords: Array<[number, number]> = [[offset, Number(value & 0xffffffffn)]];
    if (width === 8) dwords.push([offset + 4, Number((value >> 32n) & 0xffffffffn)]);
    const ccWrite = dwords.find(([off]) => off === TrackedReg.CC);
    const enBefore = ccWrite ? (await this.raw.regRead(fn, TrackedReg.CC, 4)) & 1n : 0n;

    await this.raw.regWrite(fn, offset, width, value);

    const state = this.state(fn);
    for (const [off, v] of dwords) {
      switch (off) {
        case TrackedReg.AQA:
          state.aqa = v;
          break;
        case TrackedReg.ASQ_LO:
          state.asq = (state.asq & 0xffffffff00000000n) | BigInt(v);
          break;
        case TrackedReg.ASQ_HI:
          state.asq = (state.asq & 0xffffffffn) | (BigInt(v) << 32n);
          break;
        case TrackedReg.ACQ_LO:
          state.acq = (state.acq & 0xffffffff00000000n) | BigInt(v);
          break;
        case TrackedReg.ACQ_HI:
          state.acq = (state.acq & 0xffffffffn) | (BigInt(v) << 32n);
          break;
      }
    }
    if (ccWrite) {
      const enAfter = ccWrite[1] & 1;
      if (enBefore === 1n && enAfter === 0) this.forgetQueues(fn);
      if (enBefore === 0n && enAfter === 1) this.startAdminQueue(fn);
    }
  }

  /** Function-level reset: registers and queues of `fn` are gone. */
  forgetFunction(fn: number): void {
    this.functions.delete(fn);
  }

  /** A new device (reset/power-on): forget everything, CAP included. */
  forgetAll(): void {
    this.functions.clear();
    this.dstrd.clear();
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
    if (sqe.length !== SQE_BYTES) {
      throw new Error(`an SQE is ${SQE_BYTES} bytes, got ${sqe.length}`);
    }
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
    const nextTail = (sq.tail + 1) % sq.size;
    if (nextTail === sq.head) {
      throw new Error(
        `function ${fn} SQ ${qid} is full (${sq.size} entries, head ${sq.head}): ` +
          `earlier commands got no completion; reset or re-enable the controller`,
      );
    }
    const stride = await this.doorbellStride(fn);
    await this.raw.memWrite(sq.base + BigInt(sq.tail * SQE_BYTES), sqe);
    sq.tail = nextTail;
    await this.raw.regWrite(fn, TrackedReg.DOORBELL_BASE + 2 * qid * stride, 4, BigInt(sq.tail));

    const cqe = await this.pollCompletion(fn, sq.cqid, cq, stride);
    if (cqe === null) return null;
    const reportedSq = state.sqs.get(u16(cqe, CqeField.SQID));
    if (reportedSq) reportedSq.head = u16(cqe, CqeField.SQHD) % reportedSq.size;
    if (qid === 0) this.learnFromAdmin(state, sqe, cqe);
    return cqe;
  }

  private async pollCompletion(
    fn: number,
    cqid: number,
    cq: CompletionQueue,
    stride: number,
  ): Promise<Uint8Array | null> {
    const entry = cq.base + BigInt(cq.head * CQE_BYTES);
    const deadline = Date.now() + this.timeoutMs;
    // Synchronous devices answer on the first poll; asynchronous ones within a
    // few. After a burst of back-to-back polls, yield 1 ms between polls.
    for (let polls = 0; ; polls++) {
      const bytes = await this.raw.memRead(entry, CQE_BYTES);
      if ((u16(bytes, CqeField.STATUS) & 1) === cq.phase) {
        cq.head = (cq.head + 1) % cq.size;
        if (cq.head === 0) cq.phase = cq.phase === 1 ? 0 : 1;
        await this.raw.regWrite(fn, TrackedReg.DOORBELL_BASE + (2 * cqid + 1) * stride, 4, BigInt(cq.head));
        return bytes;
      }
      if (Date.now() >= deadline) return null;
      if (polls >= 32) await sleep(1);
    }
  }

  private learnFromAdmin(state: FunctionState, sqe: Uint8Array, cqe: Uint8Array): void {
    const statusField = u16(cqe, CqeField.STATUS) >> 1; // SC 7:0, SCT 10:8, ...
    if ((statusField & 0x7ff) !== 0) return; // only successful commands change the queue set
    const cdw10 = u32(sqe, SqeField.CDW10);
    const id = cdw10 & 0xffff;
    const size = (cdw10 >>> 16) + 1;
    switch (sqe[SqeField.OPC]) {
      case AdminOpcode.CREATE_IO_CQ:
        state.cqs.set(id, { base: u64(sqe, SqeField.PRP1), size, head: 0, phase: 1 });
        break;
      case AdminOpcode.CREATE_IO_SQ:
        state.sqs.set(id, { base: u64(sqe, SqeField.PRP1), size, tail: 0, head: 0, cqid: u32(sqe, SqeField.CDW11) >>> 16 });
        break;
      case AdminOpcode.DELETE_IO_SQ:
        if (id !== 0) state.sqs.delete(id);
        break;
      case AdminOpcode.DELETE_IO_CQ:
        if (id !== 0) state.cqs.delete(id);
        break;
    }
  }

  private state(fn: number): FunctionState {
    let s = this.functions.get(fn);
    if (!s) {
      s = { aqa: 0, asq: 0n, acq: 0n, sqs: new Map(), cqs: new Map() };
      this.functions.set(fn, s);
    }
    return s;
  }

  private forgetQueues(fn: number): void {
    const s = this.state(fn);
    s.sqs.clear();
    s.cqs.clear();
  }

  /** CC.EN 0->1: the controller latches AQA/ASQ/ACQ and starts both admin queues at 0. */
  private startAdminQueue(fn: number): void {
    const s = this.state(fn);
    this.forgetQueues(fn);
    const page = ~0xfffn;
    s.cqs.set(0, { base: s.acq & page, size: ((s.aqa >>> 16) & 0xfff) + 1, head: 0, phase: 1 });
    s.sqs.set(0, { base: s.asq & page, size: (s.aqa & 0xfff) + 1, tail: 0, head: 0, cqid: 0 });
  }

  /** Doorbell stride in bytes, 4 << CAP.DSTRD, read once per function. */
  private async doorbellStride(fn: number): Promise<number> {
    let dstrd = this.dstrd.get(fn);
    if (dstrd === undefined) {
      const cap = await this.raw.regRead(fn, TrackedReg.CAP, 8);
      dstrd = Number((cap >> 32n) & 0xfn);
      this.dstrd.set(fn, dstrd);
    }
    return 4 << dstrd;
  }
}
