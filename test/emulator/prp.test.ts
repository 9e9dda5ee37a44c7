import { describe, expect, it } from 'vitest';
import { HostMemory, PAGE_SIZE } from '../../src/emulator/hostMemory.ts';
import { dmaFromHost, dmaToHost, walkPrps } from '../../src/emulator/prp.ts';
import { SC } from '../../src/wire/status.ts';

const P = PAGE_SIZE;

function memWith(...pages: number[]): HostMemory {
  const m = new HostMemory();
  for (const p of pages) m.map(p * P, P);
  return m;
}

function writeList(m: HostMemory, at: number, entries: number[]): void {
  const b = new Uint8Array(entries.length * 8);
  const v = new DataView(b.buffer);
  entries.forEach((e, i) => v.setBigUint64(i * 8, BigInt(e), true));
  m.write(at, b);
}

describe('PRP rules (MPS = 4 KiB)', () => {
  it('PRP1 alone with an offset; PRP2 ignored when the transfer fits its page', () => {
    const w = walkPrps(memWith(1), P + 0x100, 0xdead, 0x200);
    expect(w).toEqual({ ok: true, segments: [P + 0x100, 0x200], length: 0x200 });
  });
  it('PRP1 with an offset and PRP2 as the second page', () => {
    const w = walkPrps(memWith(1, 5), P + 0x800, 5 * P, P);
    expect(w).toEqual({ ok: true, segments: [P + 0x800, 0x800, 5 * P, 0x800], length: P });
  });
  it('D24: a transfer shorter than the buffer follows the buffer: PRP2 is a list pointer when the buffer spans three pages, however few bytes move', () => {
    const m = memWith(1, 5, 6, 9);
    writeList(m, 9 * P, [5 * P, 6 * P]);
    expect(walkPrps(m, P + 0xf00, 9 * P, 0x200, 2 * P)).toEqual({ ok: true, segments: [P + 0xf00, 0x100, 5 * P, 0x100], length: 0x200 });
    // the same transfer as its own buffer: PRP2 is the second page
    expect(walkPrps(m, P + 0xf00, 5 * P, 0x200)).toEqual({ ok: true, segments: [P + 0xf00, 0x100, 5 * P, 0x100], length: 0x200 });
  });
  it('D24: a list page\'s last entry chains when the buffer (not the transfer) needs more pages', () => {
    const m = memWith(1, 2, 3, 4);
    const entries = Array.from({ length: 511 }, () => 4 * P);
    writeList(m, 2 * P, [...entries, 3 * P]); // last entry: the next list page
    writeList(m, 3 * P, [4 * P]);
    // 511 full pages then 16 bytes: the transfer ends in the next list page's first entry
    const len = 511 * P + 16;
    const w = walkPrps(m, P, 2 * P, P + len, P + len + P);
    expect(w.ok && w.segments.slice(-2)).toEqual([4 * P, 16]);
  });
  it('PRP2 as the second page with an offset: PRP Offset Invalid (0x13)', () => {
    const w = walkPrps(memWith(1, 5), P, 5 * P + 8, 2 * P);
    expect(w).toMatchObject({ ok: false, sc: SC.PRP_OFFSET_INVALID });
  });
  it('PRP1 not dword aligned: PRP Offset Invalid', () => {
    expect(walkPrps(memWith(1), P + 2, 0, 16)).toMatchObject({ ok: false, sc: SC.PRP_OFFSET_INVALID });
  });
  it('PRP list: three pages after PRP1; the list pointer may carry an offset', () => {
    const m = memWith(1, 2, 3, 4, 9);
    writeList(m, 9 * P + 0x10, [2 * P, 3 * P, 4 * P]);
    const w = walkPrps(m, P, 9 * P + 0x10, 4 * P);
    expect(w).toEqual({ ok: true, segments: [P, P, 2 * P, P, 3 * P, P, 4 * P, P], length: 4 * P });
  });
  it('a PRP list entry with a nonzero offset: PRP Offset Invalid', () => {
    const m = memWith(1, 2, 3, 9);
    writeList(m, 9 * P, [2 * P, 3 * P + 0x200]);
    expect(walkPrps(m, P, 9 * P, 3 * P)).toMatchObject({ ok: false, sc: SC.PRP_OFFSET_INVALID });
  });
  it('unmapped memory anywhere in the transfer: Data Transfer Error (0x04)', () => {
    expect(walkPrps(memWith(), P, 0, 16)).toMatchObject({ ok: false, sc: SC.DATA_TRANSFER_ERROR });
    expect(walkPrps(memWith(1), P, 7 * P, 2 * P)).toMatchObject({ ok: false, sc: SC.DATA_TRANSFER_ERROR });
    expect(walkPrps(memWith(1), P, 7 * P, 3 * P)).toMatchObject({ ok: false, sc: SC.DATA_TRANSFER_ERROR, reason: /list/ });
    const m = memWith(1, 2, 9);
    writeList(m, 9 * P, [2 * P, 3 * P]);
    expect(walkPrps(m, P, 9 * P, 3 * P)).toMatchObject({ ok: false, sc: SC.DATA_TRANSFER_ERROR });
  });
  it('a full list page chains to the next list through its last entry', () => {
    const dataPages = Array.from({ length: 513 }, (_, i) => 100 + i);
    const m = memWith(1, 10, 11, ...dataPages);
    writeList(m, 10 * P, [...dataPages.slice(0, 511).map((p) => p * P), 11 * P]);
    writeList(m, 11 * P, dataPages.slice(511).map((p) => p * P));
    const w = walkPrps(m, P, 10 * P, 514 * P);
    expect(w.ok).toBe(true);
    if (w.ok) {
      expect(w.segments.length).toBe(514 * 2);
      expect(w.segments[w.segments.length - 2]).toBe(dataPages[512] * P);
    }
  });
  it('the walk is pure and DMA moves exactly the walked bytes', () => {
    const m = memWith(1, 2);
    const before = m.clone();
    const w = walkPrps(m, P + 0xf00, 2 * P, 0x200);
    expect(m.read(0, 3 * P)).toEqual(before.read(0, 3 * P));
    if (!w.ok) throw new Error(w.reason);
    const data = new Uint8Array(0x200).map((_, i) => (i * 7) & 0xff);
    dmaToHost(m, w.segments, data);
    expect(dmaFromHost(m, w.segments, 0x200)).toEqual(data);
    expect(m.read(P + 0xf00, 0x100)).toEqual(data.subarray(0, 0x100));
    expect(m.read(2 * P, 0x100)).toEqual(data.subarray(0x100));
  });
});
