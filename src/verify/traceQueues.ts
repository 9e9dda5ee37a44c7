// The queues of a recorded session, followed from the raw requests the way
// the device sees them: admin queue bases and sizes from AQA/ASQ/ACQ and
// CC.EN, I/O queues from successful Create/Delete I/O SQ/CQ commands, SQEs
// from host memory writes at the SQ slots a tail doorbell hands over, CQEs
// from host memory reads of CQ slots (a new phase tag is a completion).
// It says which commands were submitted and which completed; judging them is
// the trace checker's (traceCheck.ts).
// The index and phase arithmetic is the one ring's (src/target/ring.ts), and
// what a Create/Delete changes is the queue driver's (queueCommands.ts).
import { CQE_SIZE, decodeCqe, type Cqe } from '../wire/cqe.ts';
import { PAGE_MASK, PAGE_SIZE } from '../wire/page.ts';
import { decodeDoorbell, REG } from '../wire/registers.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { isSuccess } from '../wire/status.ts';
import { nextIndex, phaseAfter, sqeCid } from '../target/ring.ts';
import { queueChange } from '../target/queueCommands.ts';

/** A command the host handed to the device with a tail doorbell (or a `submit` request). */
export interface ObservedCommand {
  fn: number;
  qid: number;
  cid: number;
  sqe: Uint8Array;
  /** the trace line that submitted it */
  line: number;
}

export type QueueNotice =
  | { kind: 'submitted'; command: ObservedCommand }
  /** a CQE with a new phase tag; `command` is the one it answers, undefined when no such command was seen submitted */
  | { kind: 'completed'; fn: number; cqe: Cqe; bytes: Uint8Array; command: ObservedCommand | undefined }
  /** a request about a queue the trace never set up, or a register this follower does not know */
  | { kind: 'notInterpreted'; what: string }
  /** CC read with EN clear on a function the host enabled at line `enabledAt` and nothing since reset or disabled */
  | { kind: 'ccCleared'; fn: number; enabledAt: number };

interface Sq {
  base: bigint;
  size: number;
  tail: number;
  cqid: number;
}

interface Cq {
  base: bigint;
  size: number;
  head: number;
  phase: 0 | 1;
}

interface Fn {
  enabled: boolean;
  /** the line whose CC write enabled it; undefined while its CC.EN is not known to be 1 (after a LOAD into it) */
  enabledAt: number | undefined;
  aqa: number;
  asq: bigint;
  acq: bigint;
  dstrd: number;
  sqs: Map<number, Sq>;
  cqs: Map<number, Cq>;
  /** submitted commands not yet completed, by `sqid:cid` */
  pending: Map<string, ObservedCommand>;
}

const PAGE = BigInt(PAGE_SIZE);
const LO = 0xffffffffn;

/** Host memory as the host wrote it (only written bytes are kept, by 4 KiB page). */
class ShadowMemory {
  private readonly pages = new Map<bigint, Uint8Array>();

  write(addr: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; ) {
      const at = addr + BigInt(i);
      const key = at / PAGE;
      const off = Number(at % PAGE);
      const n = Math.min(data.length - i, Number(PAGE) - off);
      let page = this.pages.get(key);
      if (!page) this.pages.set(key, (page = new Uint8Array(Number(PAGE))));
      page.set(data.subarray(i, i + n), off);
      i += n;
    }
  }

  /** `len` bytes at `addr` (never written: zero). */
  read(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; ) {
      const at = addr + BigInt(i);
      const off = Number(at % PAGE);
      const n = Math.min(len - i, Number(PAGE) - off);
      const page = this.pages.get(at / PAGE);
      if (page) out.set(page.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }

  clear(): void {
    this.pages.clear();
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** A VF's queues as a successful SAVE captured them (D12): what a LOAD of that image gives a VF. */
interface SavedQueues {
  fn: number;
  /** the image's size in bytes (QUERY's answer before the SAVE, D8) */
  size: number;
  sqs: Map<number, Sq>;
  cqs: Map<number, Cq>;
  pending: Map<string, ObservedCommand>;
  /** where the image starts (the SAVE's PRP1) and how many of its bytes lie in that page */
  at: bigint;
  len: number;
  /** those bytes, once the host read them back: they tell this image from another of the same size */
  head?: Uint8Array;
}

const copyQueues = <Q extends Sq | Cq>(m: Map<number, Q>): Map<number, Q> => new Map([...m].map(([k, q]) => [k, { ...q }]));

export class QueueFollower {
  private readonly fns = new Map<number, Fn>();
  private readonly memory = new ShadowMemory();
  private saves: SavedQueues[] = [];

  /** Power-on: no queue, no memory the host wrote. */
  reset(): void {
    this.fns.clear();
    this.memory.clear();
    this.saves = [];
  }

  /** The SAVE whose image a LOAD of `size` bytes at `prp1` carries: same size, same first bytes when known; the latest, of this VF first. */
  private image(fn: number, size: number, prp1: bigint): SavedQueues | undefined {
    let candidates = this.saves.filter((x) => x.size === size);
    const same = candidates.filter((x) => x.head !== undefined && sameBytes(x.head, this.memory.read(prp1, x.len)));
    if (same.length > 0) candidates = same;
    return candidates.filter((x) => x.fn === fn).at(-1) ?? candidates.at(-1);
  }

  /** Whether the image a LOAD of `size` bytes at `prp1` into VF `fn` would take carries I/O in flight (undefined: no such image seen). */
  imageCarriesIo(fn: number, size: number, prp1: bigint): boolean | undefined {
    const image = this.image(fn, size, prp1);
    return image && [...image.pending.values()].some((c) => c.qid > 0);
  }

  /** A SAVE of VF `fn` succeeded with an image of `size` bytes: remember its queue positions. */
  saved(fn: number, size: number, prp1: bigint): void {
    const s = this.fn(fn);
    const len = Math.max(0, Math.min(size, Number(PAGE - (prp1 % PAGE))));
    this.saves.push({ fn, size, sqs: copyQueues(s.sqs), cqs: copyQueues(s.cqs), pending: new Map(s.pending), at: prp1, len });
  }

  /**
   * A LOAD of `size` bytes into VF `fn` succeeded: the VF's queues continue
   * from the image (D7), and the host hands the VM's memory over. The image
   * is taken to be the latest SAVE of that size (of this VF if it has one);
   * with none, the VF's queues are no longer followed. Its CC is the image's.
   */
  loaded(fn: number, size: number, prp1: bigint): void {
    const s = this.fn(fn);
    s.enabledAt = undefined;
    const image = this.image(fn, size, prp1);
    s.sqs = image ? copyQueues(image.sqs) : new Map();
    s.cqs = image ? copyQueues(image.cqs) : new Map();
    s.pending = image ? new Map(image.pending) : new Map();
  }

  private fn(fn: number): Fn {
    let s = this.fns.get(fn);
    if (!s) this.fns.set(fn, (s = { enabled: false, enabledAt: undefined, aqa: 0, asq: 0n, acq: 0n, dstrd: 0, sqs: new Map(), cqs: new Map(), pending: new Map() }));
    return s;
  }

  /** Function-level reset (the PF's resets every VF too, D18): its queues are gone. */
  flr(fn: number): void {
    if (fn === 0) for (const s of this.fns.values()) this.disable(s);
    else this.disable(this.fn(fn));
  }

  private disable(s: Fn): void {
    s.enabled = false;
    s.enabledAt = undefined;
    s.sqs.clear();
    s.cqs.clear();
    s.pending.clear();
  }

  /**
   * CAP.DSTRD sets where the doorbells are: learnt from reads of CAP. A CC
   * read with EN clear on a controller the host enabled, with no CC write,
   * FLR or PF reset since, is a controller that reset itself.
   */
  regRead(fn: number, offset: number, width: 4 | 8, value: bigint): QueueNotice[] {
    const s = this.fn(fn);
    if (offset === REG.CAP && width === 8) s.dstrd = Number((value >> 32n) & 0xfn);
    if (offset === REG.CAP + 4) s.dstrd = Number(value & 0xfn);
    if (offset === REG.CC && (value & 1n) === 0n && s.enabled && s.enabledAt !== undefined) {
      const enabledAt = s.enabledAt;
      this.disable(s); // as the device says: the judgement is made once
      return [{ kind: 'ccCleared', fn, enabledAt }];
    }
    return [];
  }



  /** A CQ head doorbell: the host consuming completions, not moving on to new work. */
  isHeadDoorbell(fn: number, offset: number): boolean {
    return decodeDoorbell(offset, this.fns.get(fn)?.dstrd ?? 0)?.kind === 'cq';
  }

  memWrite(addr: bigint, data: Uint8Array): void {
    this.memory.write(addr, data);
  }

  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint, line: number): QueueNotice[] {
    const s = this.fn(fn);
    if (offset >= 0x1000) {
      if (width !== 4) return [{ kind: 'notInterpreted', what: 'regWrite (an 8-byte doorbell write)' }];
      return this.doorbell(fn, s, offset, Number(value & LO), line);
    }
    const dwords: Array<[number, bigint]> = [[offset, value & LO]];
    if (width === 8) dwords.push([offset + 4, (value >> 32n) & LO]);
    const notices: QueueNotice[] = [];
    for (const [off, v] of dwords) {
      if (off === REG.AQA) s.aqa = Number(v);
      else if (off === REG.ASQ) s.asq = (s.asq & ~LO) | v;
      else if (off === REG.ASQ + 4) s.asq = (s.asq & LO) | (v << 32n);
      else if (off === REG.ACQ) s.acq = (s.acq & ~LO) | v;
      else if (off === REG.ACQ + 4) s.acq = (s.acq & LO) | (v << 32n);
      else if (off === REG.CC) this.cc(fn, s, (v & 1n) === 1n, line);
      else notices.push({ kind: 'notInterpreted', what: `regWrite (register 0x${off.toString(16)})` });
    }
    return notices;
  }

  /** CC.EN 0->1 latches AQA/ASQ/ACQ and starts both admin queues at slot 0; 1->0 ends every queue (the PF's: its VFs' too, D18). */
  private cc(fn: number, s: Fn, en: boolean, line: number): void {
    if (en && !s.enabled) {
      this.disable(s);
      s.enabled = true;
      s.enabledAt = line;
      s.sqs.set(0, { base: s.asq & PAGE_MASK, size: (s.aqa & 0xfff) + 1, tail: 0, cqid: 0 });
      s.cqs.set(0, { base: s.acq & PAGE_MASK, size: ((s.aqa >>> 16) & 0xfff) + 1, head: 0, phase: 1 });
    } else if (!en && s.enabled) {
      this.flr(fn);
    }
  }

  private doorbell(fn: number, s: Fn, offset: number, value: number, line: number): QueueNotice[] {
    const bell = decodeDoorbell(offset, s.dstrd);
    if (!bell) return [{ kind: 'notInterpreted', what: 'regWrite (not a doorbell at this stride)' }];
    if (bell.kind === 'cq') {
      const cq = s.cqs.get(bell.qid);
      return cq && value < cq.size ? [] : [{ kind: 'notInterpreted', what: `regWrite (head doorbell of a CQ the trace did not set up)` }];
    }
    const sq = s.sqs.get(bell.qid);
    if (!sq || value >= sq.size) return [{ kind: 'notInterpreted', what: `regWrite (tail doorbell of an SQ the trace did not set up)` }];
    const notices: QueueNotice[] = [];
    for (; sq.tail !== value; sq.tail = nextIndex(sq.tail, sq.size)) {
      const sqe = this.memory.read(sq.base + BigInt(sq.tail * SQE_SIZE), SQE_SIZE);
      notices.push({ kind: 'submitted', command: this.submitted(s, { fn, qid: bell.qid, cid: sqeCid(sqe), sqe, line }) });
    }
    return notices;
  }

  private submitted(s: Fn, c: ObservedCommand): ObservedCommand {
    s.pending.set(`${c.qid}:${c.cid}`, c);
    return c;
  }

  /** A read of host memory: every CQ slot it covers from the head on that carries the new phase tag is a completion. */
  memRead(addr: bigint, data: Uint8Array): QueueNotice[] {
    const end = addr + BigInt(data.length);
    for (const x of this.saves) {
      if (x.head === undefined && x.at >= addr && x.at + BigInt(x.len) <= end) x.head = data.slice(Number(x.at - addr), Number(x.at - addr) + x.len);
    }
    const notices: QueueNotice[] = [];
    for (const [fn, s] of this.fns) {
      for (const [cqid, cq] of s.cqs) {
        for (;;) {
          const at = cq.base + BigInt(cq.head * CQE_SIZE);
          if (at < addr || at + BigInt(CQE_SIZE) > end) break;
          const bytes = data.slice(Number(at - addr), Number(at - addr) + CQE_SIZE);
          const cqe = decodeCqe(bytes);
          if (cqe.phase !== cq.phase) break;
          this.consume(cq);
          notices.push(this.completed(fn, s, cqid, cqe, bytes));
        }
      }
    }
    return notices;
  }

  private consume(cq: Cq): void {
    cq.head = nextIndex(cq.head, cq.size);
    cq.phase = phaseAfter(cq.head, cq.phase);
  }

  private completed(fn: number, s: Fn, cqid: number, cqe: Cqe, bytes: Uint8Array): QueueNotice {
    const key = `${cqe.sqid}:${cqe.cid}`;
    const command = s.pending.get(key);
    if (command && s.sqs.get(command.qid)?.cqid === cqid) {
      s.pending.delete(key);
      if (command.qid === 0 && isSuccess(cqe)) this.learn(s, command.sqe);
      return { kind: 'completed', fn, cqe, bytes, command };
    }
    return { kind: 'completed', fn, cqe, bytes, command: undefined };
  }

  /**
   * A `submit` request: the device placed the SQE at the tail and rang the
   * doorbell itself, and the answer is the completion; the queues move the same.
   */
  submit(fn: number, qid: number, sqe: Uint8Array, cqe: Uint8Array | null, line: number): ObservedCommand {
    const s = this.fn(fn);
    const sq = s.sqs.get(qid);
    const command: ObservedCommand = { fn, qid, cid: sqeCid(sqe), sqe, line };
    if (!sq) return command;
    sq.tail = nextIndex(sq.tail, sq.size);
    const cq = s.cqs.get(sq.cqid);
    if (cqe === null) {
      s.pending.set(`${qid}:${command.cid}`, command);
      return command;
    }
    if (cq) this.consume(cq);
    if (qid === 0 && isSuccess(decodeCqe(cqe))) this.learn(s, sqe);
    return command;
  }

  /** Only successful Create/Delete I/O queue commands change the queue set. */
  private learn(s: Fn, bytes: Uint8Array): void {
    const change = queueChange(bytes);
    if (change?.kind === 'create-cq') s.cqs.set(change.qid, { base: change.base, size: change.size, head: 0, phase: 1 });
    else if (change?.kind === 'create-sq') s.sqs.set(change.qid, { base: change.base, size: change.size, tail: 0, cqid: change.cqid });
    else if (change?.kind === 'delete-sq') s.sqs.delete(change.qid);
    else if (change?.kind === 'delete-cq') s.cqs.delete(change.qid);
  }
}
