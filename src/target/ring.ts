// The host's side of one NVMe queue pair as plain data and pure functions:
// where the next SQE goes, when the SQ is full, which CQ slot to look at,
// whether the CQE there is new (phase tag), how head and phase move on a
// wrap, and which completion belongs to a command. Nothing here reads or
// writes a device: every driver (the queue tracker, the host's admin queue,
// the fuzzer, the migration guest, the benchmarks, the emulator tests) does
// its own I/O and asks this module what to do, so the arithmetic exists once.
//
// NVMe Base, "Queue Mechanism": a queue of `size` entries holds at most
// size - 1 (full when tail + 1 == head, modulo size); the controller inverts
// the phase tag it writes each time it wraps the CQ, starting with 1, so a
// host that starts at head 0 expecting phase 1, and inverts its expectation
// when its head wraps, tells a new entry from an old one without a count.
import { CQE_LAYOUT } from '../wire/cqe.ts';

export type Phase = 0 | 1;

/** A submission queue as the host sees it: where it writes next, and the last SQ head the device reported. */
export interface SqRing {
  size: number;
  tail: number;
  head: number;
}

/** A completion queue as the host sees it: the slot it reads next and the phase tag a new entry carries there. */
export interface CqRing {
  size: number;
  head: number;
  phase: Phase;
}

/** The two fields that name a command in a completion (SQ identifier and command identifier). */
interface CompletionId {
  sqid: number;
  cid: number;
}

const field = (name: string): number => {
  const f = CQE_LAYOUT.fields.find((x) => x.name === name);
  if (!f) throw new Error(`the CQE layout has no field ${name}`);
  return f.offset;
};
/** Byte of the CQE whose bit 0 is the phase tag (DW3 bit 16). */
const PHASE_BYTE = field('phase');
const SQID_BYTE = field('sqid');
const CID_BYTE = field('cid');

/** A fresh SQ of `size` entries: empty, tail and head at 0. */
export function newSq(size: number): SqRing {
  return { size, tail: 0, head: 0 };
}

/** A fresh CQ of `size` entries: head 0, the first pass carries phase 1. */
export function newCq(size: number): CqRing {
  return { size, head: 0, phase: 1 };
}

/** The slot after `index` in a ring of `size` entries. */
export function nextIndex(index: number, size: number): number {
  return index + 1 === size ? 0 : index + 1;
}

/** The phase a host expects at `head` once it moved there from `phase`: inverted when the head wrapped to 0. */
export function phaseAfter(head: number, phase: Phase): Phase {
  return head === 0 ? (phase === 1 ? 0 : 1) : phase;
}

/** Commands submitted and not yet reported consumed by the device. */
export function sqOutstanding(sq: SqRing): number {
  return (sq.tail - sq.head + sq.size) % sq.size;
}

export function sqEmpty(sq: SqRing): boolean {
  return sq.tail === sq.head;
}

/** One slot always stays empty: the SQ is full when the tail would meet the head. */
export function sqFull(sq: SqRing): boolean {
  return nextIndex(sq.tail, sq.size) === sq.head;
}

/** The SQ after one SQE was written at its tail (the caller checked `sqFull`); the new tail is the doorbell value. */
export function sqPush<T extends SqRing>(sq: T): T {
  // a copy, then the change: on Node 20's V8 `{ ...sq, tail }` costs several times as much (src/target/queueState.ts)
  const next = { ...sq };
  next.tail = nextIndex(sq.tail, sq.size);
  return next;
}

/** The SQ after a CQE reported the device's SQ head (SQHD). */
export function sqHeadFrom<T extends SqRing>(sq: T, sqhd: number): T {
  const next = { ...sq };
  next.head = sqhd % sq.size;
  return next;
}

/**
 * The SQ head a completion reports (SQHD, an index mod `size`), placed in the
 * host's account of the SQ in absolute entry counts, which never wrap: the
 * device has consumed at least `least` entries (what it reported before, and
 * the completed command itself: the head never goes back) and at most
 * `pushed` (the tail the host wrote). The host keeps fewer than `size` entries
 * outstanding, so at most one count in that window has this index. Returns
 * that count, or undefined when SQHD lies outside the window.
 */
export function sqHeadCount(size: number, least: number, pushed: number, sqhd: number): number | undefined {
  if (!Number.isInteger(sqhd) || sqhd < 0 || sqhd >= size) return undefined;
  const count = least + ((sqhd - (least % size) + size) % size);
  return count <= pushed ? count : undefined;
}

/**
 * The SQ with its tail moved to its head: the entries between were someone
 * else's (submitted before this host took the queue over), so the host
 * continues where the device is.
 */
export function sqSkipToHead<T extends SqRing>(sq: T): T {
  const next = { ...sq };
  next.tail = sq.head;
  return next;
}

/** Phase tag of the CQE that starts at `offset` of `bytes`. */
export function phaseTag(bytes: Uint8Array, offset = 0): Phase {
  return (bytes[offset + PHASE_BYTE] & 1) as Phase;
}

/** True when the CQE at `offset` of `bytes`, read from the CQ's head slot, was posted since the host last looked. */
export function cqeIsNew(cq: CqRing, bytes: Uint8Array, offset = 0): boolean {
  return phaseTag(bytes, offset) === cq.phase;
}

/** The CQ after the host consumed the entry at its head (the new head is the doorbell value). */
export function cqPop<T extends CqRing>(cq: T): T {
  const next = { ...cq };
  next.head = nextIndex(cq.head, cq.size);
  next.phase = phaseAfter(next.head, cq.phase);
  return next;
}

/**
 * Consume the CQE read at the CQ's head: the next CQ state when it is new,
 * undefined when the device has not posted there yet.
 */
export function cqTake<T extends CqRing>(cq: T, bytes: Uint8Array, offset = 0): T | undefined {
  return cqeIsNew(cq, bytes, offset) ? cqPop(cq) : undefined;
}

/** SQ identifier and CID of a raw 16-byte CQE. */
export function completionId(cqe: Uint8Array): CompletionId {
  return { sqid: cqe[SQID_BYTE] | (cqe[SQID_BYTE + 1] << 8), cid: cqe[CID_BYTE] | (cqe[CID_BYTE + 1] << 8) };
}

/** The CID a 64-byte SQE carries (CDW0 31:16). */
export function sqeCid(sqe: Uint8Array): number {
  return sqe[2] | (sqe[3] << 8);
}

/**
 * Take the completion of command (sqid, cid) out of `unclaimed`: the first
 * that matches, and the others in their order. A completion names its
 * command by both ids: CIDs are unique per SQ only.
 */
export function claimCompletion<T>(unclaimed: readonly T[], sqid: number, cid: number, idOf: (c: T) => CompletionId): { hit: T | undefined; rest: T[] } {
  const i = unclaimed.findIndex((c) => {
    const id = idOf(c);
    return id.sqid === sqid && id.cid === cid;
  });
  if (i < 0) return { hit: undefined, rest: [...unclaimed] };
  return { hit: unclaimed[i], rest: [...unclaimed.slice(0, i), ...unclaimed.slice(i + 1)] };
}
