// Where the bindings put things in host (guest-physical) memory: the ONE
// plan every binding takes its addresses from. Fixed, so a path touches the
// same addresses on every run and every target: per function an admin queue
// pair, a scratch page, a read-back page, data blocks and I/O queue pairs;
// per VF a migration buffer for SAVE and one for LOAD; room for as many I/O
// queue pairs as a VF accepts (a host growing the migration data, D8); the
// acceptance binding's image and measuring buffers; the host driver's own
// region (src/host allocates in it); and an address nothing ever maps, for the
// DMA-failure events.
//
// Everything lies in [PLAN_BASE, PLAN_END), below QEMU's reserved top 64 KiB
// of 512 MiB (0x1fff0000) and above its ROM hole (0xc0000-0xfffff), so the
// same binding runs on QEMU; no two regions overlap (test/models/hostPlan).
//
//   | region               | address                    | size             |
//   |----------------------|----------------------------|------------------|
//   | function fn          | PLAN_BASE + fn * 256 KiB   | 256 KiB, below   |
//   | VF v's migration     | MIGRATION_BASE + v * 536 KiB | 2 x 67 pages   |
//   | bulk I/O queues      | 0x0200_0000 + fn * 1 MiB   | qid * 8 KiB: SQ page, CQ page (qid 1..127) |
//   | acceptance image     | 0x0400_0000                | 256 KiB, PRP list page after it |
//   | acceptance measure   | 0x0500_0000                | 256 KiB, PRP list page after it |
//   | namespace pattern    | 0x0600_0000                | a pattern page, then a read-back page |
//   | VF v's UDMQ (tp4159) | 0x0700_0000 + v * 4 KiB    | one page (up to 128 entries of 32 B) |
//   | host driver region   | 0x0800_0000                | 16 MiB           |
//
//   function fn: base = PLAN_BASE + fn * FUNCTION_STRIDE
//   | offset                 | size    | use                                   |
//   |------------------------|---------|---------------------------------------|
//   | 0x00000                | 4 KiB   | admin SQ (ADMIN_ENTRIES x 64 B)        |
//   | 0x01000                | 4 KiB   | admin CQ (ADMIN_ENTRIES x 16 B)        |
//   | 0x02000                | 4 KiB   | scratch (Identify, VF-queue LM PRPs)  |
//   | 0x03000                | 4 KiB   | read-back buffer                      |
//   | 0x04000                | 16 KiB  | data: DATA_SLOTS blocks of 512 B      |
//   | 0x10000 + (q-1)*0x2000 | 4 KiB   | I/O SQ q (IO_ENTRIES x 64 B)           |
//   | 0x11000 + (q-1)*0x2000 | 4 KiB   | I/O CQ q (IO_ENTRIES x 16 B)           |
//
//   VF v's migration buffers: base = MIGRATION_BASE + v * MIGRATION_STRIDE
//   | offset   | size               | use                                  |
//   |----------|--------------------|--------------------------------------|
//   | 0x00000  | 4 KiB              | SAVE: PRP list page                  |
//   | 0x01000  | 65 pages           | SAVE: data pages                     |
//   | 0x43000  | 4 KiB              | LOAD: PRP list page                  |
//   | 0x44000  | 65 pages           | LOAD: data pages                     |

// The 4 KiB memory page, under the short name the plan's arithmetic uses.
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';

export const BLOCK = 512;

export const PLAN_BASE = 0x0100_0000n;
export const FUNCTION_STRIDE = 0x4_0000n;
/** Functions 0 (the PF) .. MAX_FUNCTION (VF 8). */
export const MAX_FUNCTION = 8;

export const ADMIN_ENTRIES = 64;
export const IO_ENTRIES = 16;
/** I/O queue ids 1..MAX_PLANNED_QUEUES have memory in the plan. */
export const MAX_PLANNED_QUEUES = 8;
export const DATA_SLOTS = 32;

export const MIGRATION_BASE = PLAN_BASE + FUNCTION_STRIDE * BigInt(MAX_FUNCTION + 1);
/** Room for 256 KiB (the RFC host driver's buffer, the most migration data a host accepts) after the offset. */
export const MIGRATION_PAGES = 65;
const MIGRATION_HALF = BigInt((MIGRATION_PAGES + 2) * PAGE);
export const MIGRATION_STRIDE = 2n * MIGRATION_HALF;
/**
 * PRP1 of a migration transfer carries this page offset: the data straddles
 * a page boundary at once, so PRP2 (and for larger data the PRP list) is
 * always exercised.
 */
export const MIGRATION_OFFSET = PAGE - 128;

/** Bulk I/O queue pairs: up to MAX_BULK_QUEUES per function, for a host that creates all a VF accepts. */
export const BULK_QUEUE_BASE = 0x0200_0000n;
const BULK_FUNCTION_STRIDE = 0x10_0000n;
const BULK_PAIR_STRIDE = 0x2000n;
export const MAX_BULK_QUEUES = Number(BULK_FUNCTION_STRIDE / BULK_PAIR_STRIDE) - 1;

/** Never written by any binding: a PRP pointing here is a DMA failure (D7). Above every target's RAM. */
export const UNMAPPED = 0x40_0000_0000n;

/** The UDMQ pages (udmqRing). */
export const UDMQ_BASE = 0x0700_0000n;

/** The largest migration buffer a host hands to SAVE or LOAD: the RFC driver's 256 KiB. */
export const BUFFER_BYTES = 256 * 1024;

/**
 * The acceptance binding's buffers, each page aligned (its PRP cases place
 * PRP1 and the list entries themselves): the image SAVE writes and LOAD
 * reads, a second buffer for measuring a SAVE (D6, D8), each with a PRP list
 * page right after it; a namespace pattern page and a read-back page after it.
 */
export const ACCEPTANCE_PLAN = {
  image: 0x0400_0000n,
  imageList: 0x0400_0000n + BigInt(BUFFER_BYTES),
  measure: 0x0500_0000n,
  measureList: 0x0500_0000n + BigInt(BUFFER_BYTES),
  data: 0x0600_0000n,
  unmapped: UNMAPPED,
} as const;

/** The user data migration queue the PF creates for VF `vf` (tp4159 D28): one zeroed page, physically contiguous. */
export function udmqRing(vf: number): bigint {
  checkFn(vf);
  if (vf === 0) throw new RangeError('a UDMQ logs a VF\'s changes: use VF 1 to 8');
  return UDMQ_BASE + BigInt(PAGE * vf);
}

/** The host driver's allocator (src/host: its PF admin queue, SAVE and resume buffers). */
export const DRIVER_REGION = { base: 0x0800_0000n, bytes: 16 * 1024 * 1024 } as const;

export const PLAN_END = DRIVER_REGION.base + BigInt(DRIVER_REGION.bytes);

/** I/O queue pair `qid` of function `fn` in the bulk area: its SQ page, then its CQ page. */
export function bulkQueuePair(fn: number, qid: number): { sq: bigint; cq: bigint } {
  checkFn(fn);
  if (!Number.isInteger(qid) || qid < 1 || qid > MAX_BULK_QUEUES) throw new RangeError(`bulk I/O queue ${qid} has no memory in the plan: use 1 to ${MAX_BULK_QUEUES}`);
  const sq = BULK_QUEUE_BASE + BULK_FUNCTION_STRIDE * BigInt(fn) + BULK_PAIR_STRIDE * BigInt(qid);
  return { sq, cq: sq + BigInt(PAGE) };
}

export interface FunctionPlan {
  fn: number;
  asq: bigint;
  acq: bigint;
  scratch: bigint;
  readBuffer: bigint;
  /** address of data block `slot` (0..DATA_SLOTS-1) */
  data(slot: number): bigint;
  ioSq(qid: number): bigint;
  ioCq(qid: number): bigint;
  /**
   * Every page the guest's queues and data live in, for queue ids up to
   * `queues`: what a migration carries with the VM (the binding copies them
   * when it hands a VM over to a LOAD).
   */
  guestPages(queues: number): bigint[];
}

function checkFn(fn: number): void {
  if (!Number.isInteger(fn) || fn < 0 || fn > MAX_FUNCTION) throw new RangeError(`function ${fn} has no memory in the plan: use 0 (the PF) to ${MAX_FUNCTION}`);
}

function checkQid(qid: number): void {
  if (!Number.isInteger(qid) || qid < 1 || qid > MAX_PLANNED_QUEUES) {
    throw new RangeError(`I/O queue ${qid} has no memory in the plan: use 1 to ${MAX_PLANNED_QUEUES}`);
  }
}

export function functionPlan(fn: number): FunctionPlan {
  checkFn(fn);
  const base = PLAN_BASE + FUNCTION_STRIDE * BigInt(fn);
  const dataBase = base + 0x4000n;
  const plan: FunctionPlan = {
    fn,
    asq: base,
    acq: base + 0x1000n,
    scratch: base + 0x2000n,
    readBuffer: base + 0x3000n,
    data(slot) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= DATA_SLOTS) throw new RangeError(`data slot ${slot}: use 0 to ${DATA_SLOTS - 1}`);
      return dataBase + BigInt(slot * BLOCK);
    },
    ioSq(qid) {
      checkQid(qid);
      return base + 0x10000n + BigInt((qid - 1) * 0x2000);
    },
    ioCq(qid) {
      checkQid(qid);
      return base + 0x11000n + BigInt((qid - 1) * 0x2000);
    },
    guestPages(queues) {
      const pages = [plan.asq, plan.acq];
      for (let p = 0; p < (DATA_SLOTS * BLOCK) / PAGE; p++) pages.push(dataBase + BigInt(p * PAGE));
      for (let q = 1; q <= Math.min(queues, MAX_PLANNED_QUEUES); q++) pages.push(plan.ioSq(q), plan.ioCq(q));
      return pages;
    },
  };
  return plan;
}

/** A migration buffer: a PRP list page followed by MIGRATION_PAGES data pages. */
export interface MigrationBuffer {
  list: bigint;
  /** where the data starts (PRP1: the first data page plus MIGRATION_OFFSET) */
  start: bigint;
  /** the most bytes it holds */
  capacity: number;
}

export function migrationBuffers(vf: number): { save: MigrationBuffer; load: MigrationBuffer } {
  checkFn(vf);
  if (vf === 0) throw new RangeError('migration buffers belong to a VF: use 1 to 8');
  const base = MIGRATION_BASE + MIGRATION_STRIDE * BigInt(vf);
  const buffer = (at: bigint): MigrationBuffer => ({
    list: at,
    start: at + BigInt(PAGE + MIGRATION_OFFSET),
    capacity: MIGRATION_PAGES * PAGE - MIGRATION_OFFSET,
  });
  return { save: buffer(base), load: buffer(base + MIGRATION_HALF) };
}

export interface Prps {
  prp1: bigint;
  prp2: bigint;
  /** PRP list entries to write at `list` before the command (empty when PRP2 is a page or unused) */
  listEntries: bigint[];
}

/** The PRPs of a `length`-byte transfer from `b.start` (NVMe PRP rules, 4 KiB pages). */
export function prpsFor(b: MigrationBuffer, length: number): Prps {
  if (!Number.isInteger(length) || length < 1 || length > b.capacity) {
    throw new RangeError(`a migration transfer of ${length} bytes does not fit the plan's ${b.capacity}-byte buffer`);
  }
  const first = PAGE - MIGRATION_OFFSET;
  const nextPage = b.start + BigInt(first);
  if (length <= first) return { prp1: b.start, prp2: 0n, listEntries: [] };
  const rest = length - first;
  if (rest <= PAGE) return { prp1: b.start, prp2: nextPage, listEntries: [] };
  const pages = Math.ceil(rest / PAGE);
  const listEntries = Array.from({ length: pages }, (_, i) => nextPage + BigInt(i * PAGE));
  return { prp1: b.start, prp2: b.list, listEntries };
}

/** The PRP list page's bytes (little-endian 64-bit entries). */
export function prpListBytes(entries: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(entries.length * 8);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => v.setBigUint64(i * 8, e, true));
  return out;
}
