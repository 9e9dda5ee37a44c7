// The Get Log Page SQE and the Commands Supported and Effects entry as layout
// tables (rule 4), pinned by offsets and a golden SQE (NVMe Base 2.1 5.1.12).
import { describe, expect, it } from 'vitest';
import { COMMAND_EFFECTS_LAYOUT, GET_LOG_PAGE, GET_LOG_PAGE_LAYOUT, acsOffset, iocsOffset } from '../../src/wire/effectsLog.ts';
import { decodeUints, encodeUints } from '../../src/wire/layout.ts';

describe('Get Log Page and the effects log layouts', () => {
  it('Get Log Page: LID CDW10 7:0, NUMDL 31:16, NUMDU CDW11 15:0, offset CDW13:12 (golden SQE)', () => {
    const sqe = encodeUints(GET_LOG_PAGE_LAYOUT, { opc: GET_LOG_PAGE, cid: 0x1234, lid: 5, numdl: 0x3ff, numdu: 1, lpo: 0x10, prp1: 0x2000 });
    expect(Buffer.from(sqe.subarray(40, 56)).toString('hex')).toBe('0500ff03' + '01000000' + '10000000' + '00000000');
    expect(sqe[0]).toBe(2);
    expect(decodeUints(GET_LOG_PAGE_LAYOUT, sqe)).toMatchObject({ lid: 5n, numdl: 0x3ffn, numdu: 1n, lpo: 0x10n, prp1: 0x2000n });
    for (const f of GET_LOG_PAGE_LAYOUT.fields) expect(f.offset + f.width).toBeLessThanOrEqual(64);
  });

  it('an effects entry is one dword: CSUPP bit 0, LBCC bit 1, CSE 18:16; admin entries from byte 0, I/O from byte 1024', () => {
    expect(COMMAND_EFFECTS_LAYOUT.size).toBe(4);
    expect(Buffer.from(encodeUints(COMMAND_EFFECTS_LAYOUT, { csupp: 1, lbcc: 1, cse: 1 })).toString('hex')).toBe('03000100');
    expect(acsOffset(0x41)).toBe(0x104);
    expect(iocsOffset(0x01)).toBe(1028);
  });
});
