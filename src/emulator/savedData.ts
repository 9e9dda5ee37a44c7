// The VF migration data that SAVE writes and LOAD reads (D6, D7, D8, D12,
// D14), as two layout tables: a fixed 80-byte header and one 40-byte record
// per I/O queue id. Little-endian. It holds this VF's controller state only:
// no byte of another VF, no guest data (D14); unfetched commands stay in
// guest memory and travel as SQ head/tail (D12). A doorbell written while
// suspended is latched in its SQ's `sqTail` (D11). Nothing is in flight at
// SAVE (it drains first) and a fetch always has a CQ slot (queues.ts), so no
// held completions need a place here.
//
// Size = 80 + 40 * (I/O queue ids holding an SQ or a CQ): 120 bytes for 1,
// 720 for 16, 2640 for 64 (the largest, MAX_IO_QUEUES), far below the host
// driver's 256 KiB buffer (MAX_MIGRATION_DATA).
import type { Layout } from '../wire/layout.ts';
import { compile, rd, type CompiledField } from './fields.ts';
import { crc32 } from './crc32.ts';
import { AQA_ACQS_SHIFT, AQA_ASQS_MASK, CC_EN, CSTS_RDY, MAX_ADMIN_QUEUE_ENTRIES, MAX_QUEUE_ENTRIES } from './registers.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { CQE_SIZE, SQE_SIZE } from './queues.ts';

/** "NVLM" in ASCII, read as a little-endian u32. */
export const SAVED_MAGIC = 0x4d4c564e;
export const SAVED_VERSION = 1;
/** The host driver's RESUMING buffer (RFC): LOAD data must fit it. */
export const MAX_MIGRATION_DATA = 256 * 1024;

export const SAVED_HEADER_LAYOUT: Layout = {
  name: 'Migration data header',
  size: 80,
  fields: [
    { name: 'magic', offset: 0, width: 4, doc: '"NVLM" (0x4d4c564e little-endian)' },
    { name: 'version', offset: 4, width: 2, doc: 'format version, 1' },
    { name: 'reserved6', offset: 6, width: 2, doc: 'reserved, 0' },
    { name: 'totalLength', offset: 8, width: 4, doc: 'bytes in the whole blob (LOAD size must equal it)' },
    { name: 'checksum', offset: 12, width: 4, doc: 'CRC-32 of bytes 16 .. totalLength-1' },
    { name: 'queueCount', offset: 16, width: 2, doc: 'geometry: number of I/O queue records' },
    { name: 'maxQid', offset: 18, width: 2, doc: 'geometry: largest I/O queue id in the records (0 if none)' },
    { name: 'maxEntries', offset: 20, width: 2, doc: 'geometry: largest I/O queue size in entries (0 if none)' },
    { name: 'reserved22', offset: 22, width: 2, doc: 'reserved, 0' },
    { name: 'cc', offset: 24, width: 4, doc: 'register CC' },
    { name: 'csts', offset: 28, width: 4, doc: 'register CSTS' },
    { name: 'aqa', offset: 32, width: 4, doc: 'register AQA' },
    { name: 'intms', offset: 36, width: 4, doc: 'interrupt mask (INTMS/INTMC)' },
    { name: 'asq', offset: 40, width: 8, doc: 'register ASQ' },
    { name: 'acq', offset: 48, width: 8, doc: 'register ACQ' },
    { name: 'nsqa', offset: 56, width: 2, doc: 'Number of Queues feature: I/O SQs allocated, zero-based' },
    { name: 'ncqa', offset: 58, width: 2, doc: 'Number of Queues feature: I/O CQs allocated, zero-based' },
    { name: 'asqHead', offset: 60, width: 2, doc: 'admin SQ head (next entry to fetch)' },
    { name: 'asqTail', offset: 62, width: 2, doc: 'admin SQ tail doorbell (latched while suspended)' },
    { name: 'acqHead', offset: 64, width: 2, doc: 'admin CQ head doorbell' },
    { name: 'acqTail', offset: 66, width: 2, doc: 'admin CQ tail (next slot to write)' },
    { name: 'acqPhase', offset: 68, width: 1, doc: 'admin CQ phase tag' },
    { name: 'reserved69', offset: 69, width: 11, kind: 'bytes', doc: 'reserved, 0' },
  ],
};

export const SAVED_QUEUE_LAYOUT: Layout = {
  name: 'Migration data I/O queue record',
  size: 40,
  fields: [
    { name: 'qid', offset: 0, width: 2, doc: 'queue id (1..limit), records in ascending order' },
    { name: 'flags', offset: 2, width: 1, doc: 'bit 0 SQ present, bit 1 CQ present, bit 2 CQ interrupts enabled' },
    { name: 'sqPrio', offset: 3, width: 1, doc: 'SQ priority' },
    { name: 'sqSize', offset: 4, width: 2, doc: 'SQ entries' },
    { name: 'sqHead', offset: 6, width: 2, doc: 'SQ head (next entry to fetch)' },
    { name: 'sqTail', offset: 8, width: 2, doc: 'SQ tail doorbell (latched while suspended, D11)' },
    { name: 'cqid', offset: 10, width: 2, doc: 'the SQ\'s completion queue id' },
    { name: 'cqSize', offset: 12, width: 2, doc: 'CQ entries' },
    { name: 'cqHead', offset: 14, width: 2, doc: 'CQ head doorbell' },
    { name: 'cqTail', offset: 16, width: 2, doc: 'CQ tail (next slot to write)' },
    { name: 'cqPhase', offset: 18, width: 1, doc: 'CQ phase tag' },
    { name: 'reserved19', offset: 19, width: 1, doc: 'reserved, 0' },
    { name: 'cqIv', offset: 20, width: 2, doc: 'CQ interrupt vector' },
    { name: 'reserved22', offset: 22, width: 2, doc: 'reserved, 0' },
    { name: 'sqBase', offset: 24, width: 8, doc: 'SQ base address' },
    { name: 'cqBase', offset: 32, width: 8, doc: 'CQ base address' },
  ],
};

export const SAVED_HEADER_SIZE = SAVED_HEADER_LAYOUT.size;
export const SAVED_RECORD_SIZE = SAVED_QUEUE_LAYOUT.size;
const CHECKSUM_END = 16;

/** Exact byte count of the migration data of a VF with `ioQueues` I/O queue ids in use (D8). */
export function savedDataSize(ioQueues: number): number {
  return SAVED_HEADER_SIZE + SAVED_RECORD_SIZE * ioQueues;
}

export interface SavedSq {
  base: number;
  size: number;
  head: number;
  tail: number;
  cqid: number;
  prio: number;
}
export interface SavedCq {
  base: number;
  size: number;
  head: number;
  tail: number;
  phase: number;
  ien: boolean;
  iv: number;
}
export interface SavedQueue {
  qid: number;
  sq?: SavedSq;
  cq?: SavedCq;
}
export interface SavedState {
  cc: number;
  csts: number;
  aqa: number;
  intms: number;
  asq: number;
  acq: number;
  nsqa: number;
  ncqa: number;
  admin: { sqHead: number; sqTail: number; cqHead: number; cqTail: number; cqPhase: number };
  queues: SavedQueue[];
}

const H = Object.fromEntries(SAVED_HEADER_LAYOUT.fields.filter((f) => f.kind !== 'bytes').map((f) => [f.name, compile(SAVED_HEADER_LAYOUT, f.name)])) as Record<string, CompiledField>;
const R = Object.fromEntries(SAVED_QUEUE_LAYOUT.fields.map((f) => [f.name, compile(SAVED_QUEUE_LAYOUT, f.name)])) as Record<string, CompiledField>;

function put(v: DataView, base: number, f: CompiledField, x: number): void {
  switch (f.width) {
    case 1:
      v.setUint8(base + f.offset, x);
      return;
    case 2:
      v.setUint16(base + f.offset, x, true);
      return;
    case 4:
      v.setUint32(base + f.offset, x >>> 0, true);
      return;
    default:
      v.setUint32(base + f.offset, x % 0x1_0000_0000, true);
      v.setUint32(base + f.offset + 4, Math.floor(x / 0x1_0000_0000), true);
  }
}

const FLAG_SQ = 1;
const FLAG_CQ = 2;
const FLAG_IEN = 4;

/** Serialize; deterministic, so two SAVEs of an unchanged VF give identical bytes (D6). */
export function encodeSavedState(s: SavedState): Uint8Array {
  const total = savedDataSize(s.queues.length);
  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  let maxQid = 0;
  let maxEntries = 0;
  for (const q of s.queues) {
    maxQid = Math.max(maxQid, q.qid);
    maxEntries = Math.max(maxEntries, q.sq?.size ?? 0, q.cq?.size ?? 0);
  }
  put(v, 0, H.magic, SAVED_MAGIC);
  put(v, 0, H.version, SAVED_VERSION);
  put(v, 0, H.totalLength, total);
  put(v, 0, H.queueCount, s.queues.length);
  put(v, 0, H.maxQid, maxQid);
  put(v, 0, H.maxEntries, maxEntries);
  put(v, 0, H.cc, s.cc);
  put(v, 0, H.csts, s.csts);
  put(v, 0, H.aqa, s.aqa);
  put(v, 0, H.intms, s.intms);
  put(v, 0, H.asq, s.asq);
  put(v, 0, H.acq, s.acq);
  put(v, 0, H.nsqa, s.nsqa);
  put(v, 0, H.ncqa, s.ncqa);
  put(v, 0, H.asqHead, s.admin.sqHead);
  put(v, 0, H.asqTail, s.admin.sqTail);
  put(v, 0, H.acqHead, s.admin.cqHead);
  put(v, 0, H.acqTail, s.admin.cqTail);
  put(v, 0, H.acqPhase, s.admin.cqPhase);
  for (let i = 0; i < s.queues.length; i++) {
    const q = s.queues[i];
    const b = SAVED_HEADER_SIZE + i * SAVED_RECORD_SIZE;
    put(v, b, R.qid, q.qid);
    put(v, b, R.flags, (q.sq ? FLAG_SQ : 0) | (q.cq ? FLAG_CQ : 0) | (q.cq?.ien ? FLAG_IEN : 0));
    if (q.sq) {
      put(v, b, R.sqPrio, q.sq.prio);
      put(v, b, R.sqSize, q.sq.size);
      put(v, b, R.sqHead, q.sq.head);
      put(v, b, R.sqTail, q.sq.tail);
      put(v, b, R.cqid, q.sq.cqid);
      put(v, b, R.sqBase, q.sq.base);
    }
    if (q.cq) {
      put(v, b, R.cqSize, q.cq.size);
      put(v, b, R.cqHead, q.cq.head);
      put(v, b, R.cqTail, q.cq.tail);
      put(v, b, R.cqPhase, q.cq.phase);
      put(v, b, R.cqIv, q.cq.iv);
      put(v, b, R.cqBase, q.cq.base);
    }
  }
  put(v, 0, H.checksum, crc32(bytes, CHECKSUM_END, total));
  return bytes;
}

/** The D7 defects, named as the acceptance machine names them. */
export type LoadDefect = 'sizeZero' | 'sizeOverBuffer' | 'sizeMismatch' | 'badMagic' | 'badVersion' | 'badChecksum' | 'badGeometry';

export type DecodeResult = { ok: true; state: SavedState } | { ok: false; defect: LoadDefect; reason: string };

/** The destination VF's limits (D7 geometry) and a way to check that queue memory exists. */
export interface LoadLimits {
  maxIoQueues: number;
  isMapped(addr: number, len: number): boolean;
}

const fail = (defect: LoadDefect, reason: string): DecodeResult => ({ ok: false, defect, reason });

/**
 * Check LOAD data in D7's order and decode it; pure. `size` is CDW11;
 * `bytes` the data the DMA read (the first min(size, 256 KiB) bytes).
 */
export function decodeSavedData(bytes: Uint8Array, size: number, limits: LoadLimits): DecodeResult {
  if (size === 0) return fail('sizeZero', 'LOAD size (CDW11) is zero');
  if (size > MAX_MIGRATION_DATA) return fail('sizeOverBuffer', `LOAD size ${size} is larger than the ${MAX_MIGRATION_DATA}-byte migration buffer`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recorded = size >= CHECKSUM_END ? rd(v, 0, H.totalLength) : -1;
  if (recorded !== size) return fail('sizeMismatch', `LOAD size ${size} differs from the length recorded in the data (${recorded < 0 ? 'unreadable' : recorded})`);
  if (rd(v, 0, H.magic) !== SAVED_MAGIC) return fail('badMagic', 'the data does not start with the "NVLM" magic');
  const version = rd(v, 0, H.version);
  if (version !== SAVED_VERSION) return fail('badVersion', `format version ${version} is unknown (this device reads version ${SAVED_VERSION})`);
  if (crc32(bytes, CHECKSUM_END, size) !== rd(v, 0, H.checksum)) return fail('badChecksum', 'the CRC-32 over bytes 16.. does not match');
  return decodeGeometry(v, size, limits);
}

function decodeGeometry(v: DataView, size: number, limits: LoadLimits): DecodeResult {
  const bad = (reason: string) => fail('badGeometry', reason);
  const count = rd(v, 0, H.queueCount);
  if (count > limits.maxIoQueues) return bad(`the data has ${count} I/O queues; this VF allows ${limits.maxIoQueues}`);
  if (size !== savedDataSize(count)) return bad(`${count} queue records need ${savedDataSize(count)} bytes, the data has ${size}`);
  const s: SavedState = {
    cc: rd(v, 0, H.cc),
    csts: rd(v, 0, H.csts),
    aqa: rd(v, 0, H.aqa),
    intms: rd(v, 0, H.intms),
    asq: rd(v, 0, H.asq),
    acq: rd(v, 0, H.acq),
    nsqa: rd(v, 0, H.nsqa),
    ncqa: rd(v, 0, H.ncqa),
    admin: { sqHead: rd(v, 0, H.asqHead), sqTail: rd(v, 0, H.asqTail), cqHead: rd(v, 0, H.acqHead), cqTail: rd(v, 0, H.acqTail), cqPhase: rd(v, 0, H.acqPhase) },
    queues: [],
  };
  if (s.nsqa >= limits.maxIoQueues || s.ncqa >= limits.maxIoQueues) return bad(`Number of Queues (${s.nsqa + 1}/${s.ncqa + 1}) exceeds this VF's ${limits.maxIoQueues}`);
  const enabled = (s.cc & CC_EN) !== 0 && (s.csts & CSTS_RDY) !== 0;
  if (enabled) {
    const sqn = (s.aqa & AQA_ASQS_MASK) + 1;
    const cqn = ((s.aqa >>> AQA_ACQS_SHIFT) & AQA_ASQS_MASK) + 1;
    const a = s.admin;
    if (sqn < 2 || cqn < 2 || sqn > MAX_ADMIN_QUEUE_ENTRIES || cqn > MAX_ADMIN_QUEUE_ENTRIES) return bad('admin queue sizes are outside 2..4096');
    if (a.sqHead >= sqn || a.sqTail >= sqn || a.cqHead >= cqn || a.cqTail >= cqn || a.cqPhase > 1) return bad('admin queue pointers lie outside the queues');
    if (!queueMemoryOk(limits, s.asq, sqn * SQE_SIZE) || !queueMemoryOk(limits, s.acq, cqn * CQE_SIZE)) return bad('admin queue memory is unaligned or not mapped');
  } else if (count !== 0) {
    return bad('a disabled controller cannot have I/O queues');
  }
  let maxQid = 0;
  let maxEntries = 0;
  for (let i = 0; i < count; i++) {
    const b = SAVED_HEADER_SIZE + i * SAVED_RECORD_SIZE;
    const qid = rd(v, b, R.qid);
    const flags = rd(v, b, R.flags);
    if (qid < 1 || qid > limits.maxIoQueues) return bad(`queue id ${qid} is outside this VF's 1..${limits.maxIoQueues}`);
    if (qid <= maxQid) return bad('queue records are not in ascending queue id order');
    if ((flags & (FLAG_SQ | FLAG_CQ)) === 0 || flags > 7) return bad(`queue ${qid} record has flags 0x${flags.toString(16)}`);
    const q: SavedQueue = { qid };
    if (flags & FLAG_CQ) {
      const cq: SavedCq = { base: rd(v, b, R.cqBase), size: rd(v, b, R.cqSize), head: rd(v, b, R.cqHead), tail: rd(v, b, R.cqTail), phase: rd(v, b, R.cqPhase), ien: (flags & FLAG_IEN) !== 0, iv: rd(v, b, R.cqIv) };
      if (cq.size < 2 || cq.size > MAX_QUEUE_ENTRIES) return bad(`CQ ${qid} has ${cq.size} entries; this VF allows 2..${MAX_QUEUE_ENTRIES}`);
      if (cq.head >= cq.size || cq.tail >= cq.size || cq.phase > 1) return bad(`CQ ${qid} pointers lie outside the queue`);
      if (!queueMemoryOk(limits, cq.base, cq.size * CQE_SIZE)) return bad(`CQ ${qid} memory is unaligned or not mapped`);
      q.cq = cq;
      maxEntries = Math.max(maxEntries, cq.size);
    }
    if (flags & FLAG_SQ) {
      const sq: SavedSq = { base: rd(v, b, R.sqBase), size: rd(v, b, R.sqSize), head: rd(v, b, R.sqHead), tail: rd(v, b, R.sqTail), cqid: rd(v, b, R.cqid), prio: rd(v, b, R.sqPrio) };
      if (sq.size < 2 || sq.size > MAX_QUEUE_ENTRIES) return bad(`SQ ${qid} has ${sq.size} entries; this VF allows 2..${MAX_QUEUE_ENTRIES}`);
      if (sq.head >= sq.size || sq.tail >= sq.size) return bad(`SQ ${qid} pointers lie outside the queue`);
      if (!queueMemoryOk(limits, sq.base, sq.size * SQE_SIZE)) return bad(`SQ ${qid} memory is unaligned or not mapped`);
      q.sq = sq;
      maxEntries = Math.max(maxEntries, sq.size);
    }
    s.queues.push(q);
    maxQid = qid;
  }
  const hasCq = new Set<number>();
  for (const q of s.queues) if (q.cq) hasCq.add(q.qid);
  for (const q of s.queues) {
    if (q.sq && !hasCq.has(q.sq.cqid)) return bad(`SQ ${q.qid} is bound to CQ ${q.sq.cqid}, which the data does not contain`);
  }
  if (rd(v, 0, H.maxQid) !== maxQid || rd(v, 0, H.maxEntries) !== maxEntries) return bad('the header geometry disagrees with the queue records');
  return { ok: true, state: s };
}

function queueMemoryOk(limits: LoadLimits, base: number, len: number): boolean {
  return base % PAGE_SIZE === 0 && limits.isMapped(base, len);
}
