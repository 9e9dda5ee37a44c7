// The fuzzer's own PRP rules (what a command may write): PRP1 with an offset,
// PRP2 as a second page, PRP lists, chained lists, and where a bad entry stops it.
import { describe, expect, it } from 'vitest';
import { inRanges, prpWriteRanges } from '../../src/fuzz/prpRanges.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';

/** Host memory as a map of 8-byte entries. */
function lists(entries: Record<number, number>): (addr: number) => number | undefined {
  return (a) => entries[a] ?? 0;
}

describe('prpWriteRanges (NVMe PRP rules, 4 KiB pages)', () => {
  it('PRP1 with an offset covers the rest of its page; PRP2 the second page', () => {
    expect(prpWriteRanges(0x10_0000 + 4000, 0x20_0000, 200, lists({}))).toEqual([0x10_0000 + 4000, 0x10_1000, 0x20_0000, 0x20_0000 + 104]);
  });
  it('D24: a transfer shorter than its buffer follows the buffer: with three pages of buffer PRP2 is a list, however few bytes move', () => {
    expect(prpWriteRanges(0x10_0000 + 4000, 0x30_0000, 200, lists({ [0x30_0000]: 0x20_0000 }), 3 * PAGE)).toEqual([0x10_0000 + 4000, 0x10_1000, 0x20_0000, 0x20_0000 + 104]);
  });
  it('a transfer in one page ignores PRP2', () => {
    expect(prpWriteRanges(0x10_0000, 0xdead, 512, lists({}))).toEqual([0x10_0000, 0x10_0200]);
  });
  it('past two pages PRP2 is a list; its last entry chains to the next list page only when more than one page remains', () => {
    const list1 = 0x30_0000;
    const entries: Record<number, number> = {};
    for (let i = 0; i < 511; i++) entries[list1 + i * 8] = 0x100_0000 + i * PAGE;
    entries[list1 + 511 * 8] = 0x40_0000;
    entries[0x40_0000] = 0x200_0000;
    entries[0x40_0008] = 0x200_1000;
    // 513 pages: PRP1's page and 512 list entries, the last one data.
    const exact = prpWriteRanges(0x10_0000, list1, PAGE * 513, lists(entries));
    expect(exact.length / 2).toBe(513);
    expect(exact.slice(-2)).toEqual([0x40_0000, 0x40_0000 + PAGE]);
    // 514 pages: the last entry points to the next list page, which holds the last two.
    const chained = prpWriteRanges(0x10_0000, list1, PAGE * 514, lists(entries));
    expect(chained.length / 2).toBe(514);
    expect(chained.slice(-4)).toEqual([0x200_0000, 0x200_0000 + PAGE, 0x200_1000, 0x200_1000 + PAGE]);
  });
  it('an entry with an offset or a misaligned PRP1 stops the walk: nothing past it may be written', () => {
    expect(prpWriteRanges(0x10_0002, 0, 100, lists({}))).toEqual([]);
    expect(prpWriteRanges(0x10_0000, 0x30_0000, PAGE * 3, lists({ [0x30_0000]: 0x50_0000, [0x30_0008]: 0x60_0010 }))).toEqual([0x10_0000, 0x10_1000, 0x50_0000, 0x50_1000]);
  });
  it('inRanges is inclusive of the start and exclusive of the end', () => {
    expect(inRanges([10, 20], 10, 11)).toBe(true);
    expect(inRanges([10, 20], 19, 20)).toBe(true);
    expect(inRanges([10, 20], 20, 21)).toBe(false);
  });
});
