// The device the host driver talks to: the PF's admin queue, host memory for
// PRP buffers, and reset notifications. The driver sees nothing else of the
// hardware, so the same driver runs over the emulator, a scripted fake, or a
// register-level target (registerDevice.ts).
import type { Cqe } from '../wire/cqe.ts';


export interface PciId {
  vendor: number;
  device: number;
}

/**
 * A reset the driver must react to (D13, D18). `vfId` is the kernel's 0-based
 * VF id: the NVMe VF index and the emulator's function number are vfId + 1.
 */
export type ResetNotice = { kind: 'vf'; vfId: number } | { kind: 'pf' };

export type ResetListener = (notice: ResetNotice) => void;

export interface HostDevice {
  /** PCI vendor/device ID of the PF. */
  pciId(): PciId | Promise<PciId>;
  /**
   * Submit one 64-byte SQE on the PF's admin queue and wait for its
   * completion; null when none arrives within the device's timeout.
   */
  adminCommand(sqe: Uint8Array): Promise<Cqe | null>;
  /**
   * Submit one SQE on the PF's admin queue without waiting: a command the
   * controller holds until something happens (an Asynchronous Event Request,
   * D33). Absent where the device cannot; the driver then polls instead.
   */
  postAdminCommand?(sqe: Uint8Array): Promise<void>;
  /** The completion of a posted command with CID `cid` once the controller posted it; undefined until then (and after a PF reset dropped it). */
  postedCompletion?(cid: number): Promise<Cqe | undefined>;
  /**
   * Allocate page-aligned, zeroed host memory for DMA (zeroed so the pages
   * exist for the device and no stale data leaks into a transfer); throws
   * HostError ENOMEM when the region is exhausted.
   */
  alloc(bytes: number): Promise<bigint>;
  /** Return memory from `alloc`. */
  free(addr: bigint): void;
  read(addr: bigint, len: number): Promise<Uint8Array>;
  write(addr: bigint, data: Uint8Array): Promise<void>;
  /** Subscribe to VF and PF resets (the AER reset_done notification); returns the unsubscribe function. */
  onReset(listener: ResetListener): () => void;
}

/** Formats a PCI ID the way lspci does: 8086:4c4d. */
export function formatPciId(id: PciId): string {
  const h = (n: number) => n.toString(16).padStart(4, '0');
  return `${h(id.vendor)}:${h(id.device)}`;
}
