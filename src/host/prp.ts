// DMA buffers in host memory and the PRP entries that describe them (NVMe
// Base, "Physical Region Page Entry and List"). The driver always uses
// page-aligned buffers, so PRP1 carries no offset:
//   transfer <= 1 page : PRP1 = page 0, PRP2 = 0
//   transfer <= 2 pages: PRP1 = page 0, PRP2 = page 1
//   larger             : PRP1 = page 0, PRP2 = pointer to a PRP list of pages 1..n-1
// A list page holds 512 8-byte entries; when more pages remain, its last
// entry points to the next list page instead of to data.
import { PAGE_SIZE } from '../wire/page.ts';
import type { HostDevice } from './device.ts';

export const PRP_ENTRIES_PER_PAGE = PAGE_SIZE / 8;

export interface Prps {
  prp1: bigint;
  prp2: bigint;
}

export class DmaBuffer {
  private readonly listPages: bigint[] = [];
  private freed = false;

  private constructor(
    private readonly device: HostDevice,
    /** address of page 0; data pages are contiguous */
    readonly base: bigint,
    /** capacity in bytes */
    readonly bytes: number,
  ) {}

  static async allocate(device: HostDevice, bytes: number): Promise<DmaBuffer> {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`a DMA buffer needs a positive byte count, got ${bytes}`);
    return new DmaBuffer(device, await device.alloc(bytes), bytes);
  }

  get pageCount(): number {
    return Math.ceil(this.bytes / PAGE_SIZE);
  }

  pageAddress(i: number): bigint {
    return this.base + BigInt(i * PAGE_SIZE);
  }

  /** PRP1/PRP2 for a transfer of the first `length` bytes; writes PRP list pages when needed. */
  async prps(length: number = this.bytes): Promise<Prps> {
    this.assertLive();
    if (length < 0 || length > this.bytes) throw new RangeError(`a ${length}-byte transfer does not fit this ${this.bytes}-byte buffer`);
    const pages = Math.max(1, Math.ceil(length / PAGE_SIZE));
    const prp1 = this.pageAddress(0);
    if (pages === 1) return { prp1, prp2: 0n };
    if (pages === 2) return { prp1, prp2: this.pageAddress(1) };
    const rest = Array.from({ length: pages - 1 }, (_, i) => this.pageAddress(i + 1));
    return { prp1, prp2: await this.writeList(rest) };
  }

  /** Write a chain of PRP list pages for `entries`; returns the address of the first. */
  private async writeList(entries: bigint[]): Promise<bigint> {
    const lists: bigint[] = [];
    const chunks: bigint[][] = [];
    let i = 0;
    while (i < entries.length) {
      const remaining = entries.length - i;
      const take = remaining <= PRP_ENTRIES_PER_PAGE ? remaining : PRP_ENTRIES_PER_PAGE - 1;
      chunks.push(entries.slice(i, i + take));
      i += take;
    }
    for (let c = 0; c < chunks.length; c++) lists.push(await this.device.alloc(PAGE_SIZE));
    this.listPages.push(...lists);
    for (let c = 0; c < chunks.length; c++) {
      const page = new Uint8Array(PAGE_SIZE);
      const view = new DataView(page.buffer);
      chunks[c].forEach((addr, k) => view.setBigUint64(k * 8, addr, true));
      if (c + 1 < chunks.length) view.setBigUint64((PRP_ENTRIES_PER_PAGE - 1) * 8, lists[c + 1], true);
      await this.device.write(lists[c], page);
    }
    return lists[0];
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.assertLive();
    this.assertRange(offset, length);
    return this.device.read(this.base + BigInt(offset), length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.assertLive();
    this.assertRange(offset, data.length);
    await this.device.write(this.base + BigInt(offset), data);
  }

  /** Release the data pages and any PRP list pages. Safe to call twice. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.device.free(this.base);
    for (const p of this.listPages) this.device.free(p);
    this.listPages.length = 0;
  }

  get isFreed(): boolean {
    return this.freed;
  }

  private assertLive(): void {
    if (this.freed) throw new RangeError('DMA buffer used after free; this is a driver bug');
  }

  private assertRange(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes) {
      throw new RangeError(`bytes ${offset}..${offset + length} are outside this ${this.bytes}-byte buffer`);
    }
  }
}
