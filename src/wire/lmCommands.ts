// The five live-migration commands as byte layouts (spec section 1): which
// bytes each one uses and which are reserved. The encoder, the decoder, the
// strict-mode reserved check (D10) and the CLI's field table all read these.
import { assertLength, getUint, setUint, WireError, type Field, type Layout } from './layout.ts';
import { LM_OPCODES, lmByOpcode, type LmOpcode } from './opcodes.ts';
import { SQE_SIZE } from './sqe.ts';

/** A reserved byte range [first, last] (inclusive) of the 64-byte SQE. */
interface ReservedRange {
  first: number;
  last: number;
  doc: string;
}

interface LmLayout extends Layout {
  opcode: LmOpcode;
  reserved: readonly ReservedRange[];
}

const common: Field[] = [
  { name: 'opc', offset: 0, width: 1, doc: 'CDW0 7:0 opcode' },
  { name: 'fuse', offset: 1, width: 1, bits: [1, 0], doc: 'CDW0 9:8 fused operation (must be 0, D9)' },
  { name: 'psdt', offset: 1, width: 1, bits: [7, 6], doc: 'CDW0 15:14 PRP/SGL (must be 00b, D9)' },
  { name: 'cid', offset: 2, width: 2, doc: 'CDW0 31:16 command identifier' },
];
const vfIndex: Field = { name: 'vfIndex', offset: 40, width: 2, doc: 'CDW10 15:0 VF index, 1-based (D4)' };
const prps: Field[] = [
  { name: 'prp1', offset: 24, width: 8, doc: 'PRP entry 1 (may carry a page offset)' },
  { name: 'prp2', offset: 32, width: 8, doc: 'PRP entry 2, or PRP list pointer' },
];
const size: Field = { name: 'size', offset: 44, width: 4, doc: 'CDW11 size in bytes of the data to load' };

const cdw0Reserved: ReservedRange = { first: 1, last: 1, doc: 'CDW0 13:10 (bits 5:2 of byte 1)' };

function layoutFor(op: LmOpcode): LmLayout {
  const base = { name: op.name, size: SQE_SIZE, opcode: op };
  switch (op.transfer) {
    case 'none':
      return {
        ...base,
        fields: [...common, vfIndex],
        reserved: [cdw0Reserved, { first: 4, last: 39, doc: 'bytes 39:4' }, { first: 42, last: 63, doc: 'bytes 63:42' }],
      };
    case 'controller-to-host':
      return {
        ...base,
        fields: [...common, ...prps, vfIndex],
        reserved: [cdw0Reserved, { first: 4, last: 23, doc: 'bytes 23:4' }, { first: 42, last: 63, doc: 'bytes 63:42' }],
      };
    case 'host-to-controller':
      return {
        ...base,
        fields: [...common, ...prps, vfIndex, size],
        reserved: [
          cdw0Reserved,
          { first: 4, last: 23, doc: 'bytes 23:4' },
          { first: 42, last: 43, doc: 'bytes 43:42' },
          { first: 48, last: 63, doc: 'bytes 63:48' },
        ],
      };
    default:
      throw new WireError(`no layout for transfer ${op.transfer}`);
  }
}

export const LM_LAYOUTS: readonly LmLayout[] = LM_OPCODES.map(layoutFor);

export function lmLayout(opcode: number): LmLayout {
  const l = LM_LAYOUTS.find((x) => x.opcode.opcode === opcode);
  if (!l) throw new WireError(`0x${opcode.toString(16)} is not a live-migration opcode (0xc4, 0xc8, 0xcc, 0xd2, 0xd5)`);
  return l;
}

export interface LmCommand {
  opcode: number;
  cid?: number;
  vfIndex: number;
  prp1?: bigint;
  prp2?: bigint;
  /** LOAD only */
  size?: number;
  fuse?: number;
  psdt?: number;
}

/** Encode one LM command into a fresh 64-byte SQE (reserved bytes zero). */
export function encodeLmCommand(cmd: LmCommand): Uint8Array {
  const layout = lmLayout(cmd.opcode);
  const buf = new Uint8Array(SQE_SIZE);
  const values: Record<string, bigint | number | undefined> = {
    opc: cmd.opcode,
    fuse: cmd.fuse ?? 0,
    psdt: cmd.psdt ?? 0,
    cid: cmd.cid ?? 0,
    vfIndex: cmd.vfIndex,
    prp1: cmd.prp1,
    prp2: cmd.prp2,
    size: cmd.size,
  };
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const f = layout.fields.find((x) => x.name === name);
    if (!f) throw new WireError(`${layout.name} has no ${name} field`);
    setUint(buf, f, value);
  }
  return buf;
}

interface DecodedLm {
  layout: LmLayout;
  fields: Record<string, bigint>;
  /** reserved ranges holding a nonzero bit (D10) */
  reservedNonzero: ReservedRange[];
}

/** Decode an SQE as an LM command; returns undefined if the opcode is not one of the five. */
export function decodeLmCommand(sqe: Uint8Array): DecodedLm | undefined {
  if (sqe.length !== SQE_SIZE) throw new WireError(`SQE must be exactly ${SQE_SIZE} bytes, got ${sqe.length}`);
  const op = lmByOpcode(sqe[0]);
  if (!op) return undefined;
  const layout = lmLayout(op.opcode);
  assertLength(layout, sqe);
  const fields: Record<string, bigint> = {};
  for (const f of layout.fields) fields[f.name] = getUint(sqe, f);
  return { layout, fields, reservedNonzero: reservedNonzero(layout, sqe) };
}

export function reservedNonzero(layout: LmLayout, sqe: Uint8Array): ReservedRange[] {
  return layout.reserved.filter((r) => {
    if (r === cdw0Reserved) return (sqe[1] & 0x3c) !== 0;
    for (let i = r.first; i <= r.last; i++) if (sqe[i] !== 0) return true;
    return false;
  });
}
