import { describe, expect, it } from 'vitest';
import { decodeLmCommand, encodeLmCommand, lmLayout, LM_LAYOUTS } from '../../src/wire/lmCommands.ts';
import { decodeOpcodeBits, LM_OPCODES } from '../../src/wire/opcodes.ts';
import { fromHex } from '../../src/wire/hex.ts';

// Golden vectors: written out by hand from the RFC's byte table (spec section
// 1), NOT produced by the encoder under test. Each line is 16 bytes.
function golden(lines: string[]): Uint8Array {
  return fromHex(lines.join(''), 'golden vector', 64);
}

const GOLDEN: Array<{ name: string; cmd: Parameters<typeof encodeLmCommand>[0]; bytes: Uint8Array }> = [
  {
    name: 'QUERY_DATA_SIZE cid 0x0007 VF 1',
    cmd: { opcode: 0xc4, cid: 0x0007, vfIndex: 1 },
    bytes: golden([
      'c4000700000000000000000000000000',
      '00000000000000000000000000000000',
      '00000000000000000100000000000000',
      '00000000000000000000000000000000',
    ]),
  },
  {
    name: 'SUSPEND cid 0x1234 VF 3',
    cmd: { opcode: 0xc8, cid: 0x1234, vfIndex: 3 },
    bytes: golden([
      'c8003412000000000000000000000000',
      '00000000000000000000000000000000',
      '00000000000000000300000000000000',
      '00000000000000000000000000000000',
    ]),
  },
  {
    name: 'RESUME cid 0xffff VF 0x0102',
    cmd: { opcode: 0xcc, cid: 0xffff, vfIndex: 0x0102 },
    bytes: golden([
      'cc00ffff000000000000000000000000',
      '00000000000000000000000000000000',
      '00000000000000000201000000000000',
      '00000000000000000000000000000000',
    ]),
  },
  {
    name: 'SAVE_DATA cid 0x0001 VF 2 PRP1 0x12345000 PRP2 0x12346000',
    cmd: { opcode: 0xd2, cid: 0x0001, vfIndex: 2, prp1: 0x12345000n, prp2: 0x12346000n },
    bytes: golden([
      'd2000100000000000000000000000000',
      '00000000000000000050341200000000',
      '00603412000000000200000000000000',
      '00000000000000000000000000000000',
    ]),
  },
  {
    name: 'LOAD_DATA cid 0xabcd VF 1 PRP1 0x1000 PRP2 0x2000 size 0x12345',
    cmd: { opcode: 0xd5, cid: 0xabcd, vfIndex: 1, prp1: 0x1000n, prp2: 0x2000n, size: 0x12345 },
    bytes: golden([
      'd500cdab000000000000000000000000',
      '00000000000000000010000000000000',
      '00200000000000000100000045230100',
      '00000000000000000000000000000000',
    ]),
  },
];

describe('LM command golden vectors (RFC byte table)', () => {
  for (const g of GOLDEN) {
    it(`${g.name}: encoder writes exactly the hand-written 64 bytes`, () => {
      expect(Buffer.from(encodeLmCommand(g.cmd)).toString('hex')).toBe(Buffer.from(g.bytes).toString('hex'));
    });
    it(`${g.name}: decoder reads the fields back from the hand-written bytes`, () => {
      const d = decodeLmCommand(g.bytes)!;
      expect(d.layout.opcode.opcode).toBe(g.cmd.opcode);
      expect(d.fields.cid).toBe(BigInt(g.cmd.cid ?? 0));
      expect(d.fields.vfIndex).toBe(BigInt(g.cmd.vfIndex));
      if (g.cmd.prp1 !== undefined) expect(d.fields.prp1).toBe(g.cmd.prp1);
      if (g.cmd.size !== undefined) expect(d.fields.size).toBe(BigInt(g.cmd.size));
      expect(d.reservedNonzero).toEqual([]);
    });
  }
});

describe('opcode bit fields decode to the RFC table', () => {
  const expected = [
    [0xc4, 0b10001, 'none'],
    [0xc8, 0b10010, 'none'],
    [0xcc, 0b10011, 'none'],
    [0xd2, 0b10100, 'controller-to-host'],
    [0xd5, 0b10101, 'host-to-controller'],
  ] as const;
  for (const [opc, fn, transfer] of expected) {
    it(`0x${opc.toString(16)}: generic bit set, function ${fn.toString(2)}b, transfer ${transfer}`, () => {
      expect(decodeOpcodeBits(opc)).toEqual({ generic: true, function: fn, transfer });
      const row = LM_OPCODES.find((o) => o.opcode === opc)!;
      expect(row.function).toBe(fn);
      expect(row.transfer).toBe(transfer);
    });
  }
});

describe('D10: reserved ranges per command', () => {
  it('QUERY/SUSPEND/RESUME reserve bytes 39:4 and 63:42 (NSID included)', () => {
    const l = lmLayout(0xc8);
    expect(l.reserved.map((r) => [r.first, r.last])).toEqual([[1, 1], [4, 39], [42, 63]]);
  });
  it('LOAD reserves 23:4, 43:42 and 63:48 but not the size in 47:44', () => {
    expect(lmLayout(0xd5).reserved.map((r) => [r.first, r.last])).toEqual([[1, 1], [4, 23], [42, 43], [48, 63]]);
  });
  it('a nonzero NSID, CDW10 31:16 or CDW0 13:10 bit is reported as reserved-nonzero', () => {
    const sqe = encodeLmCommand({ opcode: 0xc4, vfIndex: 1 });
    sqe[4] = 1; // NSID
    sqe[43] = 0x80; // CDW10 bit 31
    sqe[1] = 0x04; // CDW0 bit 10
    expect(decodeLmCommand(sqe)!.reservedNonzero.map((r) => r.doc)).toEqual(['CDW0 13:10 (bits 5:2 of byte 1)', 'bytes 39:4', 'bytes 63:42']);
  });
  it('every layout covers all 64 bytes exactly once between fields and reserved ranges (besides CDW0 byte 1)', () => {
    for (const l of LM_LAYOUTS) {
      const owner = new Array<number>(64).fill(0);
      for (const f of l.fields) for (let i = f.offset; i < f.offset + f.width; i++) owner[i]++;
      for (const r of l.reserved) for (let i = r.first; i <= r.last; i++) owner[i]++;
      const uncovered = owner.map((n, i) => (n === 0 ? i : -1)).filter((i) => i >= 0);
      expect(uncovered, `${l.name} leaves bytes undescribed`).toEqual([]);
    }
  });
});

describe('malformed input', () => {
  it('decoding a 63-byte SQE names the wrong length', () => {
    expect(() => decodeLmCommand(new Uint8Array(63))).toThrow(/exactly 64 bytes, got 63/);
  });
  it('a VF index that does not fit 16 bits is refused by the encoder', () => {
    expect(() => encodeLmCommand({ opcode: 0xc8, vfIndex: 0x10000 })).toThrow(/vfIndex/);
  });
  it('a non-LM opcode is not an LM command', () => {
    expect(decodeLmCommand(new Uint8Array(64))).toBeUndefined();
    expect(() => lmLayout(0x06)).toThrow(/not a live-migration opcode/);
  });
});
