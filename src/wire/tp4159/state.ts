// The controller state that Migration Receive / Get Controller State returns
// and Set Controller State consumes (tp4159 section 3, D24-D27): a 48-byte
// header, the NVMe controller state (8 bytes, then 24 bytes per I/O SQ and per
// I/O CQ), then the vendor-specific section (VSS dwords). Little-endian.
import { decodeUints, encodeUints, WireError, type Layout } from '../layout.ts';

export const STATE_HEADER_LAYOUT: Layout = {
  name: 'Controller state header',
  size: 48,
  fields: [
    { name: 'ver', offset: 0, width: 2, doc: 'VER controller state version (0000h)' },
    { name: 'suspended', offset: 2, width: 1, bits: [0, 0], doc: 'CSATTR bit 0: the controller was suspended when the state was taken (D24)' },
    { name: 'rsvdCsattr', offset: 2, width: 1, bits: [7, 1], doc: 'CSATTR bits 7:1 reserved' },
    { name: 'rsvd3', offset: 3, width: 13, doc: 'reserved' },
    { name: 'nvmecss', offset: 16, width: 16, doc: 'NVMECSS size of the NVMe controller state, in dwords' },
    { name: 'vss', offset: 32, width: 16, doc: 'VSS size of the vendor-specific state, in dwords' },
  ],
};

export const NVME_STATE_HEADER_LAYOUT: Layout = {
  name: 'NVMe controller state header',
  size: 8,
  fields: [
    { name: 'ver', offset: 0, width: 2, doc: 'VER NVMe controller state version (0, D26)' },
    { name: 'niosq', offset: 2, width: 2, doc: 'NIOSQ number of I/O SQ entries that follow' },
    { name: 'niocq', offset: 4, width: 2, doc: 'NIOCQ number of I/O CQ entries after the SQ entries' },
    { name: 'rsvd6', offset: 6, width: 2, doc: 'reserved' },
  ],
};

export const IO_SQ_STATE_LAYOUT: Layout = {
  name: 'I/O SQ state entry',
  size: 24,
  fields: [
    { name: 'prp1', offset: 0, width: 8, doc: 'PRP1 queue base address' },
    { name: 'qsize', offset: 8, width: 2, doc: 'QSIZE entries, 0-based' },
    { name: 'qid', offset: 10, width: 2, doc: 'QID queue identifier' },
    { name: 'cqid', offset: 12, width: 2, doc: 'CQID the completion queue' },
    { name: 'pc', offset: 14, width: 2, bits: [0, 0], doc: 'ATTR bit 0 PC physically contiguous' },
    { name: 'qprio', offset: 14, width: 2, bits: [2, 1], doc: 'ATTR bits 2:1 queue priority' },
    { name: 'rsvdAttr', offset: 14, width: 2, bits: [15, 3], doc: 'ATTR bits 15:3 reserved' },
    { name: 'head', offset: 16, width: 2, doc: 'HEAD next entry the controller fetches' },
    { name: 'tail', offset: 18, width: 2, doc: 'TAIL last tail doorbell value (latched while suspended)' },
    { name: 'rsvd20', offset: 20, width: 4, doc: 'reserved' },
  ],
};

export const IO_CQ_STATE_LAYOUT: Layout = {
  name: 'I/O CQ state entry',
  size: 24,
  fields: [
    { name: 'prp1', offset: 0, width: 8, doc: 'PRP1 queue base address' },
    { name: 'qsize', offset: 8, width: 2, doc: 'QSIZE entries, 0-based' },
    { name: 'qid', offset: 10, width: 2, doc: 'QID queue identifier' },
    { name: 'head', offset: 12, width: 2, doc: 'HEAD last head doorbell value' },
    { name: 'tail', offset: 14, width: 2, doc: 'TAIL next slot the controller writes' },
    { name: 'pc', offset: 16, width: 4, bits: [0, 0], doc: 'ATTR bit 0 PC physically contiguous' },
    { name: 'ien', offset: 16, width: 4, bits: [1, 1], doc: 'ATTR bit 1 IEN interrupts enabled' },
    { name: 's0pt', offset: 16, width: 4, bits: [2, 2], doc: 'ATTR bit 2 S0PT phase tag of the entry in slot 0 (I15)' },
    { name: 'rsvdAttr', offset: 16, width: 4, bits: [15, 3], doc: 'ATTR bits 15:3 reserved' },
    { name: 'iv', offset: 16, width: 4, bits: [31, 16], doc: 'ATTR bits 31:16 IV interrupt vector' },
    { name: 'rsvd20', offset: 20, width: 4, doc: 'reserved' },
  ],
};

export const STATE_HEADER_SIZE = STATE_HEADER_LAYOUT.size;
export const NVME_STATE_HEADER_SIZE = NVME_STATE_HEADER_LAYOUT.size;
export const QUEUE_STATE_SIZE = IO_SQ_STATE_LAYOUT.size;

export interface IoSqState { prp1: bigint; qsize: number; qid: number; cqid: number; pc: boolean; qprio: number; head: number; tail: number }
export interface IoCqState { prp1: bigint; qsize: number; qid: number; head: number; tail: number; pc: boolean; ien: boolean; s0pt: number; iv: number }
interface NvmeState { ver: number; sqs: IoSqState[]; cqs: IoCqState[] }
export interface ControllerState {
  ver: number;
  suspended: boolean;
  /** absent for a header-only state (CSVI 0, NVMECSS = 0) */
  nvme?: NvmeState;
  /** the vendor-specific section, raw (VSS x 4 bytes); empty when VSS = 0 */
  vendor: Uint8Array;
}

/** Bytes of the NVMe controller state: 8 + 24 x (NIOSQ + NIOCQ). */
function nvmeStateSize(niosq: number, niocq: number): number {
  return NVME_STATE_HEADER_SIZE + QUEUE_STATE_SIZE * (niosq + niocq);
}

/** Bytes of a whole controller state: header, NVMe state, `vssDwords` of vendor section. */
export function stateSize(niosq: number, niocq: number, vssDwords: number): number {
  return STATE_HEADER_SIZE + nvmeStateSize(niosq, niocq) + 4 * vssDwords;
}

/** The current phase of a CQ from its tail and S0PT: slot 0 was written on this pass iff the tail moved past it. */
export function cqPhaseFromS0pt(tail: number, s0pt: number): number {
  return tail === 0 ? s0pt ^ 1 : s0pt;
}

/** S0PT from a CQ's tail and current phase (the inverse of cqPhaseFromS0pt). */
export function s0ptFromCqPhase(tail: number, phase: number): number {
  return tail === 0 ? phase ^ 1 : phase;
}

const num = (v: Record<string, bigint>, k: string): number => Number(v[k]);

function encodeSq(q: IoSqState): Uint8Array {
  return encodeUints(IO_SQ_STATE_LAYOUT, { ...q, pc: q.pc ? 1 : 0 });
}
function encodeCq(q: IoCqState): Uint8Array {
  return encodeUints(IO_CQ_STATE_LAYOUT, { ...q, pc: q.pc ? 1 : 0, ien: q.ien ? 1 : 0 });
}
function decodeIoSqState(b: Uint8Array): IoSqState {
  const v = decodeUints(IO_SQ_STATE_LAYOUT, b);
  return { prp1: v.prp1, qsize: num(v, 'qsize'), qid: num(v, 'qid'), cqid: num(v, 'cqid'), pc: v.pc === 1n, qprio: num(v, 'qprio'), head: num(v, 'head'), tail: num(v, 'tail') };
}
function decodeIoCqState(b: Uint8Array): IoCqState {
  const v = decodeUints(IO_CQ_STATE_LAYOUT, b);
  return { prp1: v.prp1, qsize: num(v, 'qsize'), qid: num(v, 'qid'), head: num(v, 'head'), tail: num(v, 'tail'), pc: v.pc === 1n, ien: v.ien === 1n, s0pt: num(v, 's0pt'), iv: num(v, 'iv') };
}

/** Encode a controller state; NVMECSS and VSS come from what is given. */
export function encodeControllerState(s: ControllerState): Uint8Array {
  if (s.vendor.length % 4 !== 0) throw new WireError(`vendor-specific section must be whole dwords, got ${s.vendor.length} bytes`);
  const nvmeBytes = s.nvme ? nvmeStateSize(s.nvme.sqs.length, s.nvme.cqs.length) : 0;
  const out = new Uint8Array(STATE_HEADER_SIZE + nvmeBytes + s.vendor.length);
  encodeUints(STATE_HEADER_LAYOUT, { ver: s.ver, suspended: s.suspended ? 1 : 0, nvmecss: nvmeBytes / 4, vss: s.vendor.length / 4 }, out.subarray(0, STATE_HEADER_SIZE));
  let at = STATE_HEADER_SIZE;
  if (s.nvme) {
    encodeUints(NVME_STATE_HEADER_LAYOUT, { ver: s.nvme.ver, niosq: s.nvme.sqs.length, niocq: s.nvme.cqs.length }, out.subarray(at, at + NVME_STATE_HEADER_SIZE));
    at += NVME_STATE_HEADER_SIZE;
    for (const q of s.nvme.sqs) out.set(encodeSq(q), (at += QUEUE_STATE_SIZE) - QUEUE_STATE_SIZE);
    for (const q of s.nvme.cqs) out.set(encodeCq(q), (at += QUEUE_STATE_SIZE) - QUEUE_STATE_SIZE);
  }
  out.set(s.vendor, at);
  return out;
}

export interface DecodedControllerState {
  state: ControllerState;
  /** bytes the header accounts for: 48 + NVMECSS x 4 + VSS x 4 */
  length: number;
  /** bytes past `length` (a host that sent the plain dword count, D27) */
  trailing: number;
}

function size128(v: bigint, what: string, limit: number): number {
  if (v > BigInt(limit)) throw new WireError(`${what} says ${v} dwords, more than the ${limit} dwords this state can hold`);
  return Number(v);
}

/** Decode a controller-state blob; a truncated blob or an NVMECSS that disagrees with NIOSQ/NIOCQ is a WireError. */
export function decodeControllerState(buf: Uint8Array): DecodedControllerState {
  if (buf.length < STATE_HEADER_SIZE) throw new WireError(`controller state is truncated: ${buf.length} bytes, the header alone is ${STATE_HEADER_SIZE}`);
  const h = decodeUints(STATE_HEADER_LAYOUT, buf.subarray(0, STATE_HEADER_SIZE));
  const nvmeBytes = 4 * size128(h.nvmecss, 'NVMECSS', buf.length);
  const vendorBytes = 4 * size128(h.vss, 'VSS', buf.length);
  const length = STATE_HEADER_SIZE + nvmeBytes + vendorBytes;
  if (buf.length < length) {
    throw new WireError(`controller state is truncated: the header announces ${length} bytes (48 + NVMECSS ${nvmeBytes / 4} x 4 + VSS ${vendorBytes / 4} x 4), got ${buf.length}`);
  }
  const state: ControllerState = { ver: num(h, 'ver'), suspended: h.suspended === 1n, vendor: buf.slice(STATE_HEADER_SIZE + nvmeBytes, length) };
  if (nvmeBytes > 0) state.nvme = decodeNvmeState(buf.subarray(STATE_HEADER_SIZE, STATE_HEADER_SIZE + nvmeBytes));
  return { state, length, trailing: buf.length - length };
}

function decodeNvmeState(b: Uint8Array): NvmeState {
  if (b.length < NVME_STATE_HEADER_SIZE) throw new WireError(`NVMECSS of ${b.length / 4} dwords is shorter than the ${NVME_STATE_HEADER_SIZE}-byte NVMe state header`);
  const h = decodeUints(NVME_STATE_HEADER_LAYOUT, b.subarray(0, NVME_STATE_HEADER_SIZE));
  const niosq = num(h, 'niosq');
  const niocq = num(h, 'niocq');
  const want = nvmeStateSize(niosq, niocq);
  if (want !== b.length) throw new WireError(`NVMECSS says ${b.length} bytes but NIOSQ ${niosq} and NIOCQ ${niocq} make ${want} (8 + 24 x ${niosq + niocq})`);
  const entry = (i: number): Uint8Array => b.subarray(NVME_STATE_HEADER_SIZE + i * QUEUE_STATE_SIZE, NVME_STATE_HEADER_SIZE + (i + 1) * QUEUE_STATE_SIZE);
  const sqs = Array.from({ length: niosq }, (_, i) => decodeIoSqState(entry(i)));
  const cqs = Array.from({ length: niocq }, (_, i) => decodeIoCqState(entry(niosq + i)));
  return { ver: num(h, 'ver'), sqs, cqs };
}
