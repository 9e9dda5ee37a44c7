// Identify CNS 15h, the Secondary Controller List (NVMe Base): how a host
// learns the CNTLID of VF k, which every tp4159 management command names
// (tp4159.md section 1, D20). Byte 0 is the number of entries; entries of 32
// bytes start at byte 32.
import { decodeUints, encodeUints, WireError, type Layout } from './layout.ts';
import { IDENTIFY_SIZE } from './identify.ts';

export const CNS_SECONDARY_CONTROLLER_LIST = 0x15;

export const SECONDARY_ENTRY_LAYOUT: Layout = {
  name: 'Secondary Controller Entry',
  size: 32,
  fields: [
    { name: 'scid', offset: 0, width: 2, doc: 'SCID secondary controller identifier (the CNTLID a management command names)' },
    { name: 'pcid', offset: 2, width: 2, doc: 'PCID primary controller identifier' },
    { name: 'scs', offset: 4, width: 1, doc: 'SCS bit 0: online' },
    { name: 'vfn', offset: 8, width: 2, doc: 'VFN virtual function number (1-based)' },
    { name: 'nvq', offset: 10, width: 2, doc: 'NVQ flexible queue resources assigned' },
    { name: 'nvi', offset: 12, width: 2, doc: 'NVI flexible interrupt resources assigned' },
  ],
};

const FIRST_ENTRY = 32;
export const MAX_SECONDARY_ENTRIES = (IDENTIFY_SIZE - FIRST_ENTRY) / SECONDARY_ENTRY_LAYOUT.size;

export interface SecondaryController {
  scid: number;
  pcid: number;
  online: boolean;
  vfn: number;
  nvq: number;
  nvi: number;
}

export function encodeSecondaryControllerList(list: readonly SecondaryController[]): Uint8Array {
  if (list.length > MAX_SECONDARY_ENTRIES) throw new WireError(`a Secondary Controller List holds at most ${MAX_SECONDARY_ENTRIES} entries, got ${list.length}`);
  const buf = new Uint8Array(IDENTIFY_SIZE);
  buf[0] = list.length;
  list.forEach((c, i) => {
    const at = FIRST_ENTRY + i * SECONDARY_ENTRY_LAYOUT.size;
    encodeUints(SECONDARY_ENTRY_LAYOUT, { scid: c.scid, pcid: c.pcid, scs: c.online ? 1 : 0, vfn: c.vfn, nvq: c.nvq, nvi: c.nvi }, buf.subarray(at, at + SECONDARY_ENTRY_LAYOUT.size));
  });
  return buf;
}

export function decodeSecondaryControllerList(buf: Uint8Array): SecondaryController[] {
  if (buf.length !== IDENTIFY_SIZE) throw new WireError(`CNS 15h data must be exactly ${IDENTIFY_SIZE} bytes, got ${buf.length}`);
  const n = buf[0];
  if (n > MAX_SECONDARY_ENTRIES) throw new WireError(`CNS 15h announces ${n} entries, more than the ${MAX_SECONDARY_ENTRIES} 4096 bytes hold`);
  return Array.from({ length: n }, (_, i) => {
    const at = FIRST_ENTRY + i * SECONDARY_ENTRY_LAYOUT.size;
    const v = decodeUints(SECONDARY_ENTRY_LAYOUT, buf.subarray(at, at + SECONDARY_ENTRY_LAYOUT.size));
    return { scid: Number(v.scid), pcid: Number(v.pcid), online: (v.scs & 1n) === 1n, vfn: Number(v.vfn), nvq: Number(v.nvq), nvi: Number(v.nvi) };
  });
}
