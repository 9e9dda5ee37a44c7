// A HostDevice that hands every call to the device under it: the base of the
// fault injectors and recorders that sit between the driver and a device and
// change one thing. The optional calls (posted commands) are left out on
// purpose: the driver polls when a device lacks them, so a wrapper offers
// them only where it says what they do.
import type { Cqe } from '../wire/cqe.ts';
import type { HostDevice, PciId, ResetListener } from './device.ts';

export class ForwardingDevice<D extends HostDevice = HostDevice> implements HostDevice {
  constructor(readonly inner: D) {}

  pciId(): PciId | Promise<PciId> {
    return this.inner.pciId();
  }

  adminCommand(sqe: Uint8Array): Promise<Cqe | null> {
    return this.inner.adminCommand(sqe);
  }

  alloc(bytes: number): Promise<bigint> {
    return this.inner.alloc(bytes);
  }

  free(addr: bigint): void {
    this.inner.free(addr);
  }

  read(addr: bigint, len: number): Promise<Uint8Array> {
    return this.inner.read(addr, len);
  }

  write(addr: bigint, data: Uint8Array): Promise<void> {
    return this.inner.write(addr, data);
  }

  onReset(listener: ResetListener): () => void {
    return this.inner.onReset(listener);
  }
}
