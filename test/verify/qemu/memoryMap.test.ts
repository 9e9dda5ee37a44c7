import { describe, expect, it } from 'vitest';
import { checkTesterRange, GUEST_MEMORY_BYTES, PRIVATE_ACQ, PRIVATE_ASQ, PRIVATE_BUFFER, RESERVED_BASE } from '../../../src/verify/qemu/memoryMap.ts';

describe('QEMU target memory map', () => {
  it('I2: the private admin queue and buffer lie inside the reserved top 64 KiB, page aligned', () => {
    expect(RESERVED_BASE).toBe(GUEST_MEMORY_BYTES - 0x10000n);
    for (const a of [PRIVATE_ASQ, PRIVATE_ACQ, PRIVATE_BUFFER]) {
      expect(a >= RESERVED_BASE && a + 0x1000n <= GUEST_MEMORY_BYTES).toBe(true);
      expect(a % 0x1000n).toBe(0n);
    }
  });

  it('I2: low memory and everything up to the reserved range is the tester\'s, except the ROM hole', () => {
    expect(() => checkTesterRange(0n, 0xc0000)).not.toThrow();
    expect(() => checkTesterRange(0x100000n, Number(RESERVED_BASE - 0x100000n))).not.toThrow();
    expect(() => checkTesterRange(0xbffffn, 2)).toThrow(/ROM hole/);
    expect(() => checkTesterRange(0xfffffn, 1)).toThrow(/ROM hole/);
    expect(() => checkTesterRange(RESERVED_BASE - 1n, 2)).toThrow(/reserves/);
    expect(() => checkTesterRange(GUEST_MEMORY_BYTES, 1)).toThrow(/reserves/);
  });
});
