// Acceptance of the standard profile's management commands on the PF admin
// queue (architecture rule 3): pure functions that read the SQE, the device
// and host memory, change nothing, and return what to execute or the
// rejection (the command's outcome, with its decision). Order: D19 (only the
// PF manages), FUSE/PSDT, the command's own fields, D20 (the CNTLID), the
// VF's state, then data (PRPs, the state blob).
import type { Controller, DeviceContext } from './controller.ts';
import type { Cdq } from './hmlmState.ts';
import { cdqFree } from './udmqLog.ts';
import type { LmState } from './context.ts';
import { genericStatus, statusWord, ST } from './fields.ts';
import { dmaFromHost, walkPrps } from './prp.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { rejected, type Outcome } from './outcome.ts';
import { SCT_COMMAND_SPECIFIC, SC_HMLM } from '../wire/status.ts';
import { decodeTp4159, numdBytes, type Tp4159Command } from '../wire/tp4159/commandCodec.ts';
import { encodeControllerState, stateSize, type ControllerState } from '../wire/tp4159/state.ts';
import { udmqEntries, UDMQ_ENTRY_SIZE } from '../wire/tp4159/udmq.ts';
import { VENDOR_STATE_DWORDS } from '../wire/tp4159/vendorState.ts';
import { checkState, CSUUIDI_NVME_LM, CSVI_FORMAT_0, unlistedFormat, type CheckedState } from './hmlmControllerState.ts';

const cs = (sc: number): number => statusWord(SCT_COMMAND_SPECIFIC, sc, true);
export const HST = {
  INVALID_CNTLID: cs(SC_HMLM.INVALID_CONTROLLER_IDENTIFIER),
  INVALID_CDQ: cs(SC_HMLM.INVALID_CONTROLLER_DATA_QUEUE),
  NO_RESOURCES: cs(SC_HMLM.NOT_ENOUGH_RESOURCES),
  SUSPENDED: cs(SC_HMLM.CONTROLLER_SUSPENDED),
  NOT_SUSPENDED: cs(SC_HMLM.CONTROLLER_NOT_SUSPENDED),
  CDQ_FULL: cs(SC_HMLM.CONTROLLER_DATA_QUEUE_FULL),
} as const;

/** User data migration queues per migratable controller (MCUDMQ, D21). */
export const MCUDMQ = 1;

export type HmlmAccepted =
  | { op: 'suspend'; vf: number; stype: number; dudmq: boolean }
  | { op: 'resume'; vf: number }
  | { op: 'getState'; vf: number; bytes: Uint8Array; segments: number[]; csup: boolean }
  /** SEQIND 1/0: accumulate; `data` is the accumulation after this part */
  | { op: 'setPart'; vf: number; data: Uint8Array; csvi: number; csuuidi: number }
  | { op: 'setState'; vf: number; state: CheckedState }
  /**
   * A Set State that fails while parts are accumulated: the accumulation is
   * discarded (D26: a part out of order, a new "first" or a whole state
   * before the "last" restarts it; any other failed part ends it too) and the
   * command completes with the failure's status.
   */
  | { op: 'restartParts'; vf: number; status: number; decision: string; reason: string }
  /** `pages`: the queue's pages in order (one run from PRP1 when PC = 1, the PRP list's entries when PC = 0) */
  | { op: 'cdqCreate'; cntlid: number; pages: number[]; entries: number }
  | { op: 'cdqDelete'; cdqid: number }
  | { op: 'trackSend'; cdqid: number; lact: number }
  | { op: 'setCdqFeature'; cdqid: number; hp: number; tpt: number; etpt: boolean }
  | { op: 'getCdqFeature'; cdqid: number; segments: number[] };

/** A rejection: the outcome as it stands, and what a broken variant may need of it. */
export interface HmlmRejection extends Outcome {
  readonly accept: false;
  /** the VF named, once it passed D20 */
  vf?: number;
  /** Set State's decoded data when a D26 check failed on it */
  state?: ControllerState;
}
export type HmlmAcceptance = ({ accept: true } & HmlmAccepted) | HmlmRejection;

/** What the checks read about the device; nothing here writes. */
export interface HmlmView {
  readonly ctx: DeviceContext;
  lmState(vf: number): LmState;
  controller(fn: number): Controller;
  /** the state Get Controller State reports (a step: mutants.ts may break it) */
  capture(vf: Controller, csvi: number, csuuidi: number): ControllerState;
}

const no = (status: number, decision: string, reason: string, vf?: number): HmlmRejection => ({ accept: false, status, dw0: 0, decision, reason, ...(vf === undefined ? {} : { vf }) });
const field = (decision: string, reason: string, vf?: number): HmlmRejection => no(ST.INVALID_FIELD, decision, reason, vf);

/** The largest state this emulator produces or takes, plus the one dword D27 tolerates. */
export function maxStateBytes(maxIoQueues: number): number {
  return stateSize(maxIoQueues, maxIoQueues, VENDOR_STATE_DWORDS) + 4;
}

/** Accept a management command fetched from the PF admin queue (the caller applied D19). */
export function acceptHmlm(sqe: Uint8Array, view: HmlmView): HmlmAcceptance {
  const d = decodeTp4159(sqe);
  if (!d) return field('D19', `SEL ${sqe[40]} of opcode 0x${sqe[0].toString(16)} is not defined`);
  if (d.fields.fuse !== 0n) return field('NVMe', 'FUSE != 0: fused operations are not supported');
  if (d.fields.psdt !== 0n) return field('NVMe', 'PSDT != 00b: only PRPs are supported');
  const c = d.command;
  switch (c.kind) {
    case 'suspend':
    case 'resume':
    case 'getState':
    case 'setState':
      return acceptMigration(c, view);
    case 'cdqCreate':
    case 'cdqDelete':
      return acceptCdq(c, view);
    case 'trackSend':
      return acceptTrack(c.cdqid, c.lact, view);
    case 'setCdqFeature':
    case 'getCdqFeature':
      return acceptCdqFeature(c, view);
    default:
      // D29: memory tracking (THMCS = 0) is not offered.
      return field('D29', `${c.kind === 'trackMemory' ? 'Track Send SEL 1 (memory changes)' : 'Track Receive'}: memory-change tracking is not offered (TRATTR.THMCS = 0)`);
  }
}

/** D20: the CNTLID names a VF of this PF. */
function target(cntlid: number, view: HmlmView): HmlmRejection | number {
  if (cntlid === 0) return no(HST.INVALID_CNTLID, 'D20', 'CNTLID 0 is the management controller itself: it never names itself');
  if (cntlid > view.ctx.config.vfs) return no(HST.INVALID_CNTLID, 'D20', `CNTLID ${cntlid} is no secondary controller of this PF (VFs 1..${view.ctx.config.vfs})`);
  if (!view.controller(cntlid).hmlm.online) return no(HST.INVALID_CNTLID, 'D20', `CNTLID ${cntlid} names a VF that is offline (Virtualization Management): bring it online first`);
  return cntlid;
}

function acceptMigration(c: Extract<Tp4159Command, { kind: 'suspend' | 'resume' | 'getState' | 'setState' }>, view: HmlmView): HmlmAcceptance {
  if (c.kind === 'suspend' && c.stype > 1) return field('D22', `STYPE ${c.stype} is neither 0 (notification) nor 1 (suspend)`);
  if (c.kind === 'setState' && c.seqind !== 3 && view.ctx.config.tp4159.seqind === 'whole-only') {
    return field('D26', `SEQIND ${c.seqind}: this controller takes a state whole only (SEQIND 3)`);
  }
  const vf = target(c.cntlid, view);
  if (typeof vf !== 'number') return vf;
  const state = view.lmState(vf);
  switch (c.kind) {
    case 'suspend':
      return { accept: true, op: 'suspend', vf, stype: c.stype, dudmq: c.dudmq };
    case 'resume':
      if (state !== 'suspended') return no(HST.NOT_SUSPENDED, 'D23', 'Resume of a VF that is not suspended', vf);
      return { accept: true, op: 'resume', vf };
    case 'getState':
      return acceptGetState(c, vf, view);
    default:
      return acceptSetState(c, vf, view);
  }
}

function acceptGetState(c: Extract<Tp4159Command, { kind: 'getState' }>, vf: number, view: HmlmView): HmlmAcceptance {
  if (c.csvi > CSVI_FORMAT_0) return field('D24', `CSVI ${c.csvi} is not listed (0 header only, 1 format 0000h)`, vf);
  if (c.csuuidi !== 0 && (c.csuuidi !== CSUUIDI_NVME_LM || !view.ctx.config.tp4159.vendorState)) return field('D24', `CSUUIDI ${c.csuuidi} names no listed vendor UUID`, vf);
  const blob = encodeControllerState(view.capture(view.controller(vf), c.csvi, c.csuuidi));
  if (c.offset % 4n !== 0n || c.offset >= BigInt(blob.length)) return field('D24', `offset ${c.offset} is not dword aligned or not below the state's ${blob.length} bytes`, vf);
  const from = Number(c.offset);
  const length = Math.min(blob.length - from, numdBytes(c.numd));
  // the PRPs describe the host's NUMD buffer, however much of it the state fills
  const walk = walkPrps(view.ctx.memory, Number(c.prp1), Number(c.prp2), length, numdBytes(c.numd));
  if (!walk.ok) return no(genericStatus(walk.sc), 'NVMe', walk.reason, vf);
  return { accept: true, op: 'getState', vf, bytes: blob.subarray(from, from + length), segments: walk.segments, csup: view.lmState(vf) === 'suspended' };
}

function acceptSetState(c: Extract<Tp4159Command, { kind: 'setState' }>, vf: number, view: HmlmView): HmlmAcceptance {
  const r = judgeSetState(c, vf, view);
  if (r.accept || view.controller(vf).hmlm.parts === undefined) return r;
  return { accept: true, op: 'restartParts', vf, status: r.status, decision: r.decision ?? 'D26', reason: `${r.reason ?? 'Set Controller State failed'}; the parts so far are discarded` };
}

const restart = (vf: number, reason: string): HmlmAcceptance => ({ accept: true, op: 'restartParts', vf, status: ST.INVALID_FIELD, decision: 'D26', reason });

function judgeSetState(c: Extract<Tp4159Command, { kind: 'setState' }>, vf: number, view: HmlmView): HmlmAcceptance {
  if (view.lmState(vf) !== 'suspended') return no(HST.NOT_SUSPENDED, 'D26', 'Set Controller State needs a suspended VF: Suspend it first', vf);
  const ctl = view.controller(vf);
  if (ctl.ioQueueCount() > 0) return field('D26', 'the VF has I/O queues: reset it (FLR) before setting a state', vf);
  // every part names a listed format, a first or middle one too: the command's own fields, checked before its place in the sequence
  const unlisted = unlistedFormat(c.csvi, c.csuuidi, view.ctx.config.tp4159.vendorState);
  if (unlisted) return field('D26', unlisted, vf);
  const max = maxStateBytes(ctl.maxIoQueues);
  const bytes = numdBytes(c.numd);
  const offset = c.offset;
  if (bytes > max || offset + BigInt(bytes) > BigInt(max)) return field('D27', `a part of ${bytes} bytes at offset ${offset} runs past the largest state (${max} bytes)`, vf);
  const walk = walkPrps(view.ctx.memory, Number(c.prp1), Number(c.prp2), bytes);
  if (!walk.ok) return no(genericStatus(walk.sc), 'NVMe', walk.reason, vf);
  const part = dmaFromHost(view.ctx.memory, walk.segments, walk.length);
  const have = ctl.hmlm.parts;
  const at = Number(offset);
  let data: Uint8Array;
  if (c.seqind === 3 || c.seqind === 1) {
    if (have) return restart(vf, c.seqind === 1 ? 'a new "first" part before the "last" one: start over' : 'a whole state (SEQIND 3) while parts are accumulated: start over');
    if (at !== 0) return field('D26', `the ${c.seqind === 3 ? 'whole state' : 'first part'} must start at offset 0`, vf);
    data = part;
  } else {
    if (!have || at !== have.data.length || c.csvi !== have.csvi || c.csuuidi !== have.csuuidi) {
      return restart(vf, `a ${c.seqind === 0 ? 'middle' : 'last'} part out of order (offset ${at}, ${have ? have.data.length : 0} bytes so far): start over with a "first"`);
    }
    data = new Uint8Array(have.data.length + part.length);
    data.set(have.data);
    data.set(part, have.data.length);
  }
  if (c.seqind === 1 || c.seqind === 0) return { accept: true, op: 'setPart', vf, data, csvi: c.csvi, csuuidi: c.csuuidi };
  const checked = checkState(data, c.csvi, c.csuuidi, ctl.maxIoQueues, view.ctx.memory, view.ctx.config.tp4159.vendorState);
  if (!checked.ok) return { ...field('D26', checked.reason, vf), ...(checked.decoded ? { state: checked.decoded } : {}) };
  return { accept: true, op: 'setState', vf, state: checked.state };
}

function acceptCdq(c: Extract<Tp4159Command, { kind: 'cdqCreate' | 'cdqDelete' }>, view: HmlmView): HmlmAcceptance {
  const pf = view.controller(0);
  if (c.kind === 'cdqDelete') {
    if (!pf.hmlm.cdqs.has(c.cdqid)) return no(HST.INVALID_CDQ, 'D28', `CDQID ${c.cdqid} names no controller data queue`);
    return { accept: true, op: 'cdqDelete', cdqid: c.cdqid };
  }
  if (c.qt !== 0) return field('D28', `QT ${c.qt}: only 0 (user data migration queue) is supported`);
  const vf = target(c.cqs, view);
  if (typeof vf !== 'number') return { ...vf, decision: 'D28' };
  if ([...pf.hmlm.cdqs.values()].filter((q) => q.cntlid === vf).length >= MCUDMQ) return no(HST.NO_RESOURCES, 'D28', `VF ${vf} already has ${MCUDMQ} user data migration queue (MCUDMQ)`);
  const entries = udmqEntries(c.cdqsize);
  if (entries < 2) return field('D28', `CDQSIZE ${c.cdqsize} dwords holds fewer than two 32-byte entries`);
  if (!c.pc && !view.ctx.config.tp4159.nonContiguousCdq) return field('D28', 'PC = 0: only physically contiguous queues are supported');
  const pages = cdqPages(c.prp1, c.pc, entries, view);
  if (typeof pages === 'string') return field('D28', pages);
  return { accept: true, op: 'cdqCreate', cntlid: vf, pages, entries };
}

const aligned = (a: bigint): boolean => a % BigInt(PAGE_SIZE) === 0n && a <= BigInt(Number.MAX_SAFE_INTEGER);

/** The pages of a queue of `entries` (D28): PC = 1, a run from PRP1; PC = 0, PRP1 is a PRP list naming one page each. A reason when they are not mapped, aligned pages. */
function cdqPages(prp1: bigint, pc: boolean, entries: number, view: HmlmView): number[] | string {
  const bytes = entries * UDMQ_ENTRY_SIZE;
  const count = Math.ceil(bytes / PAGE_SIZE);
  const mem = view.ctx.memory;
  if (pc) {
    if (!aligned(prp1) || !mem.isMapped(Number(prp1), bytes)) return 'PRP1 is not a mapped, 4 KiB aligned queue of CDQSIZE dwords';
    return Array.from({ length: count }, (_, i) => Number(prp1) + i * PAGE_SIZE);
  }
  if (!aligned(prp1) || !mem.isMapped(Number(prp1), count * 8)) return 'PC = 0: PRP1 is not a mapped, 4 KiB aligned PRP list';
  const list = new DataView(mem.read(Number(prp1), count * 8).buffer);
  const pages = Array.from({ length: count }, (_, i) => list.getBigUint64(i * 8, true));
  if (pages.some((p, i) => !aligned(p) || !mem.isMapped(Number(p), Math.min(PAGE_SIZE, bytes - i * PAGE_SIZE)))) return 'PC = 0: a PRP list entry is not a mapped, 4 KiB aligned page';
  return pages.map(Number);
}

function acceptTrack(cdqid: number, lact: number, view: HmlmView): HmlmAcceptance {
  const q = view.controller(0).hmlm.cdqs.get(cdqid);
  if (!q) return no(HST.INVALID_CDQ, 'D29', `CDQID ${cdqid} names no controller data queue`);
  if (lact > 1) return field('D29', `LACT ${lact} is neither 1 (start) nor 0 (stop)`);
  if (view.lmState(q.cntlid) !== 'running') return no(HST.SUSPENDED, 'D29', `VF ${q.cntlid} is suspended: Resume it before changing its logging`, q.cntlid);
  // D31: starting needs room for ESA 1 and the ESA 7 that may have to follow it
  if (lact === 1 && !q.logging && cdqFree(q) < 2) return no(HST.CDQ_FULL, 'D31', `CDQ ${cdqid} has ${cdqFree(q)} free slot(s): release entries (Set Features 21h) before starting to log`, q.cntlid);
  return { accept: true, op: 'trackSend', cdqid, lact };
}

function acceptCdqFeature(c: Extract<Tp4159Command, { kind: 'setCdqFeature' | 'getCdqFeature' }>, view: HmlmView): HmlmAcceptance {
  const q: Cdq | undefined = view.controller(0).hmlm.cdqs.get(c.cdqid);
  if (!q) return no(HST.INVALID_CDQ, 'D31', `CDQID ${c.cdqid} names no controller data queue`);
  if (c.kind === 'getCdqFeature') {
    if (c.gsel !== 0) return field('NVMe', `Get Features SEL ${c.gsel}: only the current value (0) is supported`);
    const walk = walkPrps(view.ctx.memory, Number(c.prp1), Number(c.prp2), 8);
    if (!walk.ok) return no(genericStatus(walk.sc), 'NVMe', walk.reason);
    return { accept: true, op: 'getCdqFeature', cdqid: c.cdqid, segments: walk.segments };
  }
  if (c.sv) return field('NVMe', 'SV: the feature is not saveable');
  if (c.hp >= q.entries || c.tpt >= q.entries) return field('D31', `HP ${c.hp} or TPT ${c.tpt} is not below the queue's ${q.entries} entries`);
  const used = (q.tail - q.hp + q.entries) % q.entries;
  const released = (c.hp - q.hp + q.entries) % q.entries;
  if (released > used) return field('D31', `HP ${c.hp} releases entries the controller has not written (head ${q.hp}, tail ${q.tail})`);
  return { accept: true, op: 'setCdqFeature', cdqid: c.cdqid, hp: c.hp, tpt: c.tpt, etpt: c.etpt };
}
