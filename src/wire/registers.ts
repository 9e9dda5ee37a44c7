// Controller registers in BAR0 (NVMe Base, "Controller Registers").

export const REG = {
  CAP: 0x00,
  VS: 0x08,
  INTMS: 0x0c,
  INTMC: 0x10,
  CC: 0x14,
  CSTS: 0x1c,
  NSSR: 0x20,
  AQA: 0x24,
  ASQ: 0x28,
  ACQ: 0x30,
} as const;

export const DOORBELL_BASE = 0x1000;
export const BAR0_SIZE = 0x4000;

/** Bit fields of CAP, CC, CSTS and AQA as [hi, lo]. */
export const CAP_FIELDS = { MQES: [15, 0], CQR: [16, 16], TO: [31, 24], DSTRD: [35, 32], CSS: [44, 37], MPSMIN: [51, 48], MPSMAX: [55, 52] } as const;
export const CC_FIELDS = { EN: [0, 0], CSS: [6, 4], MPS: [10, 7], AMS: [13, 11], SHN: [15, 14], IOSQES: [19, 16], IOCQES: [23, 20] } as const;
export const CSTS_FIELDS = { RDY: [0, 0], CFS: [1, 1], SHST: [3, 2] } as const;
export const AQA_FIELDS = { ASQS: [11, 0], ACQS: [27, 16] } as const;

export function bitsOf(value: bigint, [hi, lo]: readonly [number, number]): number {
  return Number((value >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
}

export function withBits(value: bigint, [hi, lo]: readonly [number, number], field: number): bigint {
  const mask = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (value & ~mask) | ((BigInt(field) << BigInt(lo)) & mask);
}

/** SQ y tail doorbell offset. */
export function sqTailDoorbell(qid: number, dstrd = 0): number {
  return DOORBELL_BASE + 2 * qid * (4 << dstrd);
}

/** CQ y head doorbell offset. */
export function cqHeadDoorbell(qid: number, dstrd = 0): number {
  return DOORBELL_BASE + (2 * qid + 1) * (4 << dstrd);
}

/** Which queue a doorbell offset belongs to, or undefined if it is not a doorbell. */
export function decodeDoorbell(offset: number, dstrd = 0): { kind: 'sq' | 'cq'; qid: number } | undefined {
  if (offset < DOORBELL_BASE || offset >= BAR0_SIZE) return undefined;
  const stride = 4 << dstrd;
  const rel = offset - DOORBELL_BASE;
  if (rel % stride !== 0) return undefined;
  const n = rel / stride;
  return { kind: n % 2 === 0 ? 'sq' : 'cq', qid: Math.floor(n / 2) };
}

/** CC value for an enabled controller with 64-byte SQEs and 16-byte CQEs, 4 KiB pages. */
export const CC_ENABLE = 0x460001n;
