import { describe, expect, it } from 'vitest';
import { decodeIdentifyNamespace, encodeIdentifyNamespace, IDENTIFY_NAMESPACE_LAYOUT } from '../../src/wire/identifyNamespace.ts';
import { fromHex, toHex } from '../../src/wire/hex.ts';

describe('Identify Namespace (CNS 00h)', () => {
  it('layout: 4096 bytes, NSZE at 0, NCAP at 8, NUSE at 16, FLBAS at 26, LBAF0 at 128', () => {
    expect(IDENTIFY_NAMESPACE_LAYOUT.size).toBe(4096);
    const at = (n: string) => IDENTIFY_NAMESPACE_LAYOUT.fields.find((f) => f.name === n)!.offset;
    expect([at('nsze'), at('ncap'), at('nuse'), at('nlbaf'), at('flbas'), at('lbaf0Ms'), at('lbaf0Lbads')]).toEqual([0, 8, 16, 25, 26, 128, 130]);
  });
  it('golden: 2^21 blocks of 512 bytes (hand-written bytes, not from the encoder)', () => {
    const v = { nsze: 1n << 21n, ncap: 1n << 21n, nuse: 1n << 21n, nlbaf: 0, flbas: 0, lbaf0Ms: 0, lbaf0Lbads: 9 };
    const bytes = encodeIdentifyNamespace(v);
    expect(toHex(bytes.subarray(0, 32))).toBe(toHex(fromHex('0000200000000000'.repeat(3) + '0000000000000000')));
    expect(bytes[130]).toBe(9);
    expect(decodeIdentifyNamespace(bytes)).toEqual(v);
  });
});
