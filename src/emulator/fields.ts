// SQE and CQE field positions, compiled once from the wire layout tables
// (architecture rule 4: offsets come from the tables, never retyped here),
// and read/written with a DataView on the hot path: numbers, no bigint.
import { fieldByName, type Layout } from '../wire/layout.ts';
import { SQE_LAYOUT } from '../wire/sqe.ts';
import { CQE_LAYOUT } from '../wire/cqe.ts';
import {
  ABORT_LAYOUT,
  CREATE_IO_CQ_LAYOUT,
  CREATE_IO_SQ_LAYOUT,
  DELETE_IO_QUEUE_LAYOUT,
  FEATURES_LAYOUT,
  IDENTIFY_LAYOUT,
  READ_WRITE_LAYOUT,
} from '../wire/adminCommands.ts';
import { LM_LAYOUTS } from '../wire/lmCommands.ts';
import { LM } from '../wire/opcodes.ts';
import { SC, SC_CMD, SCT_COMMAND_SPECIFIC, SCT_GENERIC } from '../wire/status.ts';

export interface CompiledField {
  offset: number;
  width: number;
  shift: number;
  /** mask after shifting; 0 means the whole width (avoids 2^32 arithmetic) */
  mask: number;
}

export function compile(layout: Layout, name: string): CompiledField {
  const f = fieldByName(layout, name);
  if (f.width > 8) throw new Error(`${layout.name}.${name} is ${f.width} bytes; only integer fields compile`);
  if (!f.bits) return { offset: f.offset, width: f.width, shift: 0, mask: 0 };
  const [hi, lo] = f.bits;
  return { offset: f.offset, width: f.width, shift: lo, mask: 2 ** (hi - lo + 1) - 1 };
}

/** Read a field of the entry at `base` (a number; 8-byte fields are exact below 2^53). */
export function rd(view: DataView, base: number, f: CompiledField): number {
  let v: number;
  switch (f.width) {
    case 1:
      v = view.getUint8(base + f.offset);
      break;
    case 2:
      v = view.getUint16(base + f.offset, true);
      break;
    case 4:
      v = view.getUint32(base + f.offset, true);
      break;
    default:
      v = view.getUint32(base + f.offset + 4, true) * 0x1_0000_0000 + view.getUint32(base + f.offset, true);
  }
  if (f.mask === 0) return v;
  return f.width === 8 ? Math.floor(v / 2 ** f.shift) % (f.mask + 1) : ((v >>> f.shift) & f.mask) >>> 0;
}

/** Common SQE fields. */
export const SQE = {
  opc: compile(SQE_LAYOUT, 'opc'),
  fuse: compile(SQE_LAYOUT, 'fuse'),
  psdt: compile(SQE_LAYOUT, 'psdt'),
  cid: compile(SQE_LAYOUT, 'cid'),
  nsid: compile(SQE_LAYOUT, 'nsid'),
  prp1: compile(SQE_LAYOUT, 'prp1'),
  prp2: compile(SQE_LAYOUT, 'prp2'),
};

export const IDENTIFY = { cns: compile(IDENTIFY_LAYOUT, 'cns') };
export const CREATE_CQ = {
  qid: compile(CREATE_IO_CQ_LAYOUT, 'qid'),
  qsize: compile(CREATE_IO_CQ_LAYOUT, 'qsize'),
  pc: compile(CREATE_IO_CQ_LAYOUT, 'pc'),
  ien: compile(CREATE_IO_CQ_LAYOUT, 'ien'),
  iv: compile(CREATE_IO_CQ_LAYOUT, 'iv'),
};
export const CREATE_SQ = {
  qid: compile(CREATE_IO_SQ_LAYOUT, 'qid'),
  qsize: compile(CREATE_IO_SQ_LAYOUT, 'qsize'),
  pc: compile(CREATE_IO_SQ_LAYOUT, 'pc'),
  qprio: compile(CREATE_IO_SQ_LAYOUT, 'qprio'),
  cqid: compile(CREATE_IO_SQ_LAYOUT, 'cqid'),
};
export const DELETE_Q = { qid: compile(DELETE_IO_QUEUE_LAYOUT, 'qid') };
export const FEATURES = {
  fid: compile(FEATURES_LAYOUT, 'fid'),
  nsqr: compile(FEATURES_LAYOUT, 'nsqr'),
  ncqr: compile(FEATURES_LAYOUT, 'ncqr'),
};
export const ABORT = { sqid: compile(ABORT_LAYOUT, 'sqid'), acid: compile(ABORT_LAYOUT, 'acid') };
export const RW = { slba: compile(READ_WRITE_LAYOUT, 'slba'), nlb: compile(READ_WRITE_LAYOUT, 'nlb') };

const lmLayoutOf = (opcode: number) => LM_LAYOUTS.find((l) => l.opcode.opcode === opcode)!;
export const LM_FIELDS = {
  vfIndex: compile(lmLayoutOf(LM.QUERY), 'vfIndex'),
  prp1: compile(lmLayoutOf(LM.SAVE), 'prp1'),
  prp2: compile(lmLayoutOf(LM.SAVE), 'prp2'),
  size: compile(lmLayoutOf(LM.LOAD), 'size'),
};

/**
 * Reserved ranges of each LM command (D10) as [first, last] byte pairs, plus
 * the CDW0 13:10 bit mask of byte 1 that the wire table marks specially.
 */
export interface ReservedCheck {
  cdw0Byte: number;
  cdw0Mask: number;
  ranges: number[];
}

const CDW0_RESERVED = compile(SQE_LAYOUT, 'cdw0Reserved');

export const LM_RESERVED: ReadonlyMap<number, ReservedCheck> = new Map(
  LM_LAYOUTS.map((l) => {
    const ranges: number[] = [];
    for (const r of l.reserved) if (!(r.first === CDW0_RESERVED.offset && r.last === CDW0_RESERVED.offset)) ranges.push(r.first, r.last);
    const check: ReservedCheck = { cdw0Byte: CDW0_RESERVED.offset, cdw0Mask: CDW0_RESERVED.mask << CDW0_RESERVED.shift, ranges };
    return [l.opcode.opcode, check];
  }),
);

/** CQE positions: DW0, SQ head, SQ id, CID, and the status word with its bit positions. */
const cqe = (n: string) => compile(CQE_LAYOUT, n);
export const CQE = {
  dw0: cqe('dw0').offset,
  dw1: cqe('dw1').offset,
  sqhd: cqe('sqhd').offset,
  sqid: cqe('sqid').offset,
  cid: cqe('cid').offset,
  /** the 16-bit word holding phase, SC, SCT, CRD, More and DNR */
  status: cqe('phase').offset,
  phaseShift: cqe('phase').shift,
  scShift: cqe('sc').shift,
  sctShift: cqe('sct').shift,
  dnrShift: cqe('dnr').shift,
};

/** The status half-word without the phase bit, as it is written into a CQE. */
export function statusWord(sct: number, sc: number, dnr: boolean): number {
  return (sc << CQE.scShift) | (sct << CQE.sctShift) | (dnr ? 1 << CQE.dnrShift : 0);
}

/** Decode a status word back (for traces and tests). */
export function splitStatus(word: number): { sct: number; sc: number; dnr: boolean } {
  return { sc: (word >> CQE.scShift) & 0xff, sct: (word >> CQE.sctShift) & 0x7, dnr: ((word >> CQE.dnrShift) & 1) === 1 };
}

/** Status words the emulator posts (SCT 0 generic unless named CMD_). Errors carry DNR: retrying cannot help. */
export const ST = {
  SUCCESS: statusWord(SCT_GENERIC, SC.SUCCESS, false),
  INVALID_OPCODE: statusWord(SCT_GENERIC, SC.INVALID_OPCODE, true),
  INVALID_FIELD: statusWord(SCT_GENERIC, SC.INVALID_FIELD, true),
  DATA_TRANSFER_ERROR: statusWord(SCT_GENERIC, SC.DATA_TRANSFER_ERROR, true),
  ABORTED_SQ_DELETION: statusWord(SCT_GENERIC, SC.ABORTED_SQ_DELETION, false),
  SEQUENCE_ERROR: statusWord(SCT_GENERIC, SC.SEQUENCE_ERROR, true),
  INVALID_NAMESPACE: statusWord(SCT_GENERIC, SC.INVALID_NAMESPACE, true),
  PRP_OFFSET_INVALID: statusWord(SCT_GENERIC, SC.PRP_OFFSET_INVALID, true),
  LBA_OUT_OF_RANGE: statusWord(SCT_GENERIC, SC.LBA_OUT_OF_RANGE, true),
  CMD_CQ_INVALID: statusWord(SCT_COMMAND_SPECIFIC, SC_CMD.COMPLETION_QUEUE_INVALID, true),
  CMD_INVALID_QID: statusWord(SCT_COMMAND_SPECIFIC, SC_CMD.INVALID_QUEUE_IDENTIFIER, true),
  CMD_INVALID_QSIZE: statusWord(SCT_COMMAND_SPECIFIC, SC_CMD.INVALID_QUEUE_SIZE, true),
  CMD_INVALID_QDELETION: statusWord(SCT_COMMAND_SPECIFIC, SC_CMD.INVALID_QUEUE_DELETION, true),
} as const;

/** Generic status word for a status code (PRP walks return an SC). */
export function genericStatus(sc: number): number {
  return statusWord(SCT_GENERIC, sc, sc !== SC.SUCCESS);
}
