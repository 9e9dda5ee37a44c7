// Submission and completion queues in host memory (physically contiguous,
// CAP.CQR = 1). The controller fetches an SQ entry only when its CQ has a
// free slot to promise to it (`reserved`): a fetched command can therefore
// always post its completion, and a full CQ holds commands back in the SQ,
// in guest memory, where no completion can be lost (and a SAVE's drain
// always ends, D12/L4).
import type { HostMemory } from './hostMemory.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { CQE_SIZE } from '../wire/cqe.ts';
import { CQE } from './fields.ts';
import type { PostCompletion } from './context.ts';

export { SQE_SIZE, CQE_SIZE };

export class SubmissionQueue {
  /** next entry the controller fetches */
  head = 0;
  /** last value of the tail doorbell, including writes latched while suspended (D11) */
  tail = 0;

  constructor(
    readonly qid: number,
    readonly base: number,
    readonly size: number,
    readonly cqid: number,
    readonly prio = 0,
  ) {}

  /** Entries written by the host and not yet fetched. */
  get pending(): number {
    return this.tail >= this.head ? this.tail - this.head : this.tail + this.size - this.head;
  }

  clone(): SubmissionQueue {
    const q = new SubmissionQueue(this.qid, this.base, this.size, this.cqid, this.prio);
    q.head = this.head;
    q.tail = this.tail;
    return q;
  }
}

export class CompletionQueue {
  /** last value of the head doorbell: slots before it are free again */
  head = 0;
  /** next slot the controller writes */
  tail = 0;
  /** phase tag of the current pass; the first pass writes 1 over zeroed memory */
  phase = 1;
  /** slots promised to fetched commands that have not completed yet */
  reserved = 0;

  constructor(
    readonly qid: number,
    readonly base: number,
    readonly size: number,
    readonly ien = false,
    readonly iv = 0,
  ) {}

  /** Completions posted and not yet consumed by the host. */
  get used(): number {
    return this.tail >= this.head ? this.tail - this.head : this.tail + this.size - this.head;
  }

  /** Slots free for new fetches; a CQ of n entries holds at most n - 1 completions. */
  get room(): number {
    return this.size - 1 - this.used - this.reserved;
  }

  clone(): CompletionQueue {
    const q = new CompletionQueue(this.qid, this.base, this.size, this.ien, this.iv);
    q.head = this.head;
    q.tail = this.tail;
    q.phase = this.phase;
    q.reserved = this.reserved;
    return q;
  }
}

/**
 * Write one completion at the CQ tail and advance it (flipping the phase on
 * wrap). Consumes one reserved slot. Returns false if the CQ's memory is gone
 * (the caller reports a controller fatal status).
 */
export function postCompletion(mem: HostMemory, cq: CompletionQueue, dw0: number, sqhd: number, sqid: number, cid: number, status: number, dw1 = 0): boolean {
  const addr = cq.base + cq.tail * CQE_SIZE;
  const page = mem.writablePageAt(addr);
  cq.reserved--;
  if (!page) return false;
  const v = page.view;
  const o = addr % 4096;
  v.setUint32(o + CQE.dw0, dw0 >>> 0, true);
  v.setUint32(o + CQE.dw1, dw1 >>> 0, true);
  v.setUint16(o + CQE.sqhd, sqhd, true);
  v.setUint16(o + CQE.sqid, sqid, true);
  v.setUint16(o + CQE.cid, cid, true);
  v.setUint16(o + CQE.status, status | (cq.phase << CQE.phaseShift), true);
  if (++cq.tail === cq.size) {
    cq.tail = 0;
    cq.phase ^= 1;
  }
  return true;
}

/** The correct completion: the SQ's head now (the entries the controller fetched), its id, the command's CID. */
export const POST_COMPLETION: PostCompletion = (c, cq, sq, cid, status, dw0, dw1) => postCompletion(c.ctx.memory, cq, dw0, sq.head, sq.qid, cid, status, dw1);
