// A queue a binding sets up starts where a fresh one does, and many paths
// then use it for fewer commands than it has slots: its CQ never wraps, so
// the phase tag's inversion and the SQ head across the ring's end go
// unchecked there. A lap runs it once round at set-up with commands that
// change nothing (Get Features, Number of Queues on an admin queue; Flush on
// an I/O queue) until the CQ wrapped: every completion a path reads from that
// queue afterwards carries the inverted phase tag, which the queue driver
// checks. Where no path uses the queue after its set-up, the lap goes one
// command further ('checked'): a completion after the wrap was read.
import type { QueueTracker } from '../../src/target/queueTracker.ts';
import { sqeCid } from '../../src/target/ring.ts';
import { decodeCqe } from '../../src/wire/cqe.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { describeStatus, isSuccess } from '../../src/wire/status.ts';
import { Mismatch } from '../engine/suite.ts';

/** A command that completes nothing by itself (I/O held in flight): its completion once released, or null. */
export type ReleaseHeld = (sqid: number, cid: number) => Promise<Uint8Array | null>;

/** The no-op of a lap on queue `qid` and how messages name it. */
function noOp(qid: number, cid: number, nsid: number): { sqe: Uint8Array; what: string } {
  return qid === 0 ? { sqe: sqeFor.getNumberOfQueues(cid), what: 'Get Features (Number of Queues)' } : { sqe: sqeFor.flush(cid, nsid), what: `Flush of namespace ${nsid}` };
}

/** How far a lap goes: to the CQ's wrap (the next completion carries phase tag 0), or one completion past it. */
export type LapEnd = 'wrapped' | 'checked';

export interface LapOptions {
  cid: () => number;
  nsid: number;
  label: string;
  until: LapEnd;
  /** completes a no-op the target holds (deferred I/O); without it, one that does not complete at once is a mismatch */
  release?: ReleaseHeld;
}

/** Run SQ `qid` of `fn` (a fresh one, and its CQ) round with no-ops, each of which must succeed, until `o.until`. */
export async function lapQueue(tracker: QueueTracker, fn: number, qid: number, o: LapOptions): Promise<void> {
  const cqid = tracker.view(fn).sq.find((q) => q.qid === qid)?.cqid;
  const cq = () => tracker.view(fn).cq.find((q) => q.qid === cqid);
  const size = cq()?.size;
  if (size === undefined) throw new Error(`binding bug: ${o.label}: function ${fn} has no SQ ${qid} with its CQ to run round (set them up first)`);
  const last = o.until === 'checked' ? 1 : 0;
  const done = (c = cq()): boolean => c !== undefined && c.phase === 0 && c.head >= last;
  const judge = async (sqe: Uint8Array, what: string, got: Uint8Array | null): Promise<void> => {
    const raw = got ?? (await o.release?.(qid, sqeCid(sqe))) ?? null;
    if (raw === null || !isSuccess(decodeCqe(raw))) {
      throw new Mismatch(`${o.label}: ${what} on function ${fn} SQ ${qid} (a no-op running the new queue round)`, 'Successful Completion', raw === null ? 'no completion' : describeStatus(decodeCqe(raw)));
    }
  };
  // a pass of the CQ and one slot more, at most
  for (let n = 0; n <= size + 1 && !done(); n++) {
    const { sqe, what } = noOp(qid, o.cid(), o.nsid);
    const got = await tracker.submit(fn, qid, sqe);
    await judge(sqe, what, got);
    if (got === null) continue;
    // it completed at once: so do the rest, as one run (fewer round trips on a synchronous target)
    const c = cq();
    const left = c === undefined ? 0 : c.phase === 1 ? c.size - c.head + last : Math.max(0, last - c.head);
    const rest = Array.from({ length: Math.min(left, size + 1 - n) }, () => noOp(qid, o.cid(), o.nsid));
    // stopping at the first that gets none: the lap fails there, as one by one
    const answers = await tracker.submitRun(fn, qid, rest.map((r) => r.sqe), { untilNull: true });
    for (const [i, a] of answers.entries()) await judge(rest[i].sqe, rest[i].what, a);
    break;
  }
  if (!done()) throw new Error(`binding bug: ${o.label}: function ${fn} CQ ${cqid} did not wrap after ${size + 2} no-ops on SQ ${qid} (does another SQ share it?)`);
}
