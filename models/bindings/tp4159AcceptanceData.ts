// What a Set Controller State of the tp4159Acceptance binding carries (pure):
// a whole state for VF 1 built from one the VF itself reported (its header
// and, with CSUUIDI, its vendor section), one I/O queue pair in the plan's
// memory, then the one defect the path names (D26, D27); and how the state
// is cut into the part a SEQIND sends and the part sent before it in order.
import { encodeControllerState, STATE_HEADER_SIZE, type ControllerState, type IoCqState, type IoSqState } from '../../src/wire/tp4159/state.ts';
import { NotRealisable } from '../engine/suite.ts';

/** The events of the machine's setData stage that name a defect of the state (or of its transfer length). */
export type TpDataEvent =
  | 'DATA_VALID'
  | 'DATA_LONGER_BY_A_DWORD'
  | 'DATA_SHORTER_THAN_HEADER_SAYS'
  | 'DATA_VER_NONZERO'
  | 'DATA_NVMECSS_ZERO'
  | 'DATA_LENGTH_DISAGREES'
  | 'DATA_VSS_WITHOUT_SECTION'
  | 'DATA_VENDOR_SECTION_BAD'
  | 'DATA_QID_OUT_OF_RANGE_OR_DUPLICATE'
  | 'DATA_CQID_NOT_IN_STATE'
  | 'DATA_QSIZE_OVER_MQES'
  | 'DATA_PC_ZERO_UNSUPPORTED'
  | 'DATA_HEAD_OR_TAIL_OVER_SIZE';

/** What the VF's CAP says (its queue limits, D26). */
export interface TpQueueLimits {
  /** CAP.MQES, 0-based */
  mqes: number;
  /** CAP.CQR: only physically contiguous queues */
  contiguousOnly: boolean;
}

/** Byte offset of NIOSQ in the state (header, then the NVMe state's VER). */
const NIOSQ_AT = STATE_HEADER_SIZE + 2;
const QSIZE = 15;

/** The I/O queue pair the state names: QID 1, 16 entries each, at `sq` and `cq` (page aligned, zeroed by the host). */
function queuePair(sq: bigint, cq: bigint): { sq: IoSqState; cq: IoCqState } {
  return {
    sq: { prp1: sq, qsize: QSIZE, qid: 1, cqid: 1, pc: true, qprio: 0, head: 0, tail: 0 },
    // a fresh CQ: tail 0, phase 1, so slot 0's phase tag is 0 (I15)
    cq: { prp1: cq, qsize: QSIZE, qid: 1, head: 0, tail: 0, pc: true, ien: false, s0pt: 0, iv: 0 },
  };
}

/**
 * The whole state to set: `reported` (a Get State of the suspended VF, with
 * or without its vendor section) with one queue pair, and `event`'s defect.
 * `vendorNamed`: the command's CSUUIDI names the vendor format.
 */
export function stateToSet(reported: ControllerState, pair: { sq: bigint; cq: bigint }, event: TpDataEvent, vendorNamed: boolean, limits: TpQueueLimits): Uint8Array {
  const { sq, cq } = queuePair(pair.sq, pair.cq);
  const s: ControllerState = { ver: 0, suspended: reported.suspended, nvme: { ver: 0, sqs: [sq], cqs: [cq] }, vendor: reported.vendor };
  switch (event) {
    case 'DATA_VER_NONZERO':
      s.ver = 1;
      break;
    case 'DATA_NVMECSS_ZERO':
      delete s.nvme;
      break;
    case 'DATA_VSS_WITHOUT_SECTION':
      // VSS and the section the command names disagree: a section nobody named, or a vendor format named without one
      s.vendor = vendorNamed ? new Uint8Array(0) : new Uint8Array(4);
      break;
    case 'DATA_VENDOR_SECTION_BAD':
      // named: the section one dword short; not named: a section of zeros nobody asked for
      s.vendor = vendorNamed && reported.vendor.length >= 8 ? reported.vendor.slice(0, reported.vendor.length - 4) : new Uint8Array(8);
      break;
    case 'DATA_QID_OUT_OF_RANGE_OR_DUPLICATE':
      sq.qid = 0; // QIDs run from 1
      break;
    case 'DATA_CQID_NOT_IN_STATE':
      sq.cqid = 2;
      break;
    case 'DATA_QSIZE_OVER_MQES':
      if (limits.mqes >= 0xffff) throw new NotRealisable('a QSIZE over CAP.MQES: the VF\'s MQES is FFFFh, so no 16-bit QSIZE exceeds it');
      sq.qsize = limits.mqes + 1;
      break;
    case 'DATA_PC_ZERO_UNSUPPORTED':
      if (!limits.contiguousOnly) throw new NotRealisable('an SQ with PC = 0 is a defect only where CAP.CQR = 1; this VF takes non-contiguous queues');
      sq.pc = false;
      break;
    case 'DATA_HEAD_OR_TAIL_OVER_SIZE':
      sq.tail = QSIZE + 1;
      break;
    default:
      break;
  }
  const bytes = encodeControllerState(s);
  if (event === 'DATA_LENGTH_DISAGREES') bytes[NIOSQ_AT] += 1; // NVMECSS stays as the queues make it
  if (event === 'DATA_LONGER_BY_A_DWORD') return concat(bytes, new Uint8Array(4));
  if (event === 'DATA_SHORTER_THAN_HEADER_SAYS') return bytes.slice(0, bytes.length - 4);
  return bytes;
}

/** Set State MOS SEQIND (D26). */
export const SEQIND_VALUE = { whole: 3, first: 1, middle: 0, last: 2 } as const;
export type TpSeqindName = keyof typeof SEQIND_VALUE;

export interface SetStatePlan {
  /** a first part sent (and accepted) before the command, so that parts are accumulated */
  before?: Uint8Array;
  part: Uint8Array;
  offset: number;
}

/** A middle part's length: one queue entry's worth, so a last part remains. */
const MIDDLE_BYTES = 24;

/**
 * How `whole` is sent with SEQIND `seqind`. `inOrder`: a middle or last part
 * follows a first part (the header) sent before; a whole state or a first
 * part comes with nothing accumulated. Out of order, the opposite: a middle
 * or last part with nothing before it, a whole state or a new first while a
 * first part is accumulated (D26).
 */
export function setStatePlan(whole: Uint8Array, seqind: TpSeqindName, inOrder: boolean): SetStatePlan {
  // the first part: the header, or all but the last dword of a state no longer than it
  const cut = Math.min(STATE_HEADER_SIZE, whole.length - 4);
  const header = whole.slice(0, cut);
  const follows = seqind === 'middle' || seqind === 'last';
  const before = follows === inOrder ? header : undefined;
  const withBefore = (p: SetStatePlan): SetStatePlan => (before ? { ...p, before } : p);
  switch (seqind) {
    case 'whole':
      return withBefore({ part: whole, offset: 0 });
    case 'first':
      return withBefore({ part: header, offset: 0 });
    case 'middle':
      return withBefore({ part: whole.slice(cut, Math.min(whole.length, cut + MIDDLE_BYTES)), offset: cut });
    default:
      return withBefore({ part: whole.slice(cut), offset: cut });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
