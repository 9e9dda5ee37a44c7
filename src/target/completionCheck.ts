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

/** A command the host submitted and whose completion it has not read yet. */
export interface Waiting {
  cid: number;
  /** its entry's absolute position in the SQ (0 for the first entry ever written) */
  seq: number;
  /** the 64 SQE bytes as hex (a string: cheap to copy with the tracker's state) */
  sqe: string;
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

/**
 * Judge completion `cqe` read from CQ `cqid` of function `fn`. `sqOf`
 * finds the SQ it names; `feeding` lists the SQs that post to this CQ (asked
 * only for the message). `judgeHead`: false for an SQ that is gone (deleted with
 * commands in flight, which complete as aborted): its head is not judged.
 */
export function judgeCompletion(fn: number, cqid: number, cqe: Uint8Array, sqOf: (sqid: number) => SqAccount | undefined, feeding: () => readonly number[], judgeHead = true): Verdict {
  const { sqid, cid } = completionId(cqe);
  const sqhd = cqe[8] | (cqe[9] << 8);
  const fault = (field: string, expected: string, observed: string, why: string, command?: Waiting): Verdict => ({
    ok: false,
    fault: new CompletionFault({ fn, cqid, field, expected, observed, cqe, ...(command ? { command: { qid: sqid, cid: command.cid, sqe: command.sqe } } : {}) }, why),
  });
  const sq = sqOf(sqid);
  if (sq === undefined || sq.cqid !== cqid) {
    const sqs = feeding();
    return fault('SQ id', sqs.length === 0 ? 'no completion: no SQ posts here' : `an SQ that posts to CQ ${cqid} (${sqs.join(', ')})`, String(sqid), `a completion names SQ ${sqid}, which ${sq === undefined ? 'does not exist' : `posts to CQ ${sq.cqid}`} (I2)`);
  }
  const i = sq.waiting.findIndex((w) => w.cid === cid);
  if (i < 0) return fault('CID', cids(sq.waiting), String(cid), `a completion nobody asked for on SQ ${sqid}: no command with CID ${cid} waits there (a duplicate or a stray, I2)`);
  const command = sq.waiting[i];
  if (!judgeHead) return { ok: true, command, consumed: sq.consumed };
  const least = Math.max(sq.consumed, command.seq + 1);
  const count = sqHeadCount(sq.size, least, sq.pushed, sqhd);
  if (count === undefined) {
    const window = least === sq.pushed ? `${least % sq.size}` : `${least % sq.size}..${sq.pushed % sq.size}`;
    return fault(
      'SQHD',
      window,
      String(sqhd),
      `the SQ head in the completion of CID ${cid} on SQ ${sqid} (${sq.size} entries) is not one the device can have reached: ` +
        `it consumed the command itself and ${sq.consumed % sq.size === least % sq.size ? 'nothing before it' : 'what it reported before'}, and no more than the tail written`,
      command,
    );
  }
  return { ok: true, command, consumed: count };
}

/** DW2 and DW3 of a CQE (SQ head, SQ id, CID, status and phase): what tells one posting from another. */
export function slotWords(bytes: Uint8Array): [number, number] {
  const w = (o: number): number => (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0;
  return [w(8), w(12)];
}

/**
 * A CQ slot the host found not new (its phase tag is the previous pass's),
 * though it no longer holds what the host consumed there the last time
 * (`seen`: its slotWords, zeros for a slot never posted to; the host clears a
 * CQ's memory before the device may post to it): the controller posted
 * there without inverting the phase tag.
 */
export function stalePhaseFault(fn: number, cqid: number, expectedPhase: 0 | 1, slot: number, bytes: Uint8Array, seen: readonly [number, number], sqOf: (sqid: number) => SqAccount | undefined): CompletionFault | undefined {
  const [dw2, dw3] = slotWords(bytes);
  if (dw2 === seen[0] && dw3 === seen[1]) return undefined;
  const { sqid, cid } = completionId(bytes);
  const sq = sqOf(sqid);
  const command = sq !== undefined && sq.cqid === cqid ? sq.waiting.find((w) => w.cid === cid) : undefined;
  return new CompletionFault(
    { fn, cqid, field: 'phase', expected: String(expectedPhase), observed: String(phaseTag(bytes)), cqe: bytes, ...(command ? { command: { qid: sqid, cid, sqe: command.sqe } } : {}) },
    `a completion (CID ${cid}, SQ ${sqid}) was posted at CQ slot ${slot} with the previous pass's phase tag: the controller did not invert the tag when it wrapped the CQ`,
  );
}
