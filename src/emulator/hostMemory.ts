// Sparse host (guest-physical) memory in 4 KiB pages. A page exists once the
// host writes or maps it; device DMA touches only pages that exist, so a PRP
// into unmapped memory is a Data Transfer Error instead of silently reading
// zeros. Addresses are numbers internally (exact below 2^53); the API also
// takes bigints because 64-bit PRPs and register values are bigints.

import { PAGE_SIZE } from '../wire/page.ts';
export { PAGE_SHIFT, PAGE_SIZE } from '../wire/page.ts';

export type Address = bigint | number;

/** One page: its bytes and a DataView over them, created once per page. */
export interface Page {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

function newPage(): Page {
  const bytes = new Uint8Array(PAGE_SIZE);
  return { bytes, view: new DataView(bytes.buffer) };
}

/**
 * Pages that more than one memory holds (a snapshot and the memory it was
 * taken from or restored into): copied on their first write. A restore then
 * copies only the pages the next steps write, not every page (the runner
 * restores a snapshot at every branch of its trie). So a Page handed out
 * (pageAt) is this memory's only until the next clone() or restoreFrom():
 * hold none across one (a MemoryWatch watches a memory nobody snapshots).
 */
const shared = new WeakSet<Page>();

/** Convert an address to a number; throws with a helpful message if it is not a usable address. */
export function toAddress(addr: Address, what = 'address'): number {
  const n = typeof addr === 'bigint' ? Number(addr) : addr;
  if (typeof addr === 'bigint' ? addr < 0n || addr > BigInt(Number.MAX_SAFE_INTEGER) : !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} ${addr} is outside host memory: use an address in [0, 2^53)`);
  }
  return n;
}

export class HostMemory {
  private pages = new Map<number, Page>();
  /**
   * Pages this memory held alone and a restore dropped: the next copies on
   * write reuse them instead of allocating (a restore drops every page the
   * steps since wrote, at each of the runner's branches; allocating their
   * copies anew was most of the emulator's garbage).
   */
  private readonly spare: Page[] = [];
  /** every page here is in `shared` (a snapshot's, or a memory just restored): a restore from it copies the map and marks nothing */
  private sharedOnly = true;

  /** Number of pages that exist. */
  get pageCount(): number {
    return this.pages.size;
  }

  /** Make [addr, addr+len) exist (zero-filled where new), without writing. */
  map(addr: Address, len: number): void {
    const a = toAddress(addr);
    if (len <= 0) return;
    for (let p = Math.floor(a / PAGE_SIZE); p <= Math.floor((a + len - 1) / PAGE_SIZE); p++) {
      if (!this.pages.has(p)) {
        this.pages.set(p, newPage());
        this.sharedOnly = false;
      }
    }
  }

  /** Host write: creates the pages it touches. */
  write(addr: Address, data: Uint8Array): void {
    const a = toAddress(addr);
    const off = a % PAGE_SIZE;
    if (off + data.length <= PAGE_SIZE) {
      // Fast path: one page (queue entries never cross one).
      const page = this.writable(Math.floor(a / PAGE_SIZE));
      if (page) {
        page.bytes.set(data, off);
        return;
      }
    }
    this.map(a, data.length);
    this.copyIn(a, data, 0, data.length);
  }

  /** Host read: pages that do not exist read as zeros (the read creates nothing). */
  read(addr: Address, len: number): Uint8Array {
    const a = toAddress(addr);
    const off0 = a % PAGE_SIZE;
    if (off0 + len <= PAGE_SIZE) {
      const page = this.pages.get(Math.floor(a / PAGE_SIZE));
      if (page) return page.bytes.slice(off0, off0 + len);
    }
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = a + done;
      const off = at % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      const page = this.pages.get(Math.floor(at / PAGE_SIZE));
      if (page) out.set(page.bytes.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** True when every byte of [addr, addr+len) lies in an existing page. */
  isMapped(addr: number, len: number): boolean {
    if (len <= 0) return true;
    if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isSafeInteger(addr + len)) return false;
    for (let p = Math.floor(addr / PAGE_SIZE); p <= Math.floor((addr + len - 1) / PAGE_SIZE); p++) {
      if (!this.pages.has(p)) return false;
    }
    return true;
  }

  /** The page holding `addr`, or undefined if it does not exist (hot path: queue entries never cross a page). For reading only: writers take writablePageAt. */
  pageAt(addr: number): Page | undefined {
    return this.pages.get(Math.floor(addr / PAGE_SIZE));
  }

  /** pageAt for a caller that writes the page's bytes (a page shared with a snapshot is copied first). */
  writablePageAt(addr: number): Page | undefined {
    return this.writable(Math.floor(addr / PAGE_SIZE));
  }

  private writable(n: number): Page | undefined {
    const page = this.pages.get(n);
    if (page === undefined || !shared.has(page)) return page;
    const own = this.spare.pop() ?? newPage();
    own.bytes.set(page.bytes);
    this.pages.set(n, own);
    this.sharedOnly = false;
    return own;
  }

  /** Device read into `into[at..]`; false (and nothing copied) if any byte is unmapped. */
  dmaRead(addr: number, len: number, into: Uint8Array, at: number): boolean {
    if (!this.isMapped(addr, len)) return false;
    let done = 0;
    while (done < len) {
      const x = addr + done;
      const off = x % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      into.set(this.pages.get(Math.floor(x / PAGE_SIZE))!.bytes.subarray(off, off + n), at + done);
      done += n;
    }
    return true;
  }

  /** Device write from `from[at..at+len)`; false (and nothing written) if any byte is unmapped. */
  dmaWrite(addr: number, from: Uint8Array, at: number, len: number): boolean {
    if (!this.isMapped(addr, len)) return false;
    this.copyIn(addr, from, at, len);
    return true;
  }

  private copyIn(addr: number, from: Uint8Array, at: number, len: number): void {
    let done = 0;
    while (done < len) {
      const x = addr + done;
      const off = x % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      this.writable(Math.floor(x / PAGE_SIZE))!.bytes.set(from.subarray(at + done, at + done + n), off);
      done += n;
    }
  }

  /** Page numbers that exist, ascending. */
  pageNumbers(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /** An independent copy (for snapshots and for a migration destination's copy of guest memory). */
  clone(): HostMemory {
    const m = new HostMemory();
    this.share();
    m.pages = new Map(this.pages);
    return m;
  }

  /** Mark every page of this memory as held by more than one. */
  private share(): void {
    if (this.sharedOnly) return;
    for (const p of this.pages.values()) shared.add(p);
    this.sharedOnly = true;
  }

  /** Make this memory equal to `other` in place, so holders of this object see the restored contents. */
  restoreFrom(other: HostMemory): void {
    if (other === this) return;
    if (!this.sharedOnly) for (const p of this.pages.values()) if (!shared.has(p)) this.spare.push(p);
    other.share();
    this.pages = new Map(other.pages);
    this.sharedOnly = true;
  }
}
