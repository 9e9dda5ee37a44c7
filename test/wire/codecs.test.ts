import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSqe, encodeSqe, SQE_LAYOUT } from '../../src/wire/sqe.ts';
import { CQE_LAYOUT, decodeCqe, encodeCqe } from '../../src/wire/cqe.ts';
import { fromHex, toHex } from '../../src/wire/hex.ts';
import { decodeIdentifyController, encodeIdentifyController, IDENTIFY_CONTROLLER_LAYOUT } from '../../src/wire/identify.ts';
import { decodeCommand, READ_WRITE_LAYOUT, sqeFor } from '../../src/wire/adminCommands.ts';
import { cqHeadDoorbell, decodeDoorbell, sqTailDoorbell } from '../../src/wire/registers.ts';
import { describeStatus, generic, SC } from '../../src/wire/status.ts';
import type { Layout } from '../../src/wire/layout.ts';

function checkLayout(l: Layout): void {
  for (const f of l.fields) {
    expect(f.offset + f.width, `${l.name}.${f.name} runs past the end`).toBeLessThanOrEqual(l.size);
    if (f.bits) expect(f.bits[0], `${l.name}.${f.name} bits`).toBeLessThan(f.width * 8);
  }
}

describe('layout tables (size and offset assertions, as SPDK does in C)', () => {
  it('SQE is 64 bytes with CDW10 at byte 40 and PRP1 at byte 24', () => {
    expect(SQE_LAYOUT.size).toBe(64);
    expect(SQE_LAYOUT.fields.find((f) => f.name === 'cdw10')!.offset).toBe(40);
    expect(SQE_LAYOUT.fields.find((f) => f.name === 'prp1')!.offset).toBe(24);
    checkLayout(SQE_LAYOUT);
  });
  it('CQE is 16 bytes; status word at byte 14', () => {
    expect(CQE_LAYOUT.size).toBe(16);
    checkLayout(CQE_LAYOUT);
  });
  it('Identify Controller is 4096 bytes; byte 3072 is the LM capability (D2)', () => {
    expect(IDENTIFY_CONTROLLER_LAYOUT.size).toBe(4096);
    expect(IDENTIFY_CONTROLLER_LAYOUT.fields.find((f) => f.name === 'lmCapability')!.offset).toBe(3072);
    checkLayout(IDENTIFY_CONTROLLER_LAYOUT);
  });
});

describe('CQE', () => {
  it('golden: CID 0x1234, SQ 2, head 5, phase 1, Invalid Command Opcode with DNR', () => {
    // DW3 = CID 0x1234 | phase 1<<16 | SC 0x01<<17 | DNR 1<<31 = 0x80031234
    const bytes = fromHex('00000000' + '00000000' + '05000200' + '34120380', 'cqe', 16);
    const c = decodeCqe(bytes);
    expect(c).toMatchObject({ cid: 0x1234, sqid: 2, sqhd: 5, phase: 1, sct: 0, sc: 1, dnr: true, more: false, crd: 0 });
    expect(toHex(encodeCqe(c))).toBe(toHex(bytes));
  });
  it('round-trips any field values', () => {
    fc.assert(
      fc.property(
        fc.record({
          dw0: fc.nat(0xffffffff), dw1: fc.nat(0xffffffff), sqhd: fc.nat(0xffff), sqid: fc.nat(0xffff), cid: fc.nat(0xffff),
          phase: fc.nat(1), sc: fc.nat(0xff), sct: fc.nat(7), crd: fc.nat(3), more: fc.boolean(), dnr: fc.boolean(),
        }),
        (c) => {
          expect(decodeCqe(encodeCqe(c))).toEqual(c);
        },
      ),
    );
  });
});

describe('SQE', () => {
  it('decode(encode(x)) == x for random 64-byte entries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        expect(toHex(encodeSqe(decodeSqe(bytes)))).toBe(toHex(bytes));
      }),
    );
  });
  it('Read: SLBA in CDW11:10, NLB zero-based in CDW12', () => {
    const sqe = sqeFor.read(9, 1, 0x100000002n, 8, 0x5000n);
    expect(decodeCommand(READ_WRITE_LAYOUT, sqe)).toMatchObject({ opc: 2n, cid: 9n, nsid: 1n, slba: 0x100000002n, nlb: 7n, prp1: 0x5000n });
    expect(toHex(sqe.subarray(40, 52))).toBe('020000000100000007000000');
  });
});

describe('Identify Controller', () => {
  it('round-trips and space-pads ASCII fields', () => {
    const id = { vid: 0x8086, ssvid: 0x8086, sn: 'SN1', mn: 'nvme-lm emulated', fr: '1.0', cntlid: 3, oacs: 0, lmCapability: 1 };
    const bytes = encodeIdentifyController(id);
    expect(bytes[3072]).toBe(1);
    expect(bytes[4 + 3]).toBe(0x20);
    expect(decodeIdentifyController(bytes)).toEqual(id);
  });
});

describe('doorbells and status', () => {
  it('doorbell offsets follow 0x1000 + (2y [+1]) * (4 << DSTRD)', () => {
    expect(sqTailDoorbell(0)).toBe(0x1000);
    expect(cqHeadDoorbell(0)).toBe(0x1004);
    expect(sqTailDoorbell(3, 1)).toBe(0x1000 + 6 * 8);
    expect(decodeDoorbell(0x100c)).toEqual({ kind: 'cq', qid: 1 });
    expect(decodeDoorbell(0x0fff)).toBeUndefined();
  });
  it('status names', () => {
    expect(describeStatus(generic(SC.INVALID_OPCODE))).toBe('Invalid Command Opcode (SCT 0, SC 0x01, DNR)');
  });
});

describe('hex input errors name the problem', () => {
  it('non-hex text', () => expect(() => fromHex('c4zz', 'SQE')).toThrow(/"z" at position 2 is not a hex digit/));
  it('odd digits', () => expect(() => fromHex('abc', 'SQE')).toThrow(/odd number of hex digits/));
  it('wrong length', () => expect(() => fromHex('00'.repeat(63), 'SQE', 64)).toThrow(/must be 64 bytes .* got 63/));
  it('empty', () => expect(() => fromHex('  ', 'SQE')).toThrow(/is empty/));
});
