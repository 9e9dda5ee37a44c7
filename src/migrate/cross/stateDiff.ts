// I15, D25: two controller states compared field by field (the header, each
// I/O SQ and CQ: size, PRP1, head, tail, phase), so a cross-implementation
// migration that goes wrong names the field the two implementations
// disagree on. Pure: bytes in, differences out.
import { cqPhaseFromS0pt, decodeControllerState, type ControllerState } from '../../wire/tp4159/state.ts';

export interface FieldDiff {
  /** e.g. `SQ 1 tail`, `CQ 1 phase`, `NIOSQ` */
  field: string;
  source: string;
  destination: string;
}

type Row = Record<string, bigint | number | boolean>;

function rows(s: ControllerState): Map<string, Row> {
  const out = new Map<string, Row>();
  out.set('header', { VER: s.ver, SUSPENDED: s.suspended, 'vendor section bytes': s.vendor.length });
  if (!s.nvme) return out;
  out.set('NVMe state', { VER: s.nvme.ver, NIOSQ: s.nvme.sqs.length, NIOCQ: s.nvme.cqs.length });
  for (const q of s.nvme.sqs) out.set(`SQ ${q.qid}`, { PRP1: q.prp1, QSIZE: q.qsize, CQID: q.cqid, PC: q.pc, QPRIO: q.qprio, head: q.head, tail: q.tail });
  for (const q of s.nvme.cqs) {
    out.set(`CQ ${q.qid}`, { PRP1: q.prp1, QSIZE: q.qsize, PC: q.pc, IEN: q.ien, IV: q.iv, head: q.head, tail: q.tail, S0PT: q.s0pt, phase: cqPhaseFromS0pt(q.tail, q.s0pt) });
  }
  return out;
}

const show = (v: bigint | number | boolean | undefined): string =>
  v === undefined ? 'absent' : typeof v === 'bigint' ? `0x${v.toString(16)}` : String(v);

/** Every field where the two states differ; a queue one side lacks is one difference. Vendor bytes compare as a whole. */
export function diffStates(source: ControllerState, destination: ControllerState): FieldDiff[] {
  const a = rows(source);
  const b = rows(destination);
  const out: FieldDiff[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (!x || !y) {
      out.push({ field: name, source: x ? 'present' : 'absent', destination: y ? 'present' : 'absent' });
      continue;
    }
    for (const key of Object.keys(x)) {
      if (x[key] !== y[key]) out.push({ field: name === 'header' ? key : `${name} ${key}`, source: show(x[key]), destination: show(y[key]) });
    }
  }
  if (source.vendor.length === destination.vendor.length && !Buffer.from(source.vendor).equals(Buffer.from(destination.vendor))) {
    out.push({ field: 'vendor section bytes', source: 'differ', destination: 'differ' });
  }
  return out;
}

/** Decode both and diff; a state that does not decode is itself the difference. */
export function diffStateBytes(source: Uint8Array, destination: Uint8Array): FieldDiff[] {
  try {
    return diffStates(decodeControllerState(source).state, decodeControllerState(destination).state);
  } catch (e) {
    return [{ field: 'state encoding', source: `${source.length} bytes`, destination: (e as Error).message }];
  }
}

/** D26 checks a destination makes on a state, as far as the host can know them: QSIZE within the destination's CAP.MQES. */
export function fieldsOutsideDestination(state: Uint8Array, destinationMqes: number): FieldDiff[] {
  const s = decodeControllerState(state).state;
  const out: FieldDiff[] = [];
  for (const q of [...(s.nvme?.sqs ?? []), ...(s.nvme?.cqs ?? [])]) {
    if (q.qsize > destinationMqes) out.push({ field: `${'cqid' in q ? 'SQ' : 'CQ'} ${q.qid} QSIZE`, source: String(q.qsize), destination: `CAP.MQES ${destinationMqes}` });
  }
  return out;
}
