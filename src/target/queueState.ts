// What the queue tracker (queueTracker.ts) remembers of one function's
// queues, as plain records: each SQ with its ring, its account of entries
// written and consumed and the commands waiting on it; each CQ with its ring
// and what the host last consumed in each slot (for the phase check); how a
// successful Create/Delete changes them; and a cheap copy of it all for
// snapshots.
import { newCq, newSq, type CqRing, type SqRing } from './ring.ts';
import type { SqAccount } from './completionCheck.ts';
import type { QueueChange } from './queueCommands.ts';

/** `head` is the last SQ head the device reported in a CQE; `pushed`/`consumed` are tail and head unwrapped. */
export interface SubmissionQueue extends SqRing, SqAccount {
  base: bigint;
}

export interface CompletionQueue extends CqRing {
  base: bigint;
  /** per slot, DW2 and DW3 of the entry the host last consumed there (zeros: never posted to), for the phase check */
  seen: Uint32Array;
}

export interface FunctionState {
  aqa: number;
  asq: bigint;
  acq: bigint;
  sqs: Map<number, SubmissionQueue>;
  cqs: Map<number, CompletionQueue>;
  /** SQs deleted while commands waited on them: those complete later, as aborted (their head is not judged) */
  retired: Map<number, SubmissionQueue>;
}

/** Everything a tracker remembers, as saveState hands it out. */
export interface TrackerState {
  functions: Map<number, FunctionState>;
  dstrd: Map<number, number>;
  unclaimed: Map<number, Uint8Array[]>;
}

/**
 * A copy that shares nothing the tracker changes in place: only the maps
 * change in place. Queue records and unclaimed lists are replaced whole on
 * every change, a CQ's `seen` is copied on its first write after a save
 * (the tracker's ownSeen); completion bytes and waiting commands never
 * change. Far cheaper than structuredClone on the runner's every snapshot
 * and restore.
 */
export function copyState(s: TrackerState): TrackerState {
  const functions = new Map<number, FunctionState>();
  for (const [fn, f] of s.functions) functions.set(fn, copyFunctionState(f));
  return { functions, dstrd: new Map(s.dstrd), unclaimed: new Map(s.unclaimed) };
}

// The records here are made as literals, field by field, not as `{ ...record,
// field }`: on Node 20's V8 an object spread that adds fields costs about a
// hundred times a literal (3 to 10 µs each), and one that replaces fields ten
// times; the tracker makes such records at every submit, completion and
// restore. A copy that then changes a field is `{ ...record }` (as fast as a
// literal) followed by the assignment.

/** One function's part of copyState: its own maps, sharing the records in them. */
export function copyFunctionState(f: FunctionState): FunctionState {
  return { aqa: f.aqa, asq: f.asq, acq: f.acq, sqs: new Map(f.sqs), cqs: new Map(f.cqs), retired: new Map(f.retired) };
}

/** A fresh SQ of `size` entries at `base` posting to CQ `cqid`: nothing written, consumed or waiting. */
export function newTrackedSq(size: number, base: bigint, cqid: number): SubmissionQueue {
  const ring = newSq(size);
  return { size: ring.size, tail: ring.tail, head: ring.head, pushed: 0, consumed: 0, waiting: [], base, cqid };
}

/** A fresh CQ of `size` entries at `base` (the host clears its memory before the device may post). */
export function newTrackedCq(size: number, base: bigint): CompletionQueue {
  const ring = newCq(size);
  return { size: ring.size, head: ring.head, phase: ring.phase, base, seen: new Uint32Array(2 * size) };
}

/** A function with no queues known yet. */
export function newFunctionState(): FunctionState {
  return { aqa: 0, asq: 0n, acq: 0n, sqs: new Map(), cqs: new Map(), retired: new Map() };
}

/** A successful Create/Delete I/O queue command applied to the records. */
export function applyQueueChange(state: FunctionState, change: QueueChange): void {
  switch (change.kind) {
    case 'create-cq':
      state.cqs.set(change.qid, newTrackedCq(change.size, change.base));
      break;
    case 'create-sq':
      state.retired.delete(change.qid);
      state.sqs.set(change.qid, newTrackedSq(change.size, change.base, change.cqid));
      break;
    case 'delete-sq': {
      const sq = state.sqs.get(change.qid);
      if (sq && sq.waiting.length > 0) state.retired.set(change.qid, sq);
      state.sqs.delete(change.qid);
      break;
    }
    case 'delete-cq':
      state.cqs.delete(change.qid);
      break;
  }
}
