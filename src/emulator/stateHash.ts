// A hash of the whole device state, for I3 ("a rejected command changes
// nothing"): every function's registers, queues (with head/tail/phase and
// the CQ slots promised to fetched commands), LM state, Number of Queues,
// a SAVE held for its drain, commands in flight, latched doorbells (the SQ tails), and the namespace
// contents. Host memory is not part of it: a completion must be written
// there even for a rejected command.
//
// A rejected command still moves its own queue pair: the SQ head advances
// past it and its CQE advances the CQ tail (and maybe the phase). `exclude`
// leaves out exactly those pointers of the queue pair the command used
// (SQ head and tail, CQ head, tail, phase and reserved slots), and nothing else.
import { createHash } from 'node:crypto';
import type { Controller, LmState } from './controller.ts';
import type { RamNamespace } from './namespace.ts';

export interface HashExclusion {
  fn: number;
  sqid: number;
  /** a VF whose accumulated Set State parts are left out: a failed part discards them (D26) */
  partsOf?: number;
}

const LM_CODE: Record<LmState, number> = { running: 0, suspended: 1, saved: 2, loaded: 3, saving: 4 };
const ABSENT = -1;

export function stateHash(controllers: readonly Controller[], namespace: RamNamespace, exclude?: HashExclusion): string {
  const out: number[] = [];
  for (const c of controllers) {
    out.push(c.fn);
    dump(c, out, exclude);
  }
  const h = createHash('sha1');
  h.update(new Uint8Array(new Float64Array(out).buffer));
  h.update(namespace.contentHash());
  return h.digest('hex').slice(0, 16);
}

/** Hash of one function's controller state alone (no namespace, no function number): isolation checks (D14), and comparing a migrated VF with its source. */
export function functionHash(c: Controller): string {
  const out: number[] = [];
  dump(c, out, undefined);
  return createHash('sha1').update(new Uint8Array(new Float64Array(out).buffer)).digest('hex').slice(0, 16);
}

function dump(c: Controller, out: number[], exclude: HashExclusion | undefined): void {
  const skipSq = exclude && exclude.fn === c.fn ? exclude.sqid : ABSENT;
  const skipCq = skipSq === ABSENT ? ABSENT : (c.sqs[skipSq]?.cqid ?? ABSENT);
  const r = c.regs;
  out.push(LM_CODE[c.lmState], r.cc, r.csts, r.aqa, r.intms, r.asq, r.acq, c.nsqa, c.ncqa);
  for (let q = 0; q <= c.maxIoQueues; q++) {
    const sq = c.sqs[q];
    if (sq) out.push(q, 1, sq.base, sq.size, sq.cqid, sq.prio, q === skipSq ? ABSENT : sq.head, q === skipSq ? ABSENT : sq.tail);
    const cq = c.cqs[q];
    if (cq) {
      const skip = q === skipCq;
      out.push(q, 2, cq.base, cq.size, cq.ien ? 1 : 0, cq.iv, skip ? ABSENT : cq.head, skip ? ABSENT : cq.tail, skip ? ABSENT : cq.phase, skip ? ABSENT : cq.reserved);
    }
  }
  const held = c.heldSave;
  if (held) out.push(held.issuer, held.cid, held.length, ...held.segments);
  else out.push(ABSENT);
  out.push(c.inFlight.length);
  for (const f of c.inFlight) {
    out.push(f.sqid, f.cid);
    for (let i = 0; i < f.sqe.byteLength; i += 4) out.push(f.sqe.getUint32(i, true));
  }
  // The standard profile's state (I9, I11): held AERs, pending events, CDQs, Set State parts.
  out.push(c.aers.length, ...c.aers, c.pendingEvents.length, ...c.pendingEvents.flatMap((e) => [e.dw0, e.dw1]));
  for (const q of c.hmlm.cdqs.values()) out.push(q.cdqid, q.cntlid, q.pages.length, ...q.pages, q.entries, q.tail, q.phase, q.hp, q.tpt, q.etpt ? 1 : 0, q.logging ? 1 : 0);
  out.push(c.hmlm.online ? 1 : 0);
  const parts = exclude?.partsOf === c.fn ? undefined : c.hmlm.parts;
  out.push(parts ? parts.data.length : ABSENT);
  if (parts) out.push(parts.csvi, parts.csuuidi, ...parts.data);
}
