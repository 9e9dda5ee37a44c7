// The executor set of the standard profile, tp4159 (D19-D34). The PF admin
// queue takes the management commands (acceptance in hmlmAccept.ts, pure;
// effects here), Identify CNS 01h/15h/20h, Set/Get Features 21h and
// Asynchronous Event Requests; a VF's admin queue rejects the management
// opcodes (D19); I/O that changes user data is logged before its completion
// is posted (D30). The steps are a table (HmlmSteps) so that mutants.ts can
// break one of them from outside.
import type { Controller } from './controller.ts';
import type { SubmissionQueue } from './queues.ts';
import type { ProfileExecutors } from './executors.ts';
import { execAdmin } from './adminExec.ts';
import { execIo, runNvm } from './nvmExec.ts';
import { genericStatus, IDENTIFY, rd, RW, SQE, ST, statusWord } from './fields.ts';
import { HELD, IN_FLIGHT, rejected, succeeded, SUCCESS, type Outcome } from './outcome.ts';
import { dmaToHost, walkPrps } from './prp.ts';
import { hmlmIdentifyPage } from './identifyData.ts';
import { getLogPage } from './effectsLog.ts';
import { GET_LOG_PAGE } from '../wire/effectsLog.ts';
import { acceptHmlm, type HmlmAccepted, type HmlmAcceptance, type HmlmRejection, type HmlmView } from './hmlmAccept.ts';
import { applyState, captureState } from './hmlmControllerState.ts';
import { marker, postUdmq, rangeEntry } from './udmqLog.ts';
import { ADMIN, ASYNC_EVENT_REQUEST, FEATURE_CONTROLLER_DATA_QUEUE, HMLM, NVM, NVM_DATASET_MANAGEMENT, NVM_WRITE_ZEROES } from '../wire/opcodes.ts';
import { runDataChange } from './hmlmNvm.ts';
import { virtualizationManagement } from './hmlmVirt.ts';
import { OPC_VIRTUALIZATION_MANAGEMENT } from '../wire/virtMgmt.ts';
import { SCT_COMMAND_SPECIFIC, SC_AER_LIMIT_EXCEEDED } from '../wire/status.ts';
import { encodeCdqCreateDw0, encodeCdqFeatureData, encodeGetStateDw0 } from '../wire/tp4159/completions.ts';
import { UDMQ_ESA, type UdmqEntry } from '../wire/tp4159/udmq.ts';
import type { ControllerState } from '../wire/tp4159/state.ts';

/** What a management command goes through; each step is replaceable (mutants.ts). */
export interface HmlmSteps {
  /** pure acceptance of a command on the PF admin queue */
  accept(sqe: Uint8Array, view: HmlmView): HmlmAcceptance;
  /** the outcome of a rejected command; changes nothing */
  refuse(c: Controller, r: HmlmRejection): Outcome;
  /** the effect of an accepted command, issued on `c`'s (the PF's) admin queue; `self` is the whole (possibly broken) table */
  execute(self: HmlmSteps, c: Controller, a: HmlmAccepted, cid: number): Outcome;
  /** what Get Controller State reports of `vf` (D24, D25) */
  capture(vf: Controller, csvi: number, csuuidi: number): ControllerState;
  /** log one entry of VF `fn`'s changes (D30); false when nothing was logged */
  log(pf: Controller, fn: number, e: Omit<UdmqEntry, 'phase'>): boolean;
}

/** AERL + 1: Asynchronous Event Requests held at once per controller. */
const MAX_AERS = 4;
const MANAGEMENT = new Set<number>(Object.values(HMLM));
const VF_MANAGES: Outcome = Object.freeze(rejected(ST.INVALID_OPCODE, 'D19', 'management commands belong on the PF admin queue; a VF has none'));
const AER_LIMIT = statusWord(SCT_COMMAND_SPECIFIC, SC_AER_LIMIT_EXCEEDED, true);

function sqeBytes(v: DataView, o: number): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset + o, 64);
}

/** The admin executor of every function of a tp4159 device. */
function admin(s: HmlmSteps, c: Controller, v: DataView, o: number): Outcome {
  const opc = v.getUint8(o);
  if (MANAGEMENT.has(opc)) {
    if (c.isVf) return VF_MANAGES; // D19, I9: nothing changed, whatever CNTLID it names
    return management(s, c, sqeBytes(v, o), rd(v, o, SQE.cid));
  }
  if (opc === ASYNC_EVENT_REQUEST) return asyncEventRequest(c, rd(v, o, SQE.cid));
  if (opc === ADMIN.IDENTIFY) return identify(c, v, o);
  if (opc === OPC_VIRTUALIZATION_MANAGEMENT && !c.isVf) return virtualizationManagement(c, v, o);
  if (opc === GET_LOG_PAGE) return getLogPage(c, v, o); // D19: the effects log tells PF from VF
  const isFeature = opc === ADMIN.SET_FEATURES || opc === ADMIN.GET_FEATURES;
  if (isFeature && v.getUint8(o + 40) === FEATURE_CONTROLLER_DATA_QUEUE) {
    if (c.isVf) return rejected(ST.INVALID_FIELD, 'D19', 'feature 21h (controller data queue) exists on the management controller only');
    return management(s, c, sqeBytes(v, o), rd(v, o, SQE.cid));
  }
  return execAdmin(c, v, o);
}

function management(s: HmlmSteps, pf: Controller, sqe: Uint8Array, cid: number): Outcome {
  const a = s.accept(sqe, viewOf(s, pf));
  if (!a.accept) return s.refuse(pf, a);
  return s.execute(s, pf, a, cid);
}

function viewOf(s: HmlmSteps, pf: Controller): HmlmView {
  const ctx = pf.ctx;
  return { ctx, lmState: (vf) => ctx.controller(vf).lmState, controller: (fn) => ctx.controller(fn), capture: s.capture };
}

/** D33: an AER is held until an event completes it (or takes an event raised while none was outstanding). */
function asyncEventRequest(c: Controller, cid: number): Outcome {
  const ev = c.pendingEvents.shift();
  if (ev) return { status: ST.SUCCESS, dw0: ev.dw0, dw1: ev.dw1, decision: 'D33' };
  if (c.aers.length >= MAX_AERS) return rejected(AER_LIMIT, 'NVMe', `more than ${MAX_AERS} Asynchronous Event Requests outstanding (AERL)`);
  c.aers.push(cid);
  return { status: IN_FLIGHT, dw0: 0, decision: 'D33', reason: 'held until an asynchronous event occurs' };
}

function identify(c: Controller, v: DataView, o: number): Outcome {
  const page = hmlmIdentifyPage(c.ctx.config.profile, c.fn, rd(v, o, IDENTIFY.cns), { vfs: c.ctx.config.vfs, online: (vf) => c.ctx.controller(vf).hmlm.online, vendorState: c.ctx.config.tp4159.vendorState });
  if (!page || rd(v, o, SQE.fuse) !== 0 || rd(v, o, SQE.psdt) !== 0) return execAdmin(c, v, o);
  const walk = walkPrps(c.ctx.memory, rd(v, o, SQE.prp1), rd(v, o, SQE.prp2), page.length);
  if (!walk.ok) return rejected(genericStatus(walk.sc), 'NVMe', walk.reason);
  dmaToHost(c.ctx.memory, walk.segments, page);
  return SUCCESS;
}

function refuse(_c: Controller, r: HmlmRejection): Outcome {
  return { status: r.status, dw0: 0, ...(r.decision === undefined ? {} : { decision: r.decision }), ...(r.reason === undefined ? {} : { reason: r.reason }) };
}

function execute(s: HmlmSteps, pf: Controller, a: HmlmAccepted, cid: number): Outcome {
  const ctx = pf.ctx;
  switch (a.op) {
    case 'suspend':
      return suspend(s, pf, ctx.controller(a.vf), a.stype, a.dudmq, cid);
    case 'resume': {
      const vf = ctx.controller(a.vf);
      vf.lmState = 'running';
      vf.hmlm.parts = undefined; // D26: Set State parts belong to one suspension
      if (pf.hmlm.loggingFor(a.vf)) s.log(pf, a.vf, marker(UDMQ_ESA.FIRST)); // D32
      vf.kick(); // D23, L6: latched tails are fetched without another doorbell
      return succeeded(0, 'D23');
    }
    case 'getState':
      dmaToHost(ctx.memory, a.segments, a.bytes);
      return succeeded(encodeGetStateDw0(a.csup), 'D24');
    case 'setPart':
      ctx.controller(a.vf).hmlm.parts = { data: a.data, csvi: a.csvi, csuuidi: a.csuuidi };
      return succeeded(0, 'D26');
    case 'restartParts':
      ctx.controller(a.vf).hmlm.parts = undefined;
      return rejected(a.status, a.decision, a.reason);
    case 'setState': {
      const vf = ctx.controller(a.vf);
      vf.hmlm.parts = undefined;
      applyState(vf, a.state);
      return succeeded(0, 'D26');
    }
    case 'cdqCreate': {
      let id = 1;
      while (pf.hmlm.cdqs.has(id)) id++;
      pf.hmlm.cdqs.set(id, { cdqid: id, cntlid: a.cntlid, pages: a.pages, entries: a.entries, tail: 0, phase: 1, hp: 0, tpt: 0, etpt: false, logging: false });
      return succeeded(encodeCdqCreateDw0(id), 'D28');
    }
    case 'cdqDelete':
      pf.hmlm.cdqs.delete(a.cdqid);
      return succeeded(0, 'D28');
    case 'trackSend':
      return trackSend(s, pf, a.cdqid, a.lact);
    case 'setCdqFeature': {
      const q = pf.hmlm.cdqs.get(a.cdqid)!;
      q.hp = a.hp;
      q.tpt = a.tpt;
      q.etpt = a.etpt;
      return succeeded(0, 'D31');
    }
    default: {
      const q = pf.hmlm.cdqs.get(a.cdqid)!;
      dmaToHost(ctx.memory, a.segments, encodeCdqFeatureData({ hp: q.hp, tpt: q.tpt }));
      return succeeded(0, 'D31');
    }
  }
}

/** D22: STYPE 1 stops fetching; fetched commands complete first (held like the lm SAVE, saveDrain.ts), then D32's ESA 3. */
function suspend(s: HmlmSteps, pf: Controller, vf: Controller, stype: number, dudmq: boolean, cid: number): Outcome {
  if (stype === 0 || vf.lmState === 'suspended') return succeeded(0, 'D22');
  if (vf.lmState === 'saving') return rejected(ST.SEQUENCE_ERROR, 'D22', 'a Suspend of this VF is still draining its fetched commands: wait for its completion');
  if (vf.inFlight.length === 0) {
    finishSuspend(s, pf, vf, dudmq);
    return succeeded(0, 'D22');
  }
  vf.lmState = 'saving'; // fetches nothing while the drain runs
  vf.heldSave = {
    issuer: pf.fn,
    cid,
    segments: [],
    length: 0,
    drained: {
      opcode: HMLM.MIGRATION_SEND,
      finish: (v) => {
        finishSuspend(s, pf, v, dudmq);
        return { status: ST.SUCCESS, decision: 'D22', reason: 'every fetched command completed before the Suspend (L5)' };
      },
    },
  };
  return { status: IN_FLIGHT, dw0: 0, decision: 'D22', reason: `Suspend waits until the VF's ${vf.inFlight.length} fetched command(s) complete` };
}

function finishSuspend(s: HmlmSteps, pf: Controller, vf: Controller, dudmq: boolean): void {
  vf.lmState = 'suspended';
  const q = pf.hmlm.loggingFor(vf.fn);
  if (q) s.log(pf, vf.fn, marker(UDMQ_ESA.LAST_SUSPENDED)); // D32
  if (dudmq) for (const [id, cdq] of pf.hmlm.cdqs) if (cdq.cntlid === vf.fn) pf.hmlm.cdqs.delete(id);
}

function trackSend(s: HmlmSteps, pf: Controller, cdqid: number, lact: number): Outcome {
  const q = pf.hmlm.cdqs.get(cdqid)!;
  if ((lact === 1) === q.logging) return succeeded(0, 'D29'); // start while on, stop while off: nothing posted
  if (lact === 1) {
    q.logging = true;
    s.log(pf, q.cntlid, marker(UDMQ_ESA.FIRST));
  } else {
    s.log(pf, q.cntlid, marker(UDMQ_ESA.LAST_STOPPED));
    q.logging = false;
  }
  return succeeded(0, 'D29');
}

/** The correct logging step: VF `fn`'s entries go to its own queue (I13). */
function log(pf: Controller, fn: number, e: Omit<UdmqEntry, 'phase'>): boolean {
  const q = pf.hmlm.loggingFor(fn);
  return q !== undefined && postUdmq(pf, q, e);
}

/** D30: a Write (Write Zeroes and deallocate: above) that completed successfully on a logged VF has its entry before its CQE. */
function logged(s: HmlmSteps, c: Controller, v: DataView, o: number, out: Outcome): Outcome {
  if (!c.isVf || out.status !== ST.SUCCESS || v.getUint8(o) !== NVM.WRITE) return out;
  s.log(c.ctx.controller(0), c.fn, rangeEntry(rd(v, o, RW.slba), rd(v, o, RW.nlb) + 1, false));
  return out;
}

/** The executor set for steps `s`. */
export function hmlmExecutors(s: HmlmSteps): ProfileExecutors {
  return {
    admin: (c, v, o) => admin(s, c, v, o),
    io: (c: Controller, sq: SubmissionQueue, v: DataView, o: number) => {
      const opc = v.getUint8(o);
      if (opc === NVM_WRITE_ZEROES || opc === NVM_DATASET_MANAGEMENT) {
        const r = runDataChange(c, v, o);
        if (c.isVf) for (const x of r.ranges) s.log(c.ctx.controller(0), c.fn, rangeEntry(x.slba, x.blocks, x.deallocated));
        return r.out;
      }
      const out = execIo(c, sq, v, o);
      return out === HELD ? out : logged(s, c, v, o, out);
    },
    completeHeld: (c, v, o) => logged(s, c, v, o, runNvm(c, v, o)),
  };
}

/** The correct device's steps. */
export const HMLM_STEPS: HmlmSteps = Object.freeze({
  accept: acceptHmlm,
  refuse,
  execute,
  capture: captureState,
  log,
});
