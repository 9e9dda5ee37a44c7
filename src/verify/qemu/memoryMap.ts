// Guest-physical memory as the QEMU target sees it: plain RAM from 0 to the
// top of guest memory, except the legacy ROM hole, and a range at the very top
// that the target reserves for its own PF admin queue and data buffer. Tests
// put their queues and PRP buffers anywhere else in RAM.
import { GUEST_MEMORY_MIB } from './qemuArgs.ts';

export const GUEST_MEMORY_BYTES = BigInt(GUEST_MEMORY_MIB) << 20n;

/** The target's private range: the top 64 KiB of guest memory. */
const RESERVED_BYTES = 0x1_0000n;
export const RESERVED_BASE = GUEST_MEMORY_BYTES - RESERVED_BYTES;

/** Target-private PF admin queue (16 entries each) and a 4 KiB buffer for Identify data. */
export const PRIVATE_ADMIN_ENTRIES = 16;
export const PRIVATE_ASQ = RESERVED_BASE;
export const PRIVATE_ACQ = RESERVED_BASE + 0x1000n;
export const PRIVATE_BUFFER = RESERVED_BASE + 0x2000n;

/** On q35 0xc0000-0xfffff is option/BIOS ROM: writes there are silently dropped (measured). */
const ROM_HOLE_BASE = 0xc_0000n;
const ROM_HOLE_END = 0x10_0000n;

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/** Throw a helpful error unless [addr, addr + len) is plain RAM the tester may use. */
export function checkTesterRange(addr: bigint, len: number): void {
  const end = addr + BigInt(len);
  if (addr < 0n || len < 0) throw new RangeError(`memory range ${hex(addr)} + ${len} is negative`);
  if (end > RESERVED_BASE) {
    throw new RangeError(
      `memory ${hex(addr)}..${hex(end)} reaches into ${hex(RESERVED_BASE)}..${hex(GUEST_MEMORY_BYTES)}, ` +
        `which the QEMU target reserves for its own PF admin queue: place queues and buffers below ${hex(RESERVED_BASE)}`,
    );
  }
  if (addr < ROM_HOLE_END && end > ROM_HOLE_BASE) {
    throw new RangeError(
      `memory ${hex(addr)}..${hex(end)} overlaps the ROM hole ${hex(ROM_HOLE_BASE)}..${hex(ROM_HOLE_END)} ` +
        `where QEMU drops writes: place queues and buffers below ${hex(ROM_HOLE_BASE)} or from ${hex(ROM_HOLE_END)} on`,
    );
  }
}
