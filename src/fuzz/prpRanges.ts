// The host memory a command may write, worked out by the fuzzer itself from
// the NVMe PRP rules (4 KiB pages), not from the emulator's walker: the byte
// ranges of a controller-to-host transfer of `length` bytes into a host
// buffer of `buffer` bytes (a Get that moves less than NUMD: the PRPs still
// describe the whole buffer). Where the rules
// reject a PRP the walk stops there: a device must not write past it.
//
//   PRP1   first page, from its offset
//   PRP2   second page (no offset) when the rest fits one page,
//          else a PRP list pointer; the last entry of a full list page
//          points to the next list page
import { PAGE_SIZE } from '../wire/page.ts';

const ENTRIES = PAGE_SIZE / 8;

/** Read one 8-byte little-endian entry of host memory, or undefined where no page exists. */
type EntryReader = (addr: number) => number | undefined;

/** [start, end) pairs, flat. */
export function prpWriteRanges(prp1: number, prp2: number, length: number, entry: EntryReader, buffer = length): number[] {
  if (length <= 0 || prp1 % 4 !== 0) return [];
  const first = Math.min(length, PAGE_SIZE - (prp1 % PAGE_SIZE));
  const out = [prp1, prp1 + first];
  let left = length - first;
  // the host's buffer past PRP1's page decides what PRP2 and a list's last entry are (D24)
  let rest = Math.max(buffer, length) - Math.min(Math.max(buffer, length), PAGE_SIZE - (prp1 % PAGE_SIZE));
  if (left === 0) return out;
  if (rest <= PAGE_SIZE) {
    if (prp2 % PAGE_SIZE === 0) out.push(prp2, prp2 + left);
    return out;
  }
  if (prp2 % 8 !== 0) return out;
  let list = prp2;
  for (let guard = 0; left > 0 && guard < 64; guard++) {
    let next: number | undefined;
    for (let i = (list % PAGE_SIZE) / 8; i < ENTRIES && left > 0; i++) {
      const e = entry(Math.floor(list / PAGE_SIZE) * PAGE_SIZE + i * 8);
      if (e === undefined) return out;
      if (i === ENTRIES - 1 && rest > PAGE_SIZE) {
        next = e;
        break;
      }
      if (e % PAGE_SIZE !== 0) return out;
      const n = Math.min(left, PAGE_SIZE);
      out.push(e, e + n);
      left -= n;
      rest -= PAGE_SIZE;
    }
    if (next === undefined || next % 8 !== 0) return out;
    list = next;
  }
  return out;
}

/** True when [a, b) lies inside one of the ranges. */
export function inRanges(ranges: readonly number[], a: number, b: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (a >= ranges[i] && b <= ranges[i + 1]) return true;
  return false;
}
