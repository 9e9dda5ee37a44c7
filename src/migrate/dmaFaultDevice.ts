// A HostDevice that can hand the driver one buffer the device cannot reach:
// the DMA-failure fault. Real hardware sees this when the IOMMU mapping of a
// buffer is missing; here the buffer lies in a window of guest-physical
// address space no page ever backs, host writes to it are lost, and the
// device's PRP walk finds unmapped memory (Data Transfer Error, D7).
import type { Cqe } from '../wire/cqe.ts';
import { PAGE_MASK, PAGE_SIZE } from '../wire/page.ts';
import { ForwardingDevice } from '../host/forwardingDevice.ts';

/** Far above the driver's region and every guest's memory; nothing maps it. */
const UNMAPPED_WINDOW = 0x7_0000_0000n;
const WINDOW_BYTES = 0x1000_0000n;

export class DmaFaultDevice extends ForwardingDevice {
  private armed = false;
  private holes = new Set<bigint>();
  private nextHole = UNMAPPED_WINDOW;
  /** how many buffers were handed out unmapped */
  unmappedBuffers = 0;

  /** The next allocation returns a buffer the device cannot reach. */
  armUnmappedBuffer(): void {
    this.armed = true;
  }

  async postAdminCommand(sqe: Uint8Array): Promise<void> {
    if (!this.inner.postAdminCommand) throw new Error('the device under the DMA fault cannot post commands');
    await this.inner.postAdminCommand(sqe);
  }

  async postedCompletion(cid: number): Promise<Cqe | undefined> {
    return this.inner.postedCompletion?.(cid);
  }

  override async alloc(bytes: number): Promise<bigint> {
    if (!this.armed) return this.inner.alloc(bytes);
    this.armed = false;
    const at = this.nextHole;
    this.nextHole += (BigInt(bytes) + BigInt(PAGE_SIZE - 1)) & PAGE_MASK;
    if (this.nextHole > UNMAPPED_WINDOW + WINDOW_BYTES) throw new RangeError('the unmapped window is used up; inject fewer DMA faults in one run');
    this.holes.add(at);
    this.unmappedBuffers++;
    return at;
  }

  override free(addr: bigint): void {
    if (this.holes.delete(addr)) return;
    this.inner.free(addr);
  }

  override async read(addr: bigint, len: number): Promise<Uint8Array> {
    return this.inWindow(addr) ? new Uint8Array(len) : this.inner.read(addr, len);
  }

  override async write(addr: bigint, data: Uint8Array): Promise<void> {
    if (!this.inWindow(addr)) await this.inner.write(addr, data);
  }

  private inWindow(addr: bigint): boolean {
    return addr >= UNMAPPED_WINDOW && addr < UNMAPPED_WINDOW + WINDOW_BYTES;
  }
}
