import { describe, expect, it } from 'vitest';
import { PageAllocator } from '../../src/host/allocator.ts';
import { DmaBuffer, PRP_ENTRIES_PER_PAGE } from '../../src/host/prp.ts';
import { FakePf } from './fakePf.ts';

const u64s = async (pf: FakePf, addr: bigint, n: number) => {
  const b = await pf.read(addr, n * 8);
  const v = new DataView(b.buffer);
  return Array.from({ length: n }, (_, i) => v.getBigUint64(i * 8, true));
};

describe('PRP entries and lists', () => {
  it('D16, NVMe PRPs: one page: PRP2 = 0; two pages: PRP2 is the second page itself', async () => {
    const pf = new FakePf();
    const b = await DmaBuffer.allocate(pf, 8192);
    expect(await b.prps(1)).toEqual({ prp1: b.base, prp2: 0n });
    expect(await b.prps(4096)).toEqual({ prp1: b.base, prp2: 0n });
    expect(await b.prps(4097)).toEqual({ prp1: b.base, prp2: b.base + 4096n });
  });

  it('D16, NVMe PRPs: more pages: PRP2 points at a list of pages 1..n-1', async () => {
    const pf = new FakePf();
    const b = await DmaBuffer.allocate(pf, 5 * 4096);
    const { prp1, prp2 } = await b.prps(4 * 4096 + 1);
    expect(prp1).toBe(b.base);
    expect(await u64s(pf, prp2, 4)).toEqual([1, 2, 3, 4].map((i) => b.base + BigInt(i * 4096)));
  });

  it('D16, NVMe PRPs: past 512 entries the last slot of a list page chains to the next list page', async () => {
    const pf = new FakePf();
    const pages = 1001;
    const b = await DmaBuffer.allocate(pf, pages * 4096);
    const { prp2 } = await b.prps();
    const first = await u64s(pf, prp2, PRP_ENTRIES_PER_PAGE);
    expect(first.slice(0, 511)).toEqual(Array.from({ length: 511 }, (_, i) => b.base + BigInt((i + 1) * 4096)));
    const next = first[511];
    expect(next % 4096n).toBe(0n);
    const second = await u64s(pf, next, pages - 1 - 511);
    expect(second[0]).toBe(b.base + 512n * 4096n);
    expect(second.at(-1)).toBe(b.base + BigInt((pages - 1) * 4096));
    const segs = await pf.walk(b.base, prp2, pages * 4096);
    expect(segs.length).toBe(pages);
  });

  it('D16, NVMe PRPs: free releases data and list pages', async () => {
    const pf = new FakePf();
    const b = await DmaBuffer.allocate(pf, 600 * 4096);
    await b.prps();
    expect(pf.allocator.liveAllocations()).toBe(3);
    b.free();
    b.free();
    expect(pf.allocator.liveAllocations()).toBe(0);
    await expect(b.prps()).rejects.toThrow(/after free/);
  });
});

describe('PageAllocator', () => {
  it('D16: first fit, merges freed neighbours, and says how to fix exhaustion', () => {
    const a = new PageAllocator(0x10000n, 4 * 4096);
    const x = a.alloc(4096);
    const y = a.alloc(4096);
    const z = a.alloc(2 * 4096);
    expect([x, y, z]).toEqual([0x10000n, 0x11000n, 0x12000n]);
    expect(() => a.alloc(1)).toThrow(/exhausted.*give the device a larger region/);
    a.free(x);
    a.free(y);
    expect(a.alloc(2 * 4096)).toBe(0x10000n);
    expect(() => a.free(0x10400n)).toThrow(/not returned by alloc/);
  });
});
