// The migration data's checksum (D7: LOAD checks it before changing anything):
// zlib's CRC-32, natively where Node has it, else the slicing-by-8 JS; both
// must give exactly zlib's value on any bytes and any range.
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Js } from '../../src/emulator/crc32.ts';

const reference = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

describe('crc32 (D7 checksum)', () => {
  it('D7: the check value of "123456789" is 0xCBF43926 (IEEE 802.3), native and JS alike', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32Js(bytes)).toBe(0xcbf43926);
  });

  it('D7: the JS slicing-by-8 and crc32 agree on every range of random bytes (every tail length 0..7 included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
        const want = reference ? reference(bytes.subarray(start, end)) : crc32(bytes, start, end);
        expect(crc32Js(bytes, start, end)).toBe(want);
        expect(crc32(bytes, start, end)).toBe(want);
      }),
    );
  });

  it('D7: one flipped bit changes the checksum (the JS form too)', () => {
    const bytes = new Uint8Array(2640).map((_, i) => (i * 31) & 0xff);
    const before = crc32Js(bytes, 16);
    bytes[1000] ^= 0x10;
    expect(crc32Js(bytes, 16)).not.toBe(before);
    expect(crc32(bytes, 16)).toBe(crc32Js(bytes, 16));
  });
});
