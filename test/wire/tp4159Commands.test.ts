import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeUints, type Field } from '../../src/wire/layout.ts';
import { fromHex, toHex } from '../../src/wire/hex.ts';
import { TP4159_LAYOUTS } from '../../src/wire/tp4159/commands.ts';
import { decodeTp4159, encodeTp4159, numdBytes, numdFor, TP4159_KINDS, type Tp4159Command, type Tp4159Kind } from '../../src/wire/tp4159/commandCodec.ts';
import { adminOpcodeName, HMLM } from '../../src/wire/opcodes.ts';
import { describeStatus, commandSpecific, SC_HMLM, statusName } from '../../src/wire/status.ts';
import { expectTiles } from './tiling.ts';

// Golden vectors: written out by hand from tp4159 section 2's bit positions,
// NOT produced by the encoder under test. Each string is 16 bytes of the SQE.
const Z = '00'.repeat(16);
const golden = (lines: string[]): string => toHex(fromHex(lines.join(''), 'golden vector', 64));

const GOLDEN: Array<{ name: string; cmd: Tp4159Command; bytes: string }> = [
  {
    name: 'Migration Send SEL 0 Suspend: CDW11 = CNTLID 1 | STYPE 1 << 16 | DUDMQ << 31',
    cmd: { kind: 'suspend', cid: 0x0102, cntlid: 1, stype: 1, dudmq: true },
    bytes: golden(['41000201' + '00'.repeat(12), Z, '00'.repeat(8) + '00000000' + '01000180', Z]),
  },
  {
    name: 'Migration Send SEL 1 Resume: CDW10 SEL 1, CDW11 CNTLID 3',
    cmd: { kind: 'resume', cid: 7, cntlid: 3 },
    bytes: golden(['41000700' + '00'.repeat(12), Z, '00'.repeat(8) + '01000000' + '03000000', Z]),
  },
  {
    name: 'Migration Send SEL 2 Set Controller State: MOS SEQIND 3, CSVI 1, CSUUIDI 1, offset in CDW13:12, NUMD in CDW15',
    cmd: { kind: 'setState', cid: 0x10, seqind: 3, cntlid: 2, csvi: 1, csuuidi: 1, offset: 0x1_0000_0040n, uidx: 0, numd: 0x19, prp1: 0x200000n, prp2: 0n },
    bytes: golden(['41001000' + '00'.repeat(12), '00'.repeat(8) + '0000200000000000', '00'.repeat(8) + '02000300' + '02000101', '40000000' + '01000000' + '00000000' + '19000000']),
  },
  {
    name: 'Migration Receive SEL 0 Get Controller State: MOS CSVI 1, CNTLID 1, NUMD 3FFh',
    cmd: { kind: 'getState', cid: 0x20, csvi: 1, cntlid: 1, csuuidi: 0, csuidxp: 0, offset: 0n, uidx: 0, numd: 0x3ff, prp1: 0x1000n, prp2: 0x2000n },
    bytes: golden(['42002000' + '00'.repeat(12), '00'.repeat(8) + '0010000000000000', '0020000000000000' + '00000100' + '01000000', '00000000'.repeat(3) + 'ff030000']),
  },
  {
    name: 'Migration Receive: CSUUIDI in CDW11 23:16, CSUIDXP in 31:24, UIDX in CDW14 6:0',
    cmd: { kind: 'getState', cid: 0, csvi: 2, cntlid: 0x0203, csuuidi: 5, csuidxp: 6, offset: 8n, uidx: 0x7f, numd: 0, prp1: 0n, prp2: 0n },
    bytes: golden(['42000000' + '00'.repeat(12), Z, '00'.repeat(8) + '00000200' + '03020506', '08000000' + '00000000' + '7f000000' + '00000000']),
  },
  {
    name: 'Controller Data Queue SEL 0 Create: QT 0, PC 1, CQS 1 in CDW11 31:16, CDQSIZE 400h dwords',
    cmd: { kind: 'cdqCreate', cid: 1, qt: 0, pc: true, cqs: 1, cdqsize: 0x400, prp1: 0x300000n },
    bytes: golden(['45000100' + '00'.repeat(12), '00'.repeat(8) + '0000300000000000', '00'.repeat(8) + '00000000' + '01000100', '00040000' + '00'.repeat(12)]),
  },
  {
    name: 'Controller Data Queue SEL 1 Delete: CDQID in CDW11 15:0',
    cmd: { kind: 'cdqDelete', cid: 2, cdqid: 5 },
    bytes: golden(['45000200' + '00'.repeat(12), Z, '00'.repeat(8) + '01000000' + '05000000', Z]),
  },
  {
    name: 'Track Send SEL 0: MOS LACT 1 in CDW10 19:16, CDQID 5',
    cmd: { kind: 'trackSend', cid: 3, lact: 1, cdqid: 5 },
    bytes: golden(['3d000300' + '00'.repeat(12), Z, '00'.repeat(8) + '00000100' + '05000000', Z]),
  },
  {
    name: 'Track Send SEL 1 Track Memory Changes: raw dwords kept',
    cmd: { kind: 'trackMemory', cid: 4, mos: 0, cdw11: 0x12345678, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 1 },
    bytes: golden(['3d000400' + '00'.repeat(12), Z, '00'.repeat(8) + '01000000' + '78563412', '00000000'.repeat(3) + '01000000']),
  },
  {
    name: 'Track Receive 3Eh: raw dwords kept',
    cmd: { kind: 'trackReceive', cid: 5, prp1: 0n, prp2: 0n, cdw10: 0xdeadbeef, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 },
    bytes: golden(['3e000500' + '00'.repeat(12), Z, '00'.repeat(8) + 'efbeadde' + '00000000', Z]),
  },
  {
    name: 'Set Features FID 21h: CDQID 5 | ETPT << 31, HP 3 in CDW12, TPT 10h in CDW13',
    cmd: { kind: 'setCdqFeature', cid: 9, sv: false, cdqid: 5, etpt: true, hp: 3, tpt: 0x10, uidx: 0 },
    bytes: golden(['09000900' + '00'.repeat(12), Z, '00'.repeat(8) + '21000000' + '05000080', '03000000' + '10000000' + '00'.repeat(8)]),
  },
  {
    name: 'Get Features FID 21h: CDQID 5, data to PRP1',
    cmd: { kind: 'getCdqFeature', cid: 10, gsel: 0, cdqid: 5, uidx: 0, prp1: 0x4000n, prp2: 0n },
    bytes: golden(['0a000a00' + '00'.repeat(12), '00'.repeat(8) + '0040000000000000', '00'.repeat(8) + '21000000' + '05000000', Z]),
  },
];

describe('tp4159 section 2: command golden vectors', () => {
  for (const g of GOLDEN) {
    it(`${g.name}: the encoder writes the hand-written 64 bytes`, () => {
      expect(toHex(encodeTp4159(g.cmd))).toBe(g.bytes);
    });
    it(`${g.name}: the decoder reads the command back from the hand-written bytes`, () => {
      const d = decodeTp4159(fromHex(g.bytes))!;
      expect(d.command).toEqual(g.cmd);
      expect(d.reservedNonzero).toEqual([]);
    });
  }
  it('every command kind has a golden vector', () => {
    expect(new Set(GOLDEN.map((g) => g.cmd.kind))).toEqual(new Set(Object.keys(TP4159_KINDS)));
  });
});

describe('tp4159 section 2: layout tables', () => {
  for (const l of TP4159_LAYOUTS) {
    it(`${l.name}: rows tile the 64-byte SQE bit by bit`, () => expectTiles(l, 64));
  }
  it('opcodes and SELs: 41h SEL 0/1/2, 42h SEL 0, 45h SEL 0/1, 3Dh SEL 0/1, 3Eh, FID 21h', () => {
    expect(TP4159_LAYOUTS.map((l) => l.fixed)).toEqual([
      { opc: 0x41, sel: 0 }, { opc: 0x41, sel: 1 }, { opc: 0x41, sel: 2 }, { opc: 0x42, sel: 0 },
      { opc: 0x45, sel: 0 }, { opc: 0x45, sel: 1 }, { opc: 0x3d, sel: 0 }, { opc: 0x3d, sel: 1 }, { opc: 0x3e },
      { opc: 0x09, fid: 0x21 }, { opc: 0x0a, fid: 0x21 },
    ]);
  });
});

/** An arbitrary typed command of one kind, each field drawn over its row's whole range. */
function commandArb(kind: Tp4159Kind): fc.Arbitrary<Tp4159Command> {
  const { layout, fields } = TP4159_KINDS[kind];
  const arbs: Record<string, fc.Arbitrary<unknown>> = { kind: fc.constant(kind), cid: fc.nat(0xffff) };
  for (const name of fields) {
    const f = layout.fields.find((x) => x.name === name) as Field;
    const [hi, lo] = f.bits ?? [f.width * 8 - 1, 0];
    const bits = hi - lo + 1;
    arbs[name] = bits === 1 ? fc.boolean() : bits === 64 ? fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) : fc.integer({ min: 0, max: 2 ** bits - 1 });
  }
  return fc.record(arbs) as unknown as fc.Arbitrary<Tp4159Command>;
}

describe('tp4159 section 2: round trips', () => {
  for (const kind of Object.keys(TP4159_KINDS) as Tp4159Kind[]) {
    it(`${kind}: decode(encode(c)) == c over every field's range`, () => {
      fc.assert(fc.property(commandArb(kind), (c) => {
        expect(decodeTp4159(encodeTp4159(c))!.command).toEqual(c);
      }), { numRuns: 200 });
    });
    it(`${kind}: any SQE with its opcode/SEL decodes to rows that re-encode to the same 64 bytes`, () => {
      const { layout } = TP4159_KINDS[kind];
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (random) => {
          const bytes = encodeUints(layout, layout.fixed, random.slice());
          const d = decodeTp4159(bytes)!;
          expect(d.layout).toBe(layout);
          expect(toHex(encodeUints(layout, d.fields))).toBe(toHex(bytes));
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('tp4159 section 2: decode dispatch and checks', () => {
  it('a reserved bit set is named (Suspend CDW11 30:24)', () => {
    const sqe = encodeTp4159({ kind: 'suspend', cid: 0, cntlid: 1, stype: 1, dudmq: false });
    sqe[47] = 0x01; // CDW11 bit 24
    expect(decodeTp4159(sqe)!.reservedNonzero).toEqual(['CDW11 30:24 reserved']);
  });
  it('an undefined SEL (41h SEL 3), another feature (FID 07h) or another opcode is not a tp4159 command', () => {
    const sqe = new Uint8Array(64);
    sqe[0] = HMLM.MIGRATION_SEND;
    sqe[40] = 3;
    expect(decodeTp4159(sqe)).toBeUndefined();
    sqe[0] = 0x09;
    sqe[40] = 0x07;
    expect(decodeTp4159(sqe)).toBeUndefined();
    sqe[0] = 0xc8;
    expect(decodeTp4159(sqe)).toBeUndefined();
  });
  it('a value too wide for its field is refused with the field named', () => {
    expect(() => encodeTp4159({ kind: 'trackSend', cid: 0, lact: 16, cdqid: 1 })).toThrow(/field lact/);
    expect(() => encodeTp4159({ kind: 'resume', cid: 0, cntlid: 0x10000 })).toThrow(/field cntlid/);
  });
  it('D27: Migration Receive NUMD is 0-based: NUMD 3FFh moves 4096 bytes, 104 bytes need NUMD 25', () => {
    expect(numdBytes(0x3ff)).toBe(4096);
    expect(numdFor(104)).toBe(25);
    expect(() => numdFor(6)).toThrow(/dwords/);
  });
  it('the one opcode table names the five commands', () => {
    expect([0x3d, 0x3e, 0x41, 0x42, 0x45].map(adminOpcodeName)).toEqual(['Track Send', 'Track Receive', 'Migration Send', 'Migration Receive', 'Controller Data Queue']);
  });
  it('the one status table names SCT 1 1Fh, 37h-3Bh', () => {
    expect(Object.values(SC_HMLM).map((sc) => statusName(1, sc))).toEqual([
      'Invalid Controller Identifier',
      'Invalid Controller Data Queue',
      'Not Enough Resources',
      'Controller Suspended',
      'Controller Not Suspended',
      'Controller Data Queue Full',
    ]);
    expect(describeStatus(commandSpecific(SC_HMLM.CONTROLLER_NOT_SUSPENDED))).toBe('Controller Not Suspended (SCT 1, SC 0x3a, DNR)');
  });
});
