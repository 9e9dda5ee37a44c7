// The BAR0 register file of one function (NVMe Base, "Controller
// Registers"): values and read decoding. Side effects of writes (CC.EN,
// doorbells) belong to the controller; this file only stores and reports.
import { AQA_FIELDS, BAR0_SIZE, CAP_FIELDS, CC_FIELDS, CSTS_FIELDS, REG, withBits } from '../wire/registers.ts';

/** Largest queue: MQES is zero-based, so 1024 entries. */
export const MQES = 1023;
export const MAX_QUEUE_ENTRIES = MQES + 1;
/** The admin queue may hold up to 4096 entries whatever MQES says (AQA is 12 bits). */
export const MAX_ADMIN_QUEUE_ENTRIES = 4096;

/**
 * CAP: MQES 1023, CQR 1 (queues must be physically contiguous), TO 20
 * (10 s), DSTRD 0, CSS bit 0 (NVM command set), MPSMIN = MPSMAX = 0 (4 KiB).
 */
export const CAP_VALUE: bigint = [
  [CAP_FIELDS.MQES, MQES],
  [CAP_FIELDS.CQR, 1],
  [CAP_FIELDS.TO, 20],
  [CAP_FIELDS.DSTRD, 0],
  [CAP_FIELDS.CSS, 1],
  [CAP_FIELDS.MPSMIN, 0],
  [CAP_FIELDS.MPSMAX, 0],
].reduce<bigint>((v, [f, x]) => withBits(v, f as readonly [number, number], x as number), 0n);

/** NVMe 1.4.0 */
export const VS_VALUE = 0x00010400;

/** Bit positions used by the controller, from the wire tables. */
export const CC_EN = 1 << CC_FIELDS.EN[1];
export const CC_SHN_SHIFT = CC_FIELDS.SHN[1];
export const CC_MPS_SHIFT = CC_FIELDS.MPS[1];
export const CSTS_RDY = 1 << CSTS_FIELDS.RDY[1];
export const CSTS_CFS = 1 << CSTS_FIELDS.CFS[1];
export const CSTS_SHST_SHIFT = CSTS_FIELDS.SHST[1];
export const CSTS_SHST_COMPLETE = 2 << CSTS_SHST_SHIFT;
export const AQA_ASQS_MASK = 2 ** (AQA_FIELDS.ASQS[0] - AQA_FIELDS.ASQS[1] + 1) - 1;
export const AQA_ACQS_SHIFT = AQA_FIELDS.ACQS[1];

export class RegisterFile {
  cc = 0;
  csts = 0;
  aqa = 0;
  intms = 0;
  /** 64-bit registers as numbers (bits 11:0 are reserved; bases are page aligned) */
  asq = 0;
  acq = 0;

  clone(): RegisterFile {
    const r = new RegisterFile();
    r.cc = this.cc;
    r.csts = this.csts;
    r.aqa = this.aqa;
    r.intms = this.intms;
    r.asq = this.asq;
    r.acq = this.acq;
    return r;
  }

  /** Admin SQ entries (AQA.ASQS is zero-based). */
  get adminSqEntries(): number {
    return (this.aqa & AQA_ASQS_MASK) + 1;
  }

  get adminCqEntries(): number {
    return ((this.aqa >>> AQA_ACQS_SHIFT) & AQA_ASQS_MASK) + 1;
  }
}

const TWO_32 = 0x1_0000_0000;

function half(v: number, high: boolean): bigint {
  return BigInt(high ? Math.floor(v / TWO_32) : v % TWO_32);
}

/** Value a read of `width` bytes at `offset` returns; undefined when the offset is not a register (reads 0). */
export function readRegister(r: RegisterFile, offset: number, width: number): bigint | undefined {
  switch (offset) {
    case REG.CAP:
      return width === 8 ? CAP_VALUE : CAP_VALUE & 0xffff_ffffn;
    case REG.CAP + 4:
      return CAP_VALUE >> 32n;
    case REG.VS:
      return BigInt(VS_VALUE);
    case REG.INTMS:
    case REG.INTMC:
      return BigInt(r.intms);
    case REG.CC:
      return BigInt(r.cc);
    case REG.CSTS:
      return BigInt(r.csts);
    case REG.NSSR:
      return 0n;
    case REG.AQA:
      return BigInt(r.aqa);
    case REG.ASQ:
      return width === 8 ? BigInt(r.asq) : half(r.asq, false);
    case REG.ASQ + 4:
      return half(r.asq, true);
    case REG.ACQ:
      return width === 8 ? BigInt(r.acq) : half(r.acq, false);
    case REG.ACQ + 4:
      return half(r.acq, true);
    default:
      return undefined;
  }
}

/** Replace the low or high dword of a 64-bit register value held as a number. */
export function withDword(old: number, high: boolean, dword: number): number {
  return high ? (dword % 2 ** 21) * TWO_32 + (old % TWO_32) : Math.floor(old / TWO_32) * TWO_32 + dword;
}

/** Check a register access and say what to do instead when it is malformed. */
export function checkAccess(fn: number, offset: number, width: number): void {
  if (width !== 4 && width !== 8) throw new RangeError(`function ${fn}: register access width ${width}: use 4 or 8 bytes`);
  if (!Number.isInteger(offset) || offset < 0 || offset + width > BAR0_SIZE || offset % 4 !== 0) {
    throw new RangeError(`function ${fn}: register offset 0x${offset.toString(16)} is not a dword inside BAR0 (0..0x${(BAR0_SIZE - 4).toString(16)})`);
  }
}
