// A shadow copy of host memory, to prove what a device action wrote: the
// host changes memory only through this class (so the shadow follows), and
// after each device action every byte that differs from the shadow must lie
// in the ranges the action was allowed to write (its commands' PRP buffers
// and the CQ slots of the completions reaped). Then the shadow catches up.
import type { HostMemory } from '../emulator/hostMemory.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import { inRanges } from './prpRanges.ts';

interface ShadowPage {
  live: Buffer;
  copy: Buffer;
  /** the same bytes as 32-bit words: changed pages are scanned a word at a time */
  liveWords: Uint32Array;
  copyWords: Uint32Array;
}

const WORDS = PAGE_SIZE / 4;

function shadowOf(bytes: Uint8Array): ShadowPage {
  const copy = Buffer.alloc(PAGE_SIZE);
  copy.set(bytes);
  return {
    live: Buffer.from(bytes.buffer, bytes.byteOffset, PAGE_SIZE),
    copy,
    liveWords: new Uint32Array(bytes.buffer, bytes.byteOffset, WORDS),
    copyWords: new Uint32Array(copy.buffer, copy.byteOffset, WORDS),
  };
}

export class MemoryWatch {
  private pages = new Map<number, ShadowPage>();

  constructor(readonly memory: HostMemory) {}

  /** Map pages the host will use (zero-filled where new). */
  map(addr: number, len: number): void {
    this.memory.map(addr, len);
    for (let p = Math.floor(addr / PAGE_SIZE); p <= Math.floor((addr + len - 1) / PAGE_SIZE); p++) {
      if (this.pages.has(p)) continue;
      this.pages.set(p, shadowOf(this.memory.pageAt(p * PAGE_SIZE)!.bytes));
    }
  }

  /** A host write (memory and shadow alike). */
  write(addr: number, data: Uint8Array): void {
    this.memory.write(addr, data);
    this.resync(addr, data.length);
  }

  /** Host read of the memory as it is now. */
  read(addr: number, len: number): Uint8Array {
    return this.memory.read(addr, len);
  }

  /** An 8-byte entry as it was before the current device action (PRP lists are read from here). */
  entryBefore(addr: number): number | undefined {
    const s = this.pages.get(Math.floor(addr / PAGE_SIZE));
    if (!s) return undefined;
    const o = addr % PAGE_SIZE;
    return s.copy.readUInt32LE(o + 4) * 0x1_0000_0000 + s.copy.readUInt32LE(o);
  }

  isMapped(addr: number): boolean {
    return this.pages.has(Math.floor(addr / PAGE_SIZE));
  }

  /**
   * After a device action: undefined when every changed byte lies in
   * `allowed` ([start, end) pairs), else a description of the first stray
   * write. The shadow is brought up to date either way.
   */
  check(allowed: readonly number[]): string | undefined {
    let stray: string | undefined;
    if (this.memory.pageCount !== this.pages.size) stray = `the device made host memory pages exist (${this.memory.pageCount} pages, the host mapped ${this.pages.size})`;
    for (const [p, s] of this.pages) {
      if (s.live.equals(s.copy)) continue;
      if (stray === undefined) stray = this.strayIn(p, s, allowed);
      s.live.copy(s.copy);
    }
    return stray;
  }

  /** The first changed byte of page `p` outside `allowed`, described; undefined if there is none. */
  private strayIn(p: number, s: ShadowPage, allowed: readonly number[]): string | undefined {
    const base = p * PAGE_SIZE;
    for (let w = 0; w < WORDS; w++) {
      if (s.liveWords[w] === s.copyWords[w]) continue;
      for (let i = w * 4; i < w * 4 + 4; i++) {
        if (s.live[i] === s.copy[i] || inRanges(allowed, base + i, base + i + 1)) continue;
        let end = i;
        while (end < PAGE_SIZE && s.live[end] !== s.copy[end] && !inRanges(allowed, base + end, base + end + 1)) end++;
        return `the device wrote host memory 0x${(base + i).toString(16)}..0x${(base + end - 1).toString(16)} (${end - i} bytes), outside every PRP buffer and CQ slot of the commands it completed`;
      }
    }
    return undefined;
  }

  private resync(addr: number, len: number): void {
    for (let p = Math.floor(addr / PAGE_SIZE); p <= Math.floor((addr + len - 1) / PAGE_SIZE); p++) {
      const s = this.pages.get(p);
      if (s) s.live.copy(s.copy);
      else this.map(p * PAGE_SIZE, PAGE_SIZE);
    }
  }
}
