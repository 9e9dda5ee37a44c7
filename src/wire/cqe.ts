// The 16-byte completion queue entry (NVMe Base, "Completion Queue Entry").
import { assertLength, encodeUints, fieldsByName, getSmallUint, type Layout } from './layout.ts';

export const CQE_SIZE = 16;

export const CQE_LAYOUT: Layout = {
  name: 'CQE',
  size: CQE_SIZE,
  fields: [
    { name: 'dw0', offset: 0, width: 4, doc: 'DW0 command specific' },
    { name: 'dw1', offset: 4, width: 4, doc: 'DW1 reserved' },
    { name: 'sqhd', offset: 8, width: 2, doc: 'DW2 15:0 SQ head pointer' },
    { name: 'sqid', offset: 10, width: 2, doc: 'DW2 31:16 SQ identifier' },
    { name: 'cid', offset: 12, width: 2, doc: 'DW3 15:0 command identifier' },
    { name: 'phase', offset: 14, width: 2, bits: [0, 0], doc: 'DW3 16 phase tag' },
    { name: 'sc', offset: 14, width: 2, bits: [8, 1], doc: 'DW3 24:17 status code' },
    { name: 'sct', offset: 14, width: 2, bits: [11, 9], doc: 'DW3 27:25 status code type' },
    { name: 'crd', offset: 14, width: 2, bits: [13, 12], doc: 'DW3 29:28 command retry delay' },
    { name: 'more', offset: 14, width: 2, bits: [14, 14], doc: 'DW3 30 more' },
    { name: 'dnr', offset: 14, width: 2, bits: [15, 15], doc: 'DW3 31 do not retry' },
  ],
};

export interface Cqe {
  dw0: number;
  dw1: number;
  sqhd: number;
  sqid: number;
  cid: number;
  phase: number;
  sc: number;
  sct: number;
  crd: number;
  more: boolean;
  dnr: boolean;
}

const F = fieldsByName(CQE_LAYOUT, ['dw0', 'dw1', 'sqhd', 'sqid', 'cid', 'phase', 'sc', 'sct', 'crd', 'more', 'dnr']);

export function decodeCqe(bytes: Uint8Array): Cqe {
  assertLength(CQE_LAYOUT, bytes);
  return {
    dw0: getSmallUint(bytes, F.dw0),
    dw1: getSmallUint(bytes, F.dw1),
    sqhd: getSmallUint(bytes, F.sqhd),
    sqid: getSmallUint(bytes, F.sqid),
    cid: getSmallUint(bytes, F.cid),
    phase: getSmallUint(bytes, F.phase),
    sc: getSmallUint(bytes, F.sc),
    sct: getSmallUint(bytes, F.sct),
    crd: getSmallUint(bytes, F.crd),
    more: getSmallUint(bytes, F.more) === 1,
    dnr: getSmallUint(bytes, F.dnr) === 1,
  };
}

export function encodeCqe(c: Partial<Cqe>): Uint8Array {
  const { more, dnr, ...rest } = c;
  return encodeUints(CQE_LAYOUT, {
    ...(rest as Record<string, number | undefined>),
    more: more === undefined ? undefined : more ? 1 : 0,
    dnr: dnr === undefined ? undefined : dnr ? 1 : 0,
  });
}
