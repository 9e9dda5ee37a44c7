// First-fit allocator of whole pages inside a memory region the host owns.
// Migrations allocate and free buffers repeatedly, so it must reuse space.
import { PAGE_SIZE } from '../wire/page.ts';
import { HostError } from './errors.ts';

interface Block {
  start: bigint;
  pages: number;
}

export class PageAllocator {
  /** free blocks, sorted by address, never adjacent (merged on free) */
  private free_: Block[];
  private readonly used = new Map<bigint, number>();

  constructor(
    readonly base: bigint,
    readonly bytes: number,
  ) {
    if (base % BigInt(PAGE_SIZE) !== 0n) throw new RangeError(`memory region base 0x${base.toString(16)} must be ${PAGE_SIZE}-byte aligned`);
    if (bytes < PAGE_SIZE) throw new RangeError(`memory region of ${bytes} bytes is smaller than one ${PAGE_SIZE}-byte page`);
    this.free_ = [{ start: base, pages: Math.floor(bytes / PAGE_SIZE) }];
  }

  alloc(bytes: number): bigint {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`cannot allocate ${bytes} bytes; ask for a positive whole number`);
    const pages = Math.ceil(bytes / PAGE_SIZE);
    const i = this.free_.findIndex((b) => b.pages >= pages);
    if (i < 0) {
      throw new HostError(
        'ENOMEM',
        `host memory region exhausted: ${bytes} bytes requested, ${this.freeBytes()} free in ${this.bytes}; give the device a larger region`,
      );
    }
    const block = this.free_[i];
    const start = block.start;
    if (block.pages === pages) this.free_.splice(i, 1);
    else this.free_[i] = { start: start + BigInt(pages * PAGE_SIZE), pages: block.pages - pages };
    this.used.set(start, pages);
    return start;
  }

  free(addr: bigint): void {
    const pages = this.used.get(addr);
    if (pages === undefined) throw new RangeError(`0x${addr.toString(16)} was not returned by alloc (or was freed already)`);
    this.used.delete(addr);
    let i = this.free_.findIndex((b) => b.start > addr);
    if (i < 0) i = this.free_.length;
    this.free_.splice(i, 0, { start: addr, pages });
    // merge with the neighbours so large buffers fit again
    const end = (b: Block) => b.start + BigInt(b.pages * PAGE_SIZE);
    if (i + 1 < this.free_.length && end(this.free_[i]) === this.free_[i + 1].start) {
      this.free_[i].pages += this.free_[i + 1].pages;
      this.free_.splice(i + 1, 1);
    }
    if (i > 0 && end(this.free_[i - 1]) === this.free_[i].start) {
      this.free_[i - 1].pages += this.free_[i].pages;
      this.free_.splice(i, 1);
    }
  }

  freeBytes(): number {
    return this.free_.reduce((n, b) => n + b.pages * PAGE_SIZE, 0);
  }

  /** Number of live allocations (tests use it to prove buffers are released). */
  liveAllocations(): number {
    return this.used.size;
  }
}
