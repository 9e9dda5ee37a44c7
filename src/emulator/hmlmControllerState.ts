// Between a migratable controller (a VF) and the standard's controller state
// (src/wire/tp4159/state.ts, vendorState.ts): what Get Controller State
// captures (D24, D25), the pure checks Set Controller State makes before it
// changes anything (D26), and applying a checked state (all at once, I11).
import type { Controller } from './controller.ts';
import { CompletionQueue, CQE_SIZE, SQE_SIZE, SubmissionQueue } from './queues.ts';
import { CC_EN, MAX_ADMIN_QUEUE_ENTRIES, MAX_QUEUE_ENTRIES } from './registers.ts';
import { PAGE_SIZE, type HostMemory } from './hostMemory.ts';
import { WireError } from '../wire/layout.ts';
import {
  cqPhaseFromS0pt,
  decodeControllerState,
  s0ptFromCqPhase,
  type ControllerState,
  type IoCqState,
  type IoSqState,
} from '../wire/tp4159/state.ts';
import { decodeVendorState, encodeVendorState, VENDOR_STATE_MAX_AERS, type AdminQueueState } from '../wire/tp4159/vendorState.ts';

/** CSVI 1 names format 0000h, the one version CNS 20h lists; CSUUIDI 1 the project's vendor section (D21, D25). */
export const CSVI_FORMAT_0 = 1;
export const CSUUIDI_NVME_LM = 1;

/** The state of `vf` as Get Controller State reports it (D24, D25): CSVI 0 header only; CSUUIDI 1 adds the vendor section. */
export function captureState(vf: Controller, csvi: number, csuuidi: number): ControllerState {
  const state: ControllerState = { ver: 0, suspended: vf.lmState === 'suspended', vendor: new Uint8Array(0) };
  if (csvi === CSVI_FORMAT_0) state.nvme = { ver: 0, sqs: ioSqs(vf), cqs: ioCqs(vf) };
  if (csuuidi === CSUUIDI_NVME_LM) state.vendor = encodeVendorState(adminQueueState(vf));
  return state;
}

function ioSqs(vf: Controller): IoSqState[] {
  const out: IoSqState[] = [];
  for (const q of vf.sqs) {
    if (q && q.qid !== 0) out.push({ prp1: BigInt(q.base), qsize: q.size - 1, qid: q.qid, cqid: q.cqid, pc: true, qprio: q.prio, head: q.head, tail: q.tail });
  }
  return out;
}

function ioCqs(vf: Controller): IoCqState[] {
  const out: IoCqState[] = [];
  for (const q of vf.cqs) {
    if (!q || q.qid === 0) continue;
    // I15: slot 0's phase tag, not the current phase, so any implementation reads it the same way.
    out.push({ prp1: BigInt(q.base), qsize: q.size - 1, qid: q.qid, head: q.head, tail: q.tail, pc: true, ien: q.ien, s0pt: s0ptFromCqPhase(q.tail, q.phase), iv: q.iv });
  }
  return out;
}

function adminQueueState(vf: Controller): AdminQueueState {
  const r = vf.regs;
  const sq = vf.sqs[0];
  const cq = vf.cqs[0];
  return {
    cc: r.cc,
    csts: r.csts,
    aqa: r.aqa,
    asq: BigInt(r.asq),
    acq: BigInt(r.acq),
    intms: r.intms,
    asqHead: sq?.head ?? 0,
    asqTail: sq?.tail ?? 0,
    acqHead: cq?.head ?? 0,
    acqTail: cq?.tail ?? 0,
    acqS0pt: cq ? s0ptFromCqPhase(cq.tail, cq.phase) : 0,
    nsqa: vf.nsqa,
    ncqa: vf.ncqa,
    aerCids: vf.aers.slice(0, VENDOR_STATE_MAX_AERS),
  };
}

/** A state that passed every check of D26: applying it cannot fail. */
export interface CheckedState {
  sqs: IoSqState[];
  cqs: IoCqState[];
  admin: AdminQueueState | undefined;
}

export type StateCheck = { ok: true; state: CheckedState; decoded: ControllerState } | { ok: false; reason: string; decoded?: ControllerState };

/** D27: a transfer may exceed the state's length by at most one dword (a host sending the plain count). */
const MAX_EXCESS = 4;

/** D26: a Set State's CSVI must be listed and its CSUUIDI 0 or a listed vendor UUID; the reason when not. */
export function unlistedFormat(csvi: number, csuuidi: number, vendorListed: boolean): string | undefined {
  if (csvi !== CSVI_FORMAT_0) return `CSVI ${csvi} is not listed: CNS 20h lists one version, CSVI 1 (format 0000h)`;
  if (csuuidi !== 0 && (csuuidi !== CSUUIDI_NVME_LM || !vendorListed)) return `CSUUIDI ${csuuidi} names no listed vendor UUID (${vendorListed ? '0 or 1' : 'CNS 20h lists none: 0'})`;
  return undefined;
}

/** D26's checks of the data, for VF `vf` (pure). */
export function checkState(data: Uint8Array, csvi: number, csuuidi: number, maxIoQueues: number, mem: HostMemory, vendorListed = true): StateCheck {
  const unlisted = unlistedFormat(csvi, csuuidi, vendorListed);
  if (unlisted) return { ok: false, reason: unlisted };
  let decoded: ControllerState;
  let trailing: number;
  try {
    const d = decodeControllerState(data);
    decoded = d.state;
    trailing = d.trailing;
  } catch (e) {
    if (e instanceof WireError) return { ok: false, reason: `D27: ${e.message}` };
    throw e;
  }
  const bad = (reason: string): StateCheck => ({ ok: false, reason, decoded });
  if (trailing > MAX_EXCESS) return bad(`the transfer is ${trailing} bytes longer than the state its header describes (at most one dword more, D27)`);
  if (decoded.ver !== 0) return bad(`state VER ${decoded.ver} is not 0`);
  const nvme = decoded.nvme;
  if (!nvme) return bad('NVMECSS is 0: a header alone cannot be set (Get it with CSVI 1)');
  if (nvme.ver !== 0) return bad(`NVMe state VER ${nvme.ver} is not 0`);
  let admin: AdminQueueState | undefined;
  if (csuuidi === 0) {
    if (decoded.vendor.length !== 0) return bad('VSS != 0 but CSUUIDI is 0: no vendor section was named');
  } else {
    try {
      admin = decodeVendorState(decoded.vendor);
    } catch (e) {
      if (e instanceof WireError) return bad(e.message);
      throw e;
    }
    const a = checkAdmin(admin, mem);
    if (a) return bad(a);
  }
  const queues = checkQueues(nvme.sqs, nvme.cqs, maxIoQueues, mem);
  if (queues) return bad(queues);
  return { ok: true, state: { sqs: nvme.sqs, cqs: nvme.cqs, admin }, decoded };
}

function checkQueue(kind: string, q: { qid: number; qsize: number; pc: boolean; head: number; tail: number; prp1: bigint }, entry: number, maxIo: number, mem: HostMemory): string | undefined {
  const what = `${kind} ${q.qid}`;
  if (q.qid < 1 || q.qid > maxIo) return `${what}: QID outside 1..${maxIo}`;
  if (q.qsize < 1 || q.qsize + 1 > MAX_QUEUE_ENTRIES) return `${what}: QSIZE ${q.qsize} (0-based) outside 1..${MAX_QUEUE_ENTRIES - 1} (CAP.MQES)`;
  if (!q.pc) return `${what}: PC = 0 but only physically contiguous queues are supported`;
  if (q.head > q.qsize || q.tail > q.qsize) return `${what}: HEAD ${q.head} or TAIL ${q.tail} is not below the queue size ${q.qsize + 1}`;
  const base = Number(q.prp1);
  if (q.prp1 > BigInt(Number.MAX_SAFE_INTEGER) || base % PAGE_SIZE !== 0 || !mem.isMapped(base, (q.qsize + 1) * entry)) return `${what}: PRP1 is not a mapped, 4 KiB aligned queue`;
  return undefined;
}

function checkQueues(sqs: IoSqState[], cqs: IoCqState[], maxIo: number, mem: HostMemory): string | undefined {
  const cqIds = new Set<number>();
  for (const q of cqs) {
    const bad = checkQueue('CQ', q, CQE_SIZE, maxIo, mem);
    if (bad) return bad;
    if (q.s0pt > 1) return `CQ ${q.qid}: S0PT is not a phase tag`;
    if (cqIds.has(q.qid)) return `CQ ${q.qid} appears twice`;
    cqIds.add(q.qid);
  }
  const sqIds = new Set<number>();
  for (const q of sqs) {
    const bad = checkQueue('SQ', q, SQE_SIZE, maxIo, mem);
    if (bad) return bad;
    if (sqIds.has(q.qid)) return `SQ ${q.qid} appears twice`;
    if (!cqIds.has(q.cqid)) return `SQ ${q.qid}: CQID ${q.cqid} names no CQ in the state`;
    sqIds.add(q.qid);
  }
  return undefined;
}

function checkAdmin(a: AdminQueueState, mem: HostMemory): string | undefined {
  if ((a.cc & CC_EN) === 0) return undefined; // a disabled controller has no admin queue to continue
  const sqn = (a.aqa & 0xfff) + 1;
  const cqn = ((a.aqa >>> 16) & 0xfff) + 1;
  if (sqn < 2 || cqn < 2 || sqn > MAX_ADMIN_QUEUE_ENTRIES || cqn > MAX_ADMIN_QUEUE_ENTRIES) return `vendor section: AQA gives admin queues of ${sqn}/${cqn} entries`;
  if (a.asqHead >= sqn || a.asqTail >= sqn || a.acqHead >= cqn || a.acqTail >= cqn) return 'vendor section: an admin queue head or tail is not below its size';
  const asq = Number(a.asq);
  const acq = Number(a.acq);
  if (asq % PAGE_SIZE !== 0 || acq % PAGE_SIZE !== 0 || !mem.isMapped(asq, sqn * SQE_SIZE) || !mem.isMapped(acq, cqn * CQE_SIZE)) {
    return 'vendor section: ASQ or ACQ is not a mapped, 4 KiB aligned queue';
  }
  return undefined;
}

/** Install a checked state on `vf` (suspended, no I/O queues: D26 checked both). */
export function applyState(vf: Controller, s: CheckedState): void {
  if (s.admin) applyAdmin(vf, s.admin);
  for (const q of s.cqs) {
    const cq = new CompletionQueue(q.qid, Number(q.prp1), q.qsize + 1, q.ien, q.iv);
    cq.head = q.head;
    cq.tail = q.tail;
    cq.phase = cqPhaseFromS0pt(q.tail, q.s0pt);
    vf.setCq(q.qid, cq);
  }
  for (const q of s.sqs) {
    const sq = new SubmissionQueue(q.qid, Number(q.prp1), q.qsize + 1, q.cqid, q.qprio);
    sq.head = q.head;
    sq.tail = q.tail;
    vf.setSq(q.qid, sq);
  }
}

/** D25: the guest's admin queue continues where the source left it. */
function applyAdmin(vf: Controller, a: AdminQueueState): void {
  vf.clearQueues();
  const r = vf.regs;
  r.cc = a.cc;
  r.csts = a.csts;
  r.aqa = a.aqa;
  r.asq = Number(a.asq);
  r.acq = Number(a.acq);
  r.intms = a.intms;
  vf.nsqa = a.nsqa;
  vf.ncqa = a.ncqa;
  vf.aers = [...a.aerCids];
  if ((a.cc & CC_EN) === 0) return;
  const sq = new SubmissionQueue(0, r.asq, r.adminSqEntries, 0);
  sq.head = a.asqHead;
  sq.tail = a.asqTail;
  const cq = new CompletionQueue(0, r.acq, r.adminCqEntries, true, 0);
  cq.head = a.acqHead;
  cq.tail = a.acqTail;
  cq.phase = cqPhaseFromS0pt(a.acqTail, a.acqS0pt);
  // Held AERs keep their CQ slots promised, as on the source.
  cq.reserved = a.aerCids.length;
  vf.setSq(0, sq);
  vf.setCq(0, cq);
}
