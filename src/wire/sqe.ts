// The 64-byte submission queue entry (NVMe Base, "Common Command Format").
import { assertLength, decodeUints, encodeUints, type Layout } from './layout.ts';

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

export function decodeSqe(bytes: Uint8Array): Sqe {
  assertLength(SQE_LAYOUT, bytes);
  const v = decodeUints(SQE_LAYOUT, bytes);
  const n = (k: string): number => Number(v[k]);
  return {
    opc: n('opc'),
    fuse: n('fuse'),
    cdw0Reserved: n('cdw0Reserved'),
    psdt: n('psdt'),
    cid: n('cid'),
    nsid: n('nsid'),
    cdw2: n('cdw2'),
    cdw3: n('cdw3'),
    mptr: v.mptr,
    prp1: v.prp1,
    prp2: v.prp2,
    cdw10: n('cdw10'),
    cdw11: n('cdw11'),
    cdw12: n('cdw12'),
    cdw13: n('cdw13'),
    cdw14: n('cdw14'),
    cdw15: n('cdw15'),
  };
}

export function encodeSqe(fields: Partial<Sqe>): Uint8Array {
  return encodeUints(SQE_LAYOUT, fields as Record<string, bigint | number | undefined>);
}
