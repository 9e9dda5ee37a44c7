// PRP walking (NVMe Base, "Physical Region Page Entry and List") for memory
// page size 4 KiB (CC.MPS = 0). Pure: it reads PRP lists from host memory but
// changes nothing, and returns either every (address, length) segment of the
// transfer or the status that rejects it. A command DMAs only after the whole
// walk succeeded, so a bad PRP never leaves a partial transfer behind.
//
//   PRP1        may carry a page offset (dword aligned)
//   PRP2        unused if the transfer fits PRP1's page; the second page
//               (offset 0) if it fits two pages; else a PRP list pointer
//               (qword aligned, may carry an offset)
//   list entry  page aligned; the last entry of a full list page points to
//               the next list page when more than one page remains
//
// The PRPs describe the host's whole buffer. A command that may move fewer
// bytes than its buffer holds (Get Controller State, Get Log Page: min(what
// is left, NUMD)) passes the buffer's size as `buffer`: PRP2's role and each
// list page's chaining follow the buffer, as the host built them, and only
// `length` bytes are walked (D24).
import type { HostMemory } from './hostMemory.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { SC } from '../wire/status.ts';

const ENTRIES_PER_LIST_PAGE = PAGE_SIZE / 8;

/** Segments as a flat list [addr0, len0, addr1, len1, ...] (fewer objects on the hot path). */
export type PrpWalk = { ok: true; segments: number[]; length: number } | { ok: false; sc: number; reason: string };

const offsetInvalid = (reason: string): PrpWalk => ({ ok: false, sc: SC.PRP_OFFSET_INVALID, reason });
const unmapped = (reason: string): PrpWalk => ({ ok: false, sc: SC.DATA_TRANSFER_ERROR, reason });

/** Read a 64-bit little-endian PRP entry as a number (exact below 2^53; larger values are never mapped). */
export function readPrpEntry(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * 0x1_0000_0000 + view.getUint32(offset, true);
}

/** Walk the PRPs of a `length`-byte transfer into (or out of) a host buffer of `buffer` bytes (at least `length`). */
export function walkPrps(mem: HostMemory, prp1: number, prp2: number, length: number, buffer = length): PrpWalk {
  if (length === 0) return { ok: true, segments: [], length: 0 };
  if (prp1 % 4 !== 0) return offsetInvalid('PRP1 offset is not dword aligned');
  const first = Math.min(length, PAGE_SIZE - (prp1 % PAGE_SIZE));
  if (!mem.isMapped(prp1, first)) return unmapped('PRP1 points at unmapped memory');
  const segments = [prp1, first];
  let remaining = length - first;
  const total = Math.max(buffer, length);
  /** bytes of the buffer past PRP1's page: they decide what PRP2 and each list entry are */
  let described = total - Math.min(total, PAGE_SIZE - (prp1 % PAGE_SIZE));
  if (remaining === 0) return { ok: true, segments, length };
  if (described <= PAGE_SIZE) {
    if (prp2 % PAGE_SIZE !== 0) return offsetInvalid('PRP2 (second data page) carries an offset');
    if (!mem.isMapped(prp2, remaining)) return unmapped('PRP2 points at unmapped memory');
    segments.push(prp2, remaining);
    return { ok: true, segments, length };
  }
  if (prp2 % 8 !== 0) return offsetInvalid('PRP2 (list pointer) is not qword aligned');
  let list = prp2;
  while (remaining > 0) {
    const page = mem.pageAt(list);
    if (!page || !mem.isMapped(list, 8)) return unmapped('PRP list lies in unmapped memory');
    for (let i = (list % PAGE_SIZE) / 8; i < ENTRIES_PER_LIST_PAGE && remaining > 0; i++) {
      const entry = readPrpEntry(page.view, i * 8);
      if (i === ENTRIES_PER_LIST_PAGE - 1 && described > PAGE_SIZE) {
        if (entry % 8 !== 0) return offsetInvalid('chained PRP list pointer is not qword aligned');
        list = entry;
        break;
      }
      if (entry % PAGE_SIZE !== 0) return offsetInvalid('a PRP list entry carries an offset');
      const n = Math.min(remaining, PAGE_SIZE);
      if (!mem.isMapped(entry, n)) return unmapped('a PRP list entry points at unmapped memory');
      segments.push(entry, n);
      remaining -= n;
      described -= PAGE_SIZE;
    }
  }
  return { ok: true, segments, length };
}

/** Copy `data` (exactly the walked length) to the segments. Call only with a successful walk. */
export function dmaToHost(mem: HostMemory, segments: readonly number[], data: Uint8Array): void {
  let at = 0;
  for (let i = 0; i < segments.length; i += 2) {
    mem.dmaWrite(segments[i], data, at, segments[i + 1]);
    at += segments[i + 1];
  }
}

/** Gather the segments into one buffer of the walked length. Call only with a successful walk. */
export function dmaFromHost(mem: HostMemory, segments: readonly number[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = 0; i < segments.length; i += 2) {
    mem.dmaRead(segments[i], segments[i + 1], out, at);
    at += segments[i + 1];
  }
  return out;
}
