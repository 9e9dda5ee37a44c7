// The conversion between a controller and its migration data (savedData.ts
// holds the byte layout): what SAVE captures and what LOAD restores.
import type { Controller } from './controller.ts';
import type { SavedQueue, SavedState } from './savedData.ts';
import { CompletionQueue, SubmissionQueue } from './queues.ts';
import { CC_EN, CSTS_RDY } from './registers.ts';

/** The migration data of a controller: registers, admin queue, every I/O queue id in use. */
export function exportState(c: Controller): SavedState {
  const r = c.regs;
  const asq = c.sqs[0];
  const acq = c.cqs[0];
  const queues: SavedQueue[] = [];
  for (let qid = 1; qid <= c.maxIoQueues; qid++) {
    const sq = c.sqs[qid];
    const cq = c.cqs[qid];
    if (!sq && !cq) continue;
    const q: SavedQueue = { qid };
    if (sq) q.sq = { base: sq.base, size: sq.size, head: sq.head, tail: sq.tail, cqid: sq.cqid, prio: sq.prio };
    if (cq) q.cq = { base: cq.base, size: cq.size, head: cq.head, tail: cq.tail, phase: cq.phase, ien: cq.ien, iv: cq.iv };
    queues.push(q);
  }
  return {
    cc: r.cc,
    csts: r.csts,
    aqa: r.aqa,
    intms: r.intms,
    asq: r.asq,
    acq: r.acq,
    nsqa: c.nsqa,
    ncqa: c.ncqa,
    admin: { sqHead: asq?.head ?? 0, sqTail: asq?.tail ?? 0, cqHead: acq?.head ?? 0, cqTail: acq?.tail ?? 0, cqPhase: acq?.phase ?? 0 },
    queues,
  };
}

/** Replace the controller's state with checked migration data (LOAD executes only after every D7 check). */
export function importState(c: Controller, s: SavedState): void {
  c.clearQueues();
  const r = c.regs;
  r.cc = s.cc;
  r.csts = s.csts;
  r.aqa = s.aqa;
  r.intms = s.intms;
  r.asq = s.asq;
  r.acq = s.acq;
  c.nsqa = s.nsqa;
  c.ncqa = s.ncqa;
  if ((s.cc & CC_EN) !== 0 && (s.csts & CSTS_RDY) !== 0) {
    const sq = new SubmissionQueue(0, s.asq, r.adminSqEntries, 0);
    sq.head = s.admin.sqHead;
    sq.tail = s.admin.sqTail;
    const cq = new CompletionQueue(0, s.acq, r.adminCqEntries, true, 0);
    cq.head = s.admin.cqHead;
    cq.tail = s.admin.cqTail;
    cq.phase = s.admin.cqPhase;
    c.setSq(0, sq);
    c.setCq(0, cq);
  }
  for (const q of s.queues) {
    if (q.cq) {
      const cq = new CompletionQueue(q.qid, q.cq.base, q.cq.size, q.cq.ien, q.cq.iv);
      cq.head = q.cq.head;
      cq.tail = q.cq.tail;
      cq.phase = q.cq.phase;
      c.setCq(q.qid, cq);
    }
    if (q.sq) {
      const sq = new SubmissionQueue(q.qid, q.sq.base, q.sq.size, q.sq.cqid, q.sq.prio);
      sq.head = q.sq.head;
      sq.tail = q.sq.tail;
      c.setSq(q.qid, sq);
    }
  }
}
