// The User Data Migration Queue entry ("LBA migration queue entry type 0",
// tp4159 section 3): 32 bytes, one logged LBA range or a sequence marker
// (D29-D32). The host zeroes the queue; the controller's first pass writes
// phase tag 1 and inverts it on every wrap (I14).
import { assertLength, encodeUints, fieldsByName, getSmallUint, getUint, WireError, type Field, type Layout } from '../layout.ts';

export const UDMQ_ENTRY_LAYOUT: Layout = {
  name: 'UDMQ entry (LBA migration queue entry type 0)',
  size: 32,
  fields: [
    { name: 'nsid', offset: 0, width: 4, doc: 'NSID namespace' },
    { name: 'nlb', offset: 4, width: 4, doc: 'NLB logical blocks, 0-based' },
    { name: 'slba', offset: 8, width: 8, doc: 'SLBA starting LBA' },
    { name: 'rsvd16', offset: 16, width: 15, doc: 'reserved' },
    { name: 'phase', offset: 31, width: 1, bits: [0, 0], doc: 'attributes bit 0: phase tag' },
    { name: 'esa', offset: 31, width: 1, bits: [3, 1], doc: 'attributes bits 3:1 ESA entry sequence (see UDMQ_ESA)' },
    { name: 'rsvdAttr4', offset: 31, width: 1, bits: [4, 4], doc: 'attributes bit 4 reserved' },
    { name: 'dlba', offset: 31, width: 1, bits: [5, 5], doc: 'attributes bit 5 DLBA: the range was deallocated (D30)' },
    { name: 'lbacir', offset: 31, width: 1, bits: [7, 6], doc: 'attributes bits 7:6 LBACIR (see UDMQ_LBACIR)' },
  ],
};

export const UDMQ_ENTRY_SIZE = UDMQ_ENTRY_LAYOUT.size;

const F = fieldsByName(UDMQ_ENTRY_LAYOUT, ['nsid', 'nlb', 'slba', 'phase', 'esa', 'dlba', 'lbacir']);

/** ESA: where an entry stands in the log (D29, D31, D32). */
export const UDMQ_ESA = {
  NONE: 0,
  FIRST: 1,
  LAST_STOPPED: 2,
  LAST_SUSPENDED: 3,
  LAST_FULL: 7,
} as const;

/** LBACIR: what the range fields mean. */
export const UDMQ_LBACIR = {
  RANGE_VALID: 0,
  EVERY_LOGICAL_BLOCK: 1,
  NO_RANGE: 2,
} as const;

export interface UdmqEntry {
  nsid: number;
  /** 0-based */
  nlb: number;
  slba: bigint;
  phase: number;
  esa: number;
  dlba: boolean;
  lbacir: number;
}

export function encodeUdmqEntry(e: UdmqEntry): Uint8Array {
  return encodeUints(UDMQ_ENTRY_LAYOUT, { ...e, dlba: e.dlba ? 1 : 0 });
}

export function decodeUdmqEntry(b: Uint8Array): UdmqEntry {
  assertLength(UDMQ_ENTRY_LAYOUT, b);
  const n = (f: Field): number => getSmallUint(b, f);
  return { nsid: n(F.nsid), nlb: n(F.nlb), slba: getUint(b, F.slba), phase: n(F.phase), esa: n(F.esa), dlba: n(F.dlba) === 1, lbacir: n(F.lbacir) };
}

/** Split a queue's bytes into its entries; a length that is not whole entries is a WireError. */
export function decodeUdmqEntries(b: Uint8Array): UdmqEntry[] {
  if (b.length === 0 || b.length % UDMQ_ENTRY_SIZE !== 0) throw new WireError(`UDMQ data must be whole ${UDMQ_ENTRY_SIZE}-byte entries, got ${b.length} bytes`);
  return Array.from({ length: b.length / UDMQ_ENTRY_SIZE }, (_, i) => decodeUdmqEntry(b.subarray(i * UDMQ_ENTRY_SIZE, (i + 1) * UDMQ_ENTRY_SIZE)));
}

/** Entries a queue of CDQSIZE dwords holds (D28 asks for at least two). */
export function udmqEntries(cdqsizeDwords: number): number {
  return Math.floor((cdqsizeDwords * 4) / UDMQ_ENTRY_SIZE);
}
