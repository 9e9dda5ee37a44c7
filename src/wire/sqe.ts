// The 64-byte submission queue entry (NVMe Base, "Common Command Format").
import { assertLength, encodeUints, fieldsByName, getSmallUint, getUint, type Field, type Layout } from './layout.ts';

export const SQE_SIZE = 64;

export const SQE_LAYOUT: Layout = {
  name: 'SQE',
  size: SQE_SIZE,
  fields: [
    { name: 'opc', offset: 0, width: 1, doc: 'CDW0 7:0 opcode' },
    { name: 'fuse', offset: 1, width: 1, bits: [1, 0], doc: 'CDW0 9:8 fused operation' },
    { name: 'cdw0Reserved', offset: 1, width: 1, bits: [5, 2], doc: 'CDW0 13:10 reserved' },
    { name: 'psdt', offset: 1, width: 1, bits: [7, 6], doc: 'CDW0 15:14 PRP or SGL for data transfer' },
    { name: 'cid', offset: 2, width: 2, doc: 'CDW0 31:16 command identifier' },
    { name: 'nsid', offset: 4, width: 4, doc: 'CDW1 namespace identifier' },
    { name: 'cdw2', offset: 8, width: 4, doc: 'CDW2' },
    { name: 'cdw3', offset: 12, width: 4, doc: 'CDW3' },
    { name: 'mptr', offset: 16, width: 8, doc: 'CDW5:4 metadata pointer' },
    { name: 'prp1', offset: 24, width: 8, doc: 'CDW7:6 PRP entry 1' },
    { name: 'prp2', offset: 32, width: 8, doc: 'CDW9:8 PRP entry 2 or PRP list pointer' },
    { name: 'cdw10', offset: 40, width: 4, doc: 'CDW10' },
    { name: 'cdw11', offset: 44, width: 4, doc: 'CDW11' },
    { name: 'cdw12', offset: 48, width: 4, doc: 'CDW12' },
    { name: 'cdw13', offset: 52, width: 4, doc: 'CDW13' },
    { name: 'cdw14', offset: 56, width: 4, doc: 'CDW14' },
    { name: 'cdw15', offset: 60, width: 4, doc: 'CDW15' },
  ],
};

interface Sqe {
  opc: number;
  fuse: number;
  cdw0Reserved: number;
  psdt: number;
  cid: number;
  nsid: number;
  cdw2: number;
  cdw3: number;
  mptr: bigint;
  prp1: bigint;
  prp2: bigint;
  cdw10: number;
  cdw11: number;
  cdw12: number;
  cdw13: number;
  cdw14: number;
  cdw15: number;
}

const F = fieldsByName(SQE_LAYOUT, ['opc', 'fuse', 'cdw0Reserved', 'psdt', 'cid', 'nsid', 'cdw2', 'cdw3', 'mptr', 'prp1', 'prp2', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15']);

export function decodeSqe(bytes: Uint8Array): Sqe {
  assertLength(SQE_LAYOUT, bytes);
  const n = (f: Field): number => getSmallUint(bytes, f);
  return {
    opc: n(F.opc),
    fuse: n(F.fuse),
    cdw0Reserved: n(F.cdw0Reserved),
    psdt: n(F.psdt),
    cid: n(F.cid),
    nsid: n(F.nsid),
    cdw2: n(F.cdw2),
    cdw3: n(F.cdw3),
    mptr: getUint(bytes, F.mptr),
    prp1: getUint(bytes, F.prp1),
    prp2: getUint(bytes, F.prp2),
    cdw10: n(F.cdw10),
    cdw11: n(F.cdw11),
    cdw12: n(F.cdw12),
    cdw13: n(F.cdw13),
    cdw14: n(F.cdw14),
    cdw15: n(F.cdw15),
  };
}

export function encodeSqe(fields: Partial<Sqe>): Uint8Array {
  return encodeUints(SQE_LAYOUT, fields as Record<string, bigint | number | undefined>);
}
