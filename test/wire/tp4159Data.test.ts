import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/wire/hex.ts';
import { decodeIdentifyController, encodeIdentifyController, IDENTIFY_CONTROLLER_LAYOUT } from '../../src/wire/identify.ts';
import { decodeUdmqEntries, decodeUdmqEntry, encodeUdmqEntry, UDMQ_ENTRY_LAYOUT, UDMQ_ESA, UDMQ_LBACIR, udmqEntries, type UdmqEntry } from '../../src/wire/tp4159/udmq.ts';
import {
  decodeSecondaryControllerList,
  encodeSecondaryControllerList,
  decodeSupportedStateFormats,
  encodeSupportedStateFormats,
  readMigrationIdentify,
  STATE_FORMATS_HEADER_LAYOUT,
  writeMigrationIdentify,
  type MigrationIdentify,
} from '../../src/wire/tp4159/identify.ts';
import { NVME_LM_STATE_UUID } from '../../src/wire/tp4159/vendorState.ts';
import {
  ASYNC_EVENT_LAYOUT,
  CDQ_CREATE_DW0_LAYOUT,
  CDQ_FEATURE_DATA_LAYOUT,
  decodeAsyncEvent,
  decodeCdqCreateDw0,
  decodeCdqFeatureData,
  decodeGetStateDw0,
  encodeAsyncEvent,
  encodeCdqCreateDw0,
  encodeCdqFeatureData,
  encodeGetStateDw0,
  encodeOneShotEvent,
  GET_STATE_DW0_LAYOUT,
  ONE_SHOT_INFO,
} from '../../src/wire/tp4159/completions.ts';
import { expectTiles } from './tiling.ts';

describe('tp4159 section 3: UDMQ entry', () => {
  it('layout: 32 bytes, attributes in byte 31', () => expectTiles(UDMQ_ENTRY_LAYOUT, 32));
  it('D29/D30 golden: NSID 1, NLB 7 (0-based), SLBA 1000h, phase 1, ESA 1 first, DLBA, LBACIR 2: attributes A3h', () => {
    const e: UdmqEntry = { nsid: 1, nlb: 7, slba: 0x1000n, phase: 1, esa: UDMQ_ESA.FIRST, dlba: true, lbacir: UDMQ_LBACIR.NO_RANGE };
    const bytes = '01000000' + '07000000' + '0010000000000000' + '00'.repeat(15) + 'a3';
    expect(toHex(encodeUdmqEntry(e))).toBe(bytes);
    expect(decodeUdmqEntry(fromHex(bytes))).toEqual(e);
  });
  it('D31 golden: ESA 7 (last: queue full), phase 0, LBACIR 2: attributes 8Eh', () => {
    expect(decodeUdmqEntry(fromHex('00'.repeat(31) + '8e'))).toEqual({ nsid: 0, nlb: 0, slba: 0n, phase: 0, esa: 7, dlba: false, lbacir: 2 });
  });
  it('round-trips any entry; a queue splits into whole entries', () => {
    const arb: fc.Arbitrary<UdmqEntry> = fc.record({
      nsid: fc.nat(0xffffffff), nlb: fc.nat(0xffffffff), slba: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      phase: fc.nat(1), esa: fc.nat(7), dlba: fc.boolean(), lbacir: fc.nat(3),
    });
    fc.assert(fc.property(fc.array(arb, { minLength: 1, maxLength: 4 }), (es) => {
      const bytes = new Uint8Array(32 * es.length);
      es.forEach((e, i) => bytes.set(encodeUdmqEntry(e), 32 * i));
      expect(decodeUdmqEntries(bytes)).toEqual(es);
    }));
  });
  it('D28: CDQSIZE is in dwords: 16 dwords hold 2 entries; a partial entry is an error', () => {
    expect(udmqEntries(16)).toBe(2);
    expect(() => decodeUdmqEntries(new Uint8Array(40))).toThrow(/whole 32-byte entries, got 40/);
  });
});

describe('tp4159 section 1: Identify CNS 15h Secondary Controller List', () => {
  it('D20 golden: NUMID at byte 0; each 32-byte entry from byte 32 with SCID 1:0, PCID 3:2, SCS 4, VFN 9:8, NVQ 11:10, NVI 13:12 (NVMe Base 2.1)', () => {
    const bytes = encodeSecondaryControllerList([{ scid: 0x0102, pcid: 0, online: true, vfn: 1, nvq: 0x0304, nvi: 0x0506 }]);
    expect(bytes[0]).toBe(1);
    expect(toHex(bytes.subarray(32, 46))).toBe('0201' + '0000' + '01' + '000000' + '0100' + '0403' + '0605');
    expect(bytes.subarray(46).every((b) => b === 0)).toBe(true);
    expect(decodeSecondaryControllerList(bytes)).toEqual([{ scid: 0x0102, pcid: 0, online: true, vfn: 1, nvq: 0x0304, nvi: 0x0506 }]);
  });
});

describe('tp4159 section 1: Identify CNS 20h Supported Controller State Formats', () => {
  it('header layout: NV at byte 0, NUUID at byte 1', () => expectTiles(STATE_FORMATS_HEADER_LAYOUT, 2));
  it('D21/D25 golden: version 0000h and the nvme-lm UUID', () => {
    const bytes = encodeSupportedStateFormats({ versions: [0], uuids: [NVME_LM_STATE_UUID] });
    expect(bytes.length).toBe(4096);
    expect(toHex(bytes.subarray(0, 20))).toBe('01' + '01' + '0000' + '28a3921581d54e29863ea1d341a3417c');
    expect(bytes.subarray(20).every((b) => b === 0)).toBe(true);
    expect(decodeSupportedStateFormats(bytes)).toEqual({ versions: [0], uuids: [NVME_LM_STATE_UUID] });
  });
  it('round-trips any versions and UUIDs that fit', () => {
    const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
      const h = Buffer.from(b).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    });
    fc.assert(fc.property(fc.array(fc.nat(0xffff), { maxLength: 8 }), fc.array(uuid, { maxLength: 8 }), (versions, uuids) => {
      expect(decodeSupportedStateFormats(encodeSupportedStateFormats({ versions, uuids }))).toEqual({ versions, uuids });
    }));
  });
  it('a count that runs past 4096 bytes is an error', () => {
    const b = new Uint8Array(4096);
    b[1] = 0xff; // 255 UUIDs = 4080 bytes after 2 + 2 x NV
    b[0] = 0xff;
    expect(() => decodeSupportedStateFormats(b)).toThrow(/more than 4096 bytes/);
  });
});

const LIMITS: MigrationIdentify = {
  hmlms: true, dbcs: false, cmmrtd: 0x0102, nmmrtd: 0x0304, minmrtg: 5, maxmrtg: 6, thmcs: false, tudcs: true, mrtll: false,
  mcudmq: 1, mnsudmq: 0x0708, mcmr: 0x090a, nmcmr: 0x0b0c, mcdqpc: 0x0d0e,
};

describe('tp4159 section 1: Identify Controller rows', () => {
  it('D21 golden: OACS bit 11 HMLMS is byte 257 bit 3; bytes 570-587 hold the tracking limits', () => {
    const buf = new Uint8Array(4096);
    writeMigrationIdentify(buf, LIMITS);
    expect(buf[256]).toBe(0x00);
    expect(buf[257]).toBe(0x08);
    expect(toHex(buf.subarray(570, 588))).toBe('0201' + '0403' + '05' + '06' + '02' + '00' + '0100' + '0807' + '0a09' + '0c0b' + '0e0d');
    expect(readMigrationIdentify(buf)).toEqual(LIMITS);
  });
  it('DBCS (OACS bit 8) is byte 257 bit 0 and is never offered with HMLMS', () => {
    const buf = new Uint8Array(4096);
    writeMigrationIdentify(buf, { ...LIMITS, hmlms: false, dbcs: true });
    expect(buf[257]).toBe(0x01);
    expect(() => writeMigrationIdentify(buf, { ...LIMITS, dbcs: true })).toThrow(/DBCS must not be offered with OACS.HMLMS/);
  });
  it('the rows leave the vendor profile\'s fields alone (byte 3072, OACS word)', () => {
    const id = { vid: 1, ssvid: 2, sn: 'S', mn: 'M', fr: 'F', cntlid: 3, oacs: 0x0800, lmCapability: 1 };
    const buf = encodeIdentifyController(id);
    expect(readMigrationIdentify(buf).hmlms).toBe(true);
    writeMigrationIdentify(buf, { ...LIMITS, hmlms: false });
    expect(decodeIdentifyController(buf)).toEqual({ ...id, oacs: 0 });
    expect(IDENTIFY_CONTROLLER_LAYOUT.fields.filter((f) => f.offset >= 570 && f.offset < 588).length).toBe(13);
  });
});

describe('tp4159 section 2: completions and data buffers', () => {
  it('layouts tile: Get State DW0, CDQ Create DW0 (4), FID 21h data (8), AER DW0/DW1 (8)', () => {
    expectTiles(GET_STATE_DW0_LAYOUT, 4);
    expectTiles(CDQ_CREATE_DW0_LAYOUT, 4);
    expectTiles(CDQ_FEATURE_DATA_LAYOUT, 8);
    expectTiles(ASYNC_EVENT_LAYOUT, 8);
  });
  it('D24: Migration Receive CQE DW0 bit 0 is CSUP', () => {
    expect(encodeGetStateDw0(true)).toBe(1);
    expect(decodeGetStateDw0(0xfffffffe)).toEqual({ csup: false });
    expect(decodeGetStateDw0(1)).toEqual({ csup: true });
  });
  it('D28: Controller Data Queue Create CQE DW0 15:0 is the new CDQID', () => {
    expect(encodeCdqCreateDw0(0x1234)).toBe(0x1234);
    expect(decodeCdqCreateDw0(0xffff1234)).toEqual({ cdqid: 0x1234 });
    fc.assert(fc.property(fc.nat(0xffff), (id) => {
      expect(decodeCdqCreateDw0(encodeCdqCreateDw0(id)).cdqid).toBe(id);
    }));
  });
  it('Get Features FID 21h returns 8 bytes {HP, TPT}', () => {
    expect(toHex(encodeCdqFeatureData({ hp: 3, tpt: 16 }))).toBe('03000000' + '10000000');
    expect(decodeCdqFeatureData(fromHex('0500000007000000'))).toEqual({ hp: 5, tpt: 7 });
    fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), (hp, tpt) => {
      expect(decodeCdqFeatureData(encodeCdqFeatureData({ hp, tpt }))).toEqual({ hp, tpt });
    }));
  });
  it('D33: One-Shot event: type 4h in DW0 2:0, info in 15:8 (0 tail trigger, 1 CDQ full), DW1 the CDQID', () => {
    expect(encodeOneShotEvent(ONE_SHOT_INFO.TAIL_POINTER_TRIGGER, 5)).toEqual({ dw0: 0x0004, dw1: 5 });
    expect(encodeOneShotEvent(ONE_SHOT_INFO.CDQ_FULL, 0x1234)).toEqual({ dw0: 0x0104, dw1: 0x1234 });
    expect(decodeAsyncEvent(0x0104, 7)).toEqual({ type: 4, info: 1, lid: 0, param: 7 });
    expect(() => encodeOneShotEvent(0, 0x10000)).toThrow(/CDQID/);
  });
  it('AER DW0/DW1 round-trip', () => {
    fc.assert(fc.property(fc.record({ type: fc.nat(7), info: fc.nat(0xff), lid: fc.nat(0xff), param: fc.nat(0xffffffff) }), (e) => {
      const { dw0, dw1 } = encodeAsyncEvent(e);
      expect(decodeAsyncEvent(dw0, dw1)).toEqual(e);
    }));
  });
});
