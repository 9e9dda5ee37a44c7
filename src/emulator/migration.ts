// Execution of the LM opcodes on an admin queue, after acceptance.ts said
// yes: QUERY, SUSPEND, RESUME, SAVE (drain, then DMA the state out), LOAD
// (restore everything at once), and the foreign profile's erase. Also the
// conversion between a controller and its migration data.
import type { Controller } from './controller.ts';
import { DROPPED, ST } from './fields.ts';
import { acceptLm, routeLmOpcode, type LmAcceptance } from './acceptance.ts';
import { dmaToHost } from './prp.ts';
import { encodeSavedState, savedDataSize, type SavedQueue, type SavedState } from './savedData.ts';
import { CompletionQueue, SubmissionQueue } from './queues.ts';
import { CC_EN, CSTS_RDY } from './registers.ts';

/** An opcode 0xC4-0xD5 on the admin queue of controller `c`; returns the status word or DROPPED. */
export function lmOnAdminQueue(c: Controller, v: DataView, o: number): number {
  const ctx = c.ctx;
  const route = routeLmOpcode(ctx.config, c.fn, v.getUint8(o));
  if (route === 'drop') {
    c.decision = 'D1';
    c.reason = 'vfQueuePolicy drop: the VF ignores an LM opcode on its own admin queue (the entry is consumed, no completion)';
    return DROPPED;
  }
  if (route === 'foreignErase') {
    ctx.namespace.erase();
    c.decision = 'D17';
    c.reason = 'foreign profile: 0xC4 is another vendor\'s command; it erased the namespace';
    return ST.SUCCESS;
  }
  if (route !== 'execute') return c.reject(route.status, route.decision, route.reason);
  const a = acceptLm(v, o, ctx.lmView);
  if (!a.accept) {
    if (ctx.config.mutant === 'partialLoad' && a.defect !== undefined && a.vf !== undefined) tearDownBeforeChecking(ctx.controller(a.vf));
    return c.reject(a.status, a.decision, a.reason);
  }
  return executeLm(c, a);
}

/** The partialLoad mutant: a LOAD that resets the VF before it has checked the data. */
function tearDownBeforeChecking(vf: Controller): void {
  vf.clearQueues();
  vf.regs.cc = 0;
  vf.regs.csts = 0;
  vf.lmState = 'loaded';
}

function executeLm(c: Controller, a: Exclude<LmAcceptance, { accept: false }>): number {
  const vf = c.ctx.controller(a.vf);
  c.decision = 'D5';
  switch (a.op) {
    case 'query': {
      // D8: depends only on the number of I/O queues. The mutant counts the admin queue too.
      const extra = c.ctx.config.mutant === 'queryOffByOneQueue' ? 1 : 0;
      c.dw0 = savedDataSize(vf.ioQueueCount() + extra);
      return ST.SUCCESS;
    }
    case 'suspend':
      if (vf.lmState === 'running') vf.lmState = 'suspended';
      return ST.SUCCESS;
    case 'resume':
      if (vf.lmState !== 'running') {
        vf.lmState = 'running';
        // Doorbells latched while stopped are fetched now (D11, L2).
        vf.kick();
      }
      return ST.SUCCESS;
    case 'save': {
      const running = vf.lmState === 'running'; // only reachable with the saveWhileRunning mutant
      if (!running) vf.completeIo(); // D12: drain, every fetched command completes first
      const bytes = encodeSavedState(exportState(vf));
      if (bytes.length !== a.length) throw new Error(`internal: SAVE wrote ${bytes.length} bytes, PRPs were checked for ${a.length}`);
      dmaToHost(c.ctx.memory, a.segments, bytes);
      if (!running) vf.lmState = 'saved'; // D6: nothing destroyed, RESUME continues
      return ST.SUCCESS;
    }
    default:
      // Commands the VF had fetched before still get their completions, on the queues they came from (I2).
      vf.completeIo();
      importState(vf, a.state);
      vf.lmState = 'loaded';
      return ST.SUCCESS;
  }
}

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
