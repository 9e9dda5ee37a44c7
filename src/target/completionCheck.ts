// What every completion the host queue driver reads must satisfy, whatever
// the command was (NVMe Base, "Queue Mechanism" and "Completion Queue
// Entry"; I2): it names an SQ that posts to the CQ it arrived on, a command
// waiting on that SQ (else it is a duplicate or a stray nobody asked for),
// and an SQ head (SQHD) in the window of entries the device may have
// consumed: at least the command itself and everything reported before, at
// most the tail the host wrote. And a completion of a waiting command never
// sits at the CQ head with the previous pass's phase tag (the controller
// inverts the tag on every wrap). A completion that breaks one of these is a
// CompletionFault: the field, what the host expected, what came, and the
// bytes, so a suite fails that path with the field named.
import { completionId, phaseTag, sqHeadCount } from './ring.ts';
import { toHex } from '../wire/hex.ts';

/** A command the host submitted and whose completion it has not read yet. */
export interface Waiting {
  cid: number;
  /** its entry's absolute position in the SQ (0 for the first entry ever written) */
  seq: number;
  /** its 64 bytes (never changed once written) */
  sqe: Uint8Array;
}

/** The host's account of one SQ, in absolute entry counts (they never wrap). */
export interface SqAccount {
  size: number;
  cqid: number;
  /** entries the host wrote (its tail, unwrapped) */
  pushed: number;
  /** entries the device reported consumed (the last SQHD, unwrapped) */
  consumed: number;
  waiting: Waiting[];
}

export interface FaultDetail {
  fn: number;
  cqid: number;
  /** the CQE field that is wrong: `SQHD`, `SQ id`, `CID` or `phase` */
  field: string;
  expected: string;
  observed: string;
  /** the 16 completion bytes */
  cqe: Uint8Array;
  /** the command it answers, where the host knows it (SQE bytes as hex) */
  command?: { qid: number; cid: number; sqe: string };
}

/** A completion that breaks the queue protocol (see the header); thrown by the queue driver where it reads it. */
export class CompletionFault extends Error {
  constructor(
    readonly detail: FaultDetail,
    /** what is wrong, in words */
    readonly why: string,
  ) {
    super(`function ${detail.fn} CQ ${detail.cqid}: ${why}: ${detail.field} expected ${detail.expected}, got ${detail.observed}`);
    this.name = 'CompletionFault';
  }
}

/** What reading one completion means for its SQ: the command it answers and the device's new head, or a fault. */
export type Verdict = { ok: true; command: Waiting; consumed: number } | { ok: false; fault: CompletionFault };

const cids = (w: readonly Waiting[]): string => (w.length === 0 ? 'none: no command waits' : `a waiting command's (${w.map((c) => c.cid).join(', ')})`);

/** A verdict naming the broken field (a function, not a closure per completion: this runs on every completion read). */
function faultOf(fn: number, cqid: number, cqe: Uint8Array, sqid: number, field: string, expected: string, observed: string, why: string, command?: Waiting): Verdict {
  return { ok: false, fault: new CompletionFault({ fn, cqid, field, expected, observed, cqe, ...(command ? { command: { qid: sqid, cid: command.cid, sqe: toHex(command.sqe) } } : {}) }, why) };
}

/**
 * Judge completion `cqe` read from CQ `cqid` of function `fn`. `sq` is the
 * SQ it names (undefined: none); `sqs`, the function's SQs, name the ones
 * that post to this CQ in a message. `judgeHead`: false for an SQ that is
 * gone (deleted with commands in flight, which complete as aborted): its
 * head is not judged.
 */
export function judgeCompletion(fn: number, cqid: number, cqe: Uint8Array, sq: SqAccount | undefined, sqs: ReadonlyMap<number, { cqid: number }>, judgeHead = true): Verdict {
  const { sqid, cid } = completionId(cqe);
  const sqhd = cqe[8] | (cqe[9] << 8);
  if (sq === undefined || sq.cqid !== cqid) {
    const feeding = [...sqs].filter(([, q]) => q.cqid === cqid).map(([q]) => q);
    const expected = feeding.length === 0 ? 'no completion: no SQ posts here' : `an SQ that posts to CQ ${cqid} (${feeding.join(', ')})`;
    return faultOf(fn, cqid, cqe, sqid, 'SQ id', expected, String(sqid), `a completion names SQ ${sqid}, which ${sq === undefined ? 'does not exist' : `posts to CQ ${sq.cqid}`} (I2)`);
  }
  let command: Waiting | undefined;
  for (const w of sq.waiting) {
    if (w.cid === cid) {
      command = w;
      break;
    }
  }
  if (command === undefined) {
    return faultOf(fn, cqid, cqe, sqid, 'CID', cids(sq.waiting), String(cid), `a completion nobody asked for on SQ ${sqid}: no command with CID ${cid} waits there (a duplicate or a stray, I2)`);
  }
  if (!judgeHead) return { ok: true, command, consumed: sq.consumed };
  const least = Math.max(sq.consumed, command.seq + 1);
  const count = sqHeadCount(sq.size, least, sq.pushed, sqhd);
  if (count === undefined) {
    const window = least === sq.pushed ? `${least % sq.size}` : `${least % sq.size}..${sq.pushed % sq.size}`;
    const why =
      `the SQ head in the completion of CID ${cid} on SQ ${sqid} (${sq.size} entries) is not one the device can have reached: ` +
      `it fetched at least ${sq.consumed > command.seq + 1 ? 'the entries an earlier completion reported (the head never goes back)' : 'this command itself'}, and no more than the tail written`;
    return faultOf(fn, cqid, cqe, sqid, 'SQHD', window, String(sqhd), why, command);
  }
  return { ok: true, command, consumed: count };
}

/** Keep DW2 and DW3 of a CQE (SQ head, SQ id, CID, status and phase: what tells one posting from another) as slot `slot` of `seen`. */
export function rememberSlot(seen: Uint32Array, slot: number, bytes: Uint8Array): void {
  seen[2 * slot] = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  seen[2 * slot + 1] = (bytes[12] | (bytes[13] << 8) | (bytes[14] << 16) | (bytes[15] << 24)) >>> 0;
}

/**
 * A CQ slot the host found not new (its phase tag is the previous pass's),
 * though it no longer holds what the host consumed there the last time
 * (`seen`: rememberSlot's words, zeros for a slot never posted to; the host clears a
 * CQ's memory before the device may post to it): the controller posted
 * there without inverting the phase tag.
 */
export function stalePhaseFault(fn: number, cqid: number, expectedPhase: 0 | 1, slot: number, bytes: Uint8Array, seen: ArrayLike<number>, sqs: ReadonlyMap<number, SqAccount>): CompletionFault | undefined {
  const dw2 = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  const dw3 = (bytes[12] | (bytes[13] << 8) | (bytes[14] << 16) | (bytes[15] << 24)) >>> 0;
  if (dw2 === seen[2 * slot] && dw3 === seen[2 * slot + 1]) return undefined;
  const { sqid, cid } = completionId(bytes);
  const sq = sqs.get(sqid);
  const command = sq !== undefined && sq.cqid === cqid ? sq.waiting.find((w) => w.cid === cid) : undefined;
  return new CompletionFault(
    { fn, cqid, field: 'phase', expected: String(expectedPhase), observed: String(phaseTag(bytes)), cqe: bytes, ...(command ? { command: { qid: sqid, cid, sqe: toHex(command.sqe) } } : {}) },
    `a completion (CID ${cid}, SQ ${sqid}) was posted at CQ slot ${slot} with the previous pass's phase tag: the controller did not invert the tag when it wrapped the CQ`,
  );
}
