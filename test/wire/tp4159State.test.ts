import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/wire/hex.ts';
import {
  cqPhaseFromS0pt,
  decodeControllerState,
  encodeControllerState,
  IO_CQ_STATE_LAYOUT,
  IO_SQ_STATE_LAYOUT,
  NVME_STATE_HEADER_LAYOUT,
  s0ptFromCqPhase,
  STATE_HEADER_LAYOUT,
  stateSize,
  type ControllerState,
  type IoCqState,
  type IoSqState,
} from '../../src/wire/tp4159/state.ts';
import {
  decodeVendorState,
  encodeVendorState,
  NVME_LM_STATE_UUID,
  VENDOR_STATE_DWORDS,
  VENDOR_STATE_LAYOUT,
  type AdminQueueState,
} from '../../src/wire/tp4159/vendorState.ts';
import { stateBlobSizes } from '../../src/wire/tp4159/sizes.ts';
import { expectTiles } from './tiling.ts';

describe('tp4159 section 3: state layout tables tile their documented sizes', () => {
  it('header: 48 bytes (VER 0, CSATTR 2, NVMECSS 16, VSS 32)', () => expectTiles(STATE_HEADER_LAYOUT, 48));
  it('NVMe controller state header: 8 bytes (VER, NIOSQ, NIOCQ)', () => expectTiles(NVME_STATE_HEADER_LAYOUT, 8));
  it('I/O SQ entry: 24 bytes', () => expectTiles(IO_SQ_STATE_LAYOUT, 24));
  it('I/O CQ entry: 24 bytes', () => expectTiles(IO_CQ_STATE_LAYOUT, 24));
  it('D25: the nvme-lm vendor section: 64 bytes', () => expectTiles(VENDOR_STATE_LAYOUT, 64));
  it('offsets named by the spec', () => {
    const at = (l: typeof STATE_HEADER_LAYOUT, n: string) => l.fields.find((f) => f.name === n)!.offset;
    expect([at(STATE_HEADER_LAYOUT, 'ver'), at(STATE_HEADER_LAYOUT, 'suspended'), at(STATE_HEADER_LAYOUT, 'nvmecss'), at(STATE_HEADER_LAYOUT, 'vss')]).toEqual([0, 2, 16, 32]);
    expect(['prp1', 'qsize', 'qid', 'cqid', 'pc', 'head', 'tail'].map((n) => at(IO_SQ_STATE_LAYOUT, n))).toEqual([0, 8, 10, 12, 14, 16, 18]);
    expect(['prp1', 'qsize', 'qid', 'head', 'tail', 's0pt', 'iv'].map((n) => at(IO_CQ_STATE_LAYOUT, n))).toEqual([0, 8, 10, 12, 14, 16, 16]);
  });
});

const SQ: IoSqState = { prp1: 0x10000n, qsize: 63, qid: 1, cqid: 1, pc: true, qprio: 2, head: 3, tail: 7 };
const CQ: IoCqState = { prp1: 0x20000n, qsize: 63, qid: 1, head: 2, tail: 3, pc: true, ien: true, s0pt: 1, iv: 2 };

// Hand-written from tp4159 section 3, not from the encoder.
const ONE_PAIR = [
  '0000' + '01' + '00'.repeat(13), // VER 0, CSATTR suspended, reserved
  '0e' + '00'.repeat(15), // NVMECSS 14 dwords = 8 + 2 x 24 bytes
  '00'.repeat(16), // VSS 0
  '0000' + '0100' + '0100' + '0000', // NVMe state: VER 0, NIOSQ 1, NIOCQ 1
  '0000010000000000' + '3f00' + '0100' + '0100' + '0500' + '0300' + '0700' + '00000000', // SQ: ATTR PC 1 | QPRIO 2 << 1
  '0000020000000000' + '3f00' + '0100' + '0200' + '0300' + '07000200' + '00000000', // CQ: PC | IEN | S0PT, IV 2 << 16
].join('');

describe('tp4159 section 3: controller state golden vector', () => {
  const state: ControllerState = { ver: 0, suspended: true, nvme: { ver: 0, sqs: [SQ], cqs: [CQ] }, vendor: new Uint8Array(0) };
  it('D25: one SQ and one CQ, suspended: the encoder writes the hand-written 104 bytes', () => {
    expect(toHex(encodeControllerState(state))).toBe(ONE_PAIR);
    expect(ONE_PAIR.length / 2).toBe(stateSize(1, 1, 0));
  });
  it('D25: the decoder reads the queues back from the hand-written bytes', () => {
    expect(decodeControllerState(fromHex(ONE_PAIR))).toEqual({ state, length: 104, trailing: 0 });
  });
  it('D24: CSVI 0 is the header alone: NVMECSS 0, no NVMe state', () => {
    const h = encodeControllerState({ ver: 0, suspended: false, vendor: new Uint8Array(0) });
    expect(toHex(h)).toBe('00'.repeat(48));
    expect(decodeControllerState(h).state.nvme).toBeUndefined();
  });
});

describe('tp4159 section 3: controller state errors', () => {
  it('a blob shorter than the header is a truncation error', () => {
    expect(() => decodeControllerState(fromHex(ONE_PAIR).subarray(0, 40))).toThrow(/truncated: 40 bytes, the header alone is 48/);
  });
  it('a blob shorter than the header announces is a truncation error naming both lengths', () => {
    expect(() => decodeControllerState(fromHex(ONE_PAIR).subarray(0, 100))).toThrow(/announces 104 bytes .* got 100/);
  });
  it('D26: NVMECSS that disagrees with NIOSQ/NIOCQ is refused', () => {
    const b = fromHex(ONE_PAIR);
    b[50] = 2; // NIOSQ 2
    expect(() => decodeControllerState(b)).toThrow(/NIOSQ 2 and NIOCQ 1 make 80/);
  });
  it('D27: bytes past the announced length are reported, not decoded', () => {
    const b = new Uint8Array(108);
    b.set(fromHex(ONE_PAIR));
    expect(decodeControllerState(b)).toMatchObject({ length: 104, trailing: 4 });
  });
});

const sqArb: fc.Arbitrary<IoSqState> = fc.record({
  prp1: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), qsize: fc.nat(0xffff), qid: fc.nat(0xffff), cqid: fc.nat(0xffff),
  pc: fc.boolean(), qprio: fc.nat(3), head: fc.nat(0xffff), tail: fc.nat(0xffff),
});
const cqArb: fc.Arbitrary<IoCqState> = fc.record({
  prp1: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), qsize: fc.nat(0xffff), qid: fc.nat(0xffff), head: fc.nat(0xffff), tail: fc.nat(0xffff),
  pc: fc.boolean(), ien: fc.boolean(), s0pt: fc.nat(1), iv: fc.nat(0xffff),
});
const stateArb: fc.Arbitrary<ControllerState> = fc.record({
  ver: fc.nat(0xffff),
  suspended: fc.boolean(),
  nvme: fc.option(fc.record({ ver: fc.nat(0xffff), sqs: fc.array(sqArb, { maxLength: 4 }), cqs: fc.array(cqArb, { maxLength: 4 }) }), { nil: undefined }),
  vendor: fc.nat(4).map((n) => new Uint8Array(4 * n).fill(n)),
}).map((s) => (s.nvme === undefined ? { ver: s.ver, suspended: s.suspended, vendor: s.vendor } : s));

describe('tp4159 section 3: round trips', () => {
  it('I15: decode(encode(state)) == state for any queues and vendor section', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const bytes = encodeControllerState(s);
        expect(bytes.length).toBe(stateSize(s.nvme?.sqs.length ?? 0, s.nvme?.cqs.length ?? 0, s.vendor.length / 4) - (s.nvme ? 0 : 8));
        expect(decodeControllerState(bytes)).toEqual({ state: s, length: bytes.length, trailing: 0 });
      }),
      { numRuns: 200 },
    );
  });
  it('I12: encode(decode(bytes)) == bytes (two Gets with nothing between compare byte for byte)', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const bytes = encodeControllerState(s);
        expect(toHex(encodeControllerState(decodeControllerState(bytes).state))).toBe(toHex(bytes));
      }),
      { numRuns: 100 },
    );
  });
  it('D25/I15: S0PT and the current phase convert both ways; slot 0 is on the current pass once the tail moved', () => {
    expect(cqPhaseFromS0pt(0, 0)).toBe(1); // nothing written yet: host zeroes, controller writes 1 next
    expect(cqPhaseFromS0pt(5, 1)).toBe(1);
    expect(cqPhaseFromS0pt(0, 1)).toBe(0); // wrapped: slot 0 holds the previous pass's 1
    fc.assert(fc.property(fc.nat(0xffff), fc.nat(1), (tail, phase) => {
      expect(cqPhaseFromS0pt(tail, s0ptFromCqPhase(tail, phase))).toBe(phase);
    }));
  });
});

const ADMIN: AdminQueueState = {
  cc: 0x00460001, csts: 1, aqa: 0x001f001f, asq: 0x5000n, acq: 0x6000n, intms: 0,
  asqHead: 4, asqTail: 5, acqHead: 4, acqTail: 4, acqS0pt: 1, nsqa: 3, ncqa: 3, aerCids: [0x10],
};
// Hand-written from the table in docs/tp4159-state.md.
const ADMIN_BYTES = [
  '0100' + '01' + '01' + '01004600' + '01000000' + '1f001f00', // ver 1, aerCount 1, acqS0pt 1, CC, CSTS, AQA
  '0050000000000000' + '0060000000000000', // ASQ, ACQ
  '00000000' + '0400' + '0500' + '0400' + '0400' + '0300' + '0300', // INTMS, SQ head/tail, CQ head/tail, NSQA, NCQA
  '1000' + '00'.repeat(14), // AER CID 0x10, unused CIDs, reserved
].join('');

describe('D25: the nvme-lm vendor section (admin queue state)', () => {
  it('golden: the encoder writes the hand-written 64 bytes and the decoder reads them back', () => {
    expect(toHex(encodeVendorState(ADMIN))).toBe(ADMIN_BYTES);
    expect(decodeVendorState(fromHex(ADMIN_BYTES))).toEqual(ADMIN);
  });
  it('VSS is 16 dwords and the UUID is a version 4 UUID', () => {
    expect(VENDOR_STATE_DWORDS).toBe(16);
    expect(NVME_LM_STATE_UUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('round-trips any admin queue state', () => {
    const arb: fc.Arbitrary<AdminQueueState> = fc.record({
      cc: fc.nat(0xffffffff), csts: fc.nat(0xffffffff), aqa: fc.nat(0xffffffff), asq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), acq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      intms: fc.nat(0xffffffff), asqHead: fc.nat(0xffff), asqTail: fc.nat(0xffff), acqHead: fc.nat(0xffff), acqTail: fc.nat(0xffff), acqS0pt: fc.nat(1),
      nsqa: fc.nat(0xffff), ncqa: fc.nat(0xffff), aerCids: fc.array(fc.nat(0xffff), { maxLength: 4 }),
    });
    fc.assert(fc.property(arb, (s) => {
      expect(decodeVendorState(encodeVendorState(s))).toEqual(s);
    }));
  });
  it('D26: the section checks itself: version, S0PT, AER count, unused CIDs, reserved bytes, length', () => {
    const bad = (i: number, v: number) => {
      const b = fromHex(ADMIN_BYTES);
      b[i] = v;
      return () => decodeVendorState(b);
    };
    expect(bad(0, 2)).toThrow(/version 2 is not 1/);
    expect(bad(3, 2)).toThrow(/acqS0pt 2 is not a phase tag/);
    expect(bad(2, 5)).toThrow(/aerCount 5 is more than 4/);
    expect(bad(50, 1)).toThrow(/aerCid1 is not 0 though aerCount is 1/);
    expect(bad(60, 1)).toThrow(/reserved bytes 63:56/);
    expect(() => decodeVendorState(new Uint8Array(60))).toThrow(/64 bytes \(VSS 16\), got 60/);
    expect(() => encodeVendorState({ ...ADMIN, aerCids: [1, 2, 3, 4, 5] })).toThrow(/at most 4/);
  });
});

describe('state-blob sizes for the emulator and host', () => {
  it('stateSize = 48 + 8 + 24 x (NIOSQ + NIOCQ) + 4 x VSS', () => {
    expect(stateSize(0, 0, 0)).toBe(56);
    expect(stateSize(2, 1, 16)).toBe(48 + 8 + 72 + 64);
  });
  it('1, 16 and 64 queue pairs: 104 / 824 / 3128 bytes in format 0, 168 / 888 / 3192 with the vendor section', () => {
    expect(stateBlobSizes([1, 16, 64])).toEqual([
      { pairs: 1, format0: 104, withVendor: 168 },
      { pairs: 16, format0: 824, withVendor: 888 },
      { pairs: 64, format0: 3128, withVendor: 3192 },
    ]);
  });
});
