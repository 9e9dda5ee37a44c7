// Host data buffers for one command: pages from the host's pool, the data
// laid out from PRP1's offset, and PRP2 as NVMe wants it (none, the second
// page, or a PRP list when more than two pages).
import type { FuzzHost } from './host.ts';
import { PAGE_SIZE } from '../wire/page.ts';

interface HostBuffer {
  /** every page the command holds (data pages, then the list page if any) */
  pages: number[];
  /** the data pages in transfer order */
  data: number[];
  offset: number;
  prp1: number;
  /** PRP2 as a well-formed host would set it */
  prp2: number;
}

/** Pages for `len` bytes starting at `offset` (dword aligned) in the first page; `fill` the data pages with a byte, or leave them. */
export function takeBuffer(host: FuzzHost, offset: number, len: number, fill?: number): HostBuffer {
  const n = Math.max(1, Math.ceil((offset + Math.max(len, 1)) / PAGE_SIZE));
  return takePages(host, n, offset, fill);
}

/** `n` data pages (plus a list page when n > 2), PRP1 at `offset`. */
export function takePages(host: FuzzHost, n: number, offset: number, fill?: number): HostBuffer {
  const pages = host.take(n + (n > 2 ? 1 : 0));
  const data = pages.slice(0, n);
  if (fill !== undefined) for (const p of data) host.watch.write(p, new Uint8Array(PAGE_SIZE).fill(fill));
  let prp2 = 0;
  if (n === 2) prp2 = data[1];
  if (n > 2) {
    const list = pages[n];
    const entries = new Uint8Array(PAGE_SIZE);
    const v = new DataView(entries.buffer);
    data.slice(1).forEach((p, i) => {
      v.setUint32(i * 8, p % 0x1_0000_0000, true);
      v.setUint32(i * 8 + 4, Math.floor(p / 0x1_0000_0000), true);
    });
    host.watch.write(list, entries);
    prp2 = list;
  }
  return { pages, data, offset, prp1: data[0] + offset, prp2 };
}

/** Place `bytes` into the buffer as the PRPs describe it. */
export function writeBuffer(host: FuzzHost, b: HostBuffer, bytes: Uint8Array): void {
  let at = 0;
  for (let i = 0; i < b.data.length && at < bytes.length; i++) {
    const from = i === 0 ? b.offset : 0;
    const n = Math.min(bytes.length - at, PAGE_SIZE - from);
    host.watch.write(b.data[i] + from, bytes.subarray(at, at + n));
    at += n;
  }
}

/** Set PRP1 (bytes 31:24) and PRP2 (bytes 39:32) of an SQE. */
export function setPrps(sqe: Uint8Array, prp1: number, prp2: number): void {
  const v = new DataView(sqe.buffer, sqe.byteOffset, sqe.byteLength);
  v.setUint32(24, prp1 % 0x1_0000_0000, true);
  v.setUint32(28, Math.floor(prp1 / 0x1_0000_0000), true);
  v.setUint32(32, prp2 % 0x1_0000_0000, true);
  v.setUint32(36, Math.floor(prp2 / 0x1_0000_0000), true);
}

/** Read `len` bytes laid out as the host placed them: from `offset` in the first page, then page by page. */
export function readBuffer(host: FuzzHost, b: { pages: number[]; offset: number }, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let at = 0;
  for (let i = 0; i < b.pages.length && at < len; i++) {
    const from = i === 0 ? b.offset : 0;
    const n = Math.min(len - at, PAGE_SIZE - from);
    out.set(host.watch.read(b.pages[i] + from, n), at);
    at += n;
  }
  return out;
}
