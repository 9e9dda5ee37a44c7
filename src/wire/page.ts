// The memory page: the unit the PRP rules, queue bases and host memory speak
// in. Every controller here is enabled with CC.MPS = 0 (a page is
// 2^(12 + MPS) bytes), so the page is fixed at 4 KiB. Its own file, not
// registers.ts, because PRP walkers and host memory need the page size and
// nothing of the register map.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** Clears a 64-bit address's offset bits (ASQ/ACQ bits 11:0 are reserved: queue bases are page aligned). */
export const PAGE_MASK = ~BigInt(PAGE_SIZE - 1);
