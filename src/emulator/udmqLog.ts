// Writing into a User Data Migration Queue (D29-D33): entries go only into
// slots the host has released (D31), the last free slot gets the ESA 7
// "queue full" entry and logging stops, phase tags follow the pass (I14), and
// the tail-pointer trigger and a full queue raise One-Shot events (D33),
// which complete the PF's next outstanding Asynchronous Event Request.
import type { Controller } from './controller.ts';
import type { AsyncEventWords, Cdq } from './hmlmState.ts';
import { ST } from './fields.ts';
import { encodeUdmqEntry, UDMQ_ENTRY_SIZE, UDMQ_ESA, UDMQ_LBACIR, type UdmqEntry } from '../wire/tp4159/udmq.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { ASYNC_EVENT_REQUEST } from '../wire/opcodes.ts';
import { encodeOneShotEvent, ONE_SHOT_INFO } from '../wire/tp4159/completions.ts';

/** Entries written and not yet released by the host. */
export function cdqUsed(q: Cdq): number {
  return (q.tail - q.hp + q.entries) % q.entries;
}

/**
 * Slots the controller may still write: an NVMe queue is full when its head
 * is one more than its tail, so one slot always stays empty (NVMe Base, Full
 * Queue), a controller data queue as much as an SQ or a CQ.
 */
export function cdqFree(q: Cdq): number {
  return q.entries - 1 - cdqUsed(q);
}

/** A marker entry (ESA 1, 2, 3): no range (LBACIR 2). */
export function marker(esa: number): Omit<UdmqEntry, 'phase'> {
  return { nsid: 0, nlb: 0, slba: 0n, esa, dlba: false, lbacir: UDMQ_LBACIR.NO_RANGE };
}

/** A logged range (D30): NLB 0-based; DLBA for deallocated ranges. */
export function rangeEntry(slba: number, blocks: number, dlba: boolean): Omit<UdmqEntry, 'phase'> {
  return { nsid: 1, nlb: blocks - 1, slba: BigInt(slba), esa: UDMQ_ESA.NONE, dlba, lbacir: UDMQ_LBACIR.RANGE_VALID };
}

/** Where slot `slot` of `q` lies: its page, and the offset in it (an entry never straddles a page). */
function slotAddress(q: Cdq, slot: number): number {
  const at = slot * UDMQ_ENTRY_SIZE;
  return q.pages[Math.floor(at / PAGE_SIZE)] + (at % PAGE_SIZE);
}

/**
 * Write `e` into `q` (on the PF `pf`). Returns false when nothing could be
 * written (the queue is full: D31, nothing past it). The last free slot gets
 * ESA 7 instead, and logging stops.
 */
export function postUdmq(pf: Controller, q: Cdq, e: Omit<UdmqEntry, 'phase'>): boolean {
  const free = cdqFree(q);
  if (free <= 0) return false;
  const full = free === 1;
  const entry = full ? { ...marker(UDMQ_ESA.LAST_FULL), phase: q.phase } : { ...e, phase: q.phase };
  pf.ctx.memory.write(slotAddress(q, q.tail), encodeUdmqEntry(entry));
  if (++q.tail === q.entries) {
    q.tail = 0;
    q.phase ^= 1;
  }
  if (full) q.logging = false;
  if (q.etpt && q.tail === q.tpt) raiseEvent(pf, encodeOneShotEvent(ONE_SHOT_INFO.TAIL_POINTER_TRIGGER, q.cdqid));
  if (q.etpt && full) raiseEvent(pf, encodeOneShotEvent(ONE_SHOT_INFO.CDQ_FULL, q.cdqid));
  return true;
}

/** D33: an event completes the oldest outstanding AER on `c`'s admin queue, or waits for the next one. */
export function raiseEvent(c: Controller, ev: AsyncEventWords): void {
  const sq = c.sqs[0];
  const cid = c.aers.shift();
  if (sq === undefined || cid === undefined) {
    c.pendingEvents.push(ev);
    return;
  }
  c.complete(sq, cid, ST.SUCCESS, ev.dw0, ev.dw1);
  if (c.ctx.trace !== undefined) {
    c.ctx.trace({ fn: c.fn, sqid: 0, cid, opcode: ASYNC_EVENT_REQUEST, outcome: 'completed', status: { sct: 0, sc: 0, dnr: false }, dw0: ev.dw0 >>> 0, decision: 'D33' });
  }
}
