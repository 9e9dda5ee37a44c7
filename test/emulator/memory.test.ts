import { describe, expect, it } from 'vitest';
import { HostMemory, PAGE_SIZE } from '../../src/emulator/hostMemory.ts';
import { LBA_SIZE, RamNamespace } from '../../src/emulator/namespace.ts';

describe('host memory (sparse 4 KiB pages)', () => {
  it('a page exists once the host writes or maps it; reads of missing pages are zeros and create nothing', () => {
    const m = new HostMemory();
    expect(m.read(0x5000n, 4)).toEqual(new Uint8Array(4));
    expect(m.pageCount).toBe(0);
    m.write(0x1ffen, new Uint8Array([1, 2, 3, 4]));
    expect(m.pageNumbers()).toEqual([1, 2]);
    expect(m.read(0x1ffe, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    m.map(0x10000, 1);
    expect(m.isMapped(0x10000, PAGE_SIZE)).toBe(true);
    expect(m.isMapped(0x10000, PAGE_SIZE + 1)).toBe(false);
  });
  it('DMA that touches a missing page fails and changes nothing', () => {
    const m = new HostMemory();
    m.map(0, PAGE_SIZE);
    expect(m.dmaWrite(PAGE_SIZE - 2, new Uint8Array([9, 9, 9, 9]), 0, 4)).toBe(false);
    expect(m.read(PAGE_SIZE - 2, 2)).toEqual(new Uint8Array(2));
    const into = new Uint8Array(4);
    expect(m.dmaRead(PAGE_SIZE - 2, 4, into, 0)).toBe(false);
    expect(m.dmaWrite(PAGE_SIZE - 2, new Uint8Array([7, 8]), 0, 2)).toBe(true);
    expect(m.read(PAGE_SIZE - 2, 2)).toEqual(new Uint8Array([7, 8]));
  });
  it('works above 4 GiB (no 32-bit arithmetic on addresses)', () => {
    const m = new HostMemory();
    const a = 0x1_2345_6000 + 0xff0;
    m.write(BigInt(a), new Uint8Array(32).fill(5));
    const into = new Uint8Array(32);
    expect(m.dmaRead(a, 32, into, 0)).toBe(true);
    expect(into.every((b) => b === 5)).toBe(true);
  });
  it('clone is independent; restoreFrom works in place', () => {
    const m = new HostMemory();
    m.write(0, new Uint8Array([1]));
    const c = m.clone();
    m.write(0, new Uint8Array([2]));
    m.write(0x9000, new Uint8Array([3]));
    expect(c.read(0, 1)[0]).toBe(1);
    m.restoreFrom(c);
    expect(m.read(0, 1)[0]).toBe(1);
    expect(m.pageNumbers()).toEqual([0]);
  });
  it('rejects addresses outside [0, 2^53) with a message saying what to use', () => {
    expect(() => new HostMemory().write(-1, new Uint8Array(1))).toThrow(/\[0, 2\^53\)/);
    expect(() => new HostMemory().write(1n << 60n, new Uint8Array(1))).toThrow(/outside host memory/);
  });
});

describe('RAM namespace (D15: shared storage)', () => {
  it('reads back what was written; unwritten blocks are zero', () => {
    const ns = new RamNamespace(64);
    const data = new Uint8Array(3 * LBA_SIZE).map((_, i) => i & 0xff);
    ns.write(7, 3, data);
    const out = new Uint8Array(4 * LBA_SIZE);
    ns.read(6, 4, out);
    expect(out.subarray(0, LBA_SIZE).every((b) => b === 0)).toBe(true);
    expect(out.subarray(LBA_SIZE)).toEqual(data);
  });
  it('capacity is fixed: out-of-range access throws', () => {
    const ns = new RamNamespace(8);
    expect(ns.inRange(7, 1)).toBe(true);
    expect(ns.inRange(7, 2)).toBe(false);
    expect(() => ns.write(8, 1, new Uint8Array(LBA_SIZE))).toThrow(/outside the namespace/);
  });
  it('erase zeroes; the content hash treats zero blocks as never written', () => {
    const ns = new RamNamespace(64);
    const empty = ns.contentHash();
    ns.write(0, 1, new Uint8Array(LBA_SIZE).fill(1));
    expect(ns.contentHash()).not.toBe(empty);
    ns.write(0, 1, new Uint8Array(LBA_SIZE));
    expect(ns.contentHash()).toBe(empty);
    ns.write(9, 1, new Uint8Array(LBA_SIZE).fill(1));
    ns.erase();
    expect(ns.contentHash()).toBe(empty);
    expect(ns.nonzeroChunks()).toBe(0);
  });
});
