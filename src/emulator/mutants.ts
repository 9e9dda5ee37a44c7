// The deliberately broken variants (options.ts MUTANTS), all of them here:
// each wraps one step of the correct LM steps (migration.ts) from outside,
// a broken route or acceptance before, a broken effect or outcome after, so
// the correct acceptance and executors carry no mutant check at all. The
// controller mutants wrap, the same way, how a completion is written
// (queues.ts POST_COMPLETION) or the admin executor of every profile. Only
// suites proving they catch bugs ask for these (`--mutant`).
import type { Controller } from './controller.ts';
import { CONTROLLER_MUTANTS, STORAGE_MUTANTS, TP4159_MUTANTS, type ControllerMutant, type DeviceConfig, type LmMutant, type Mutant, type StorageMutant, type Tp4159Mutant } from './options.ts';
import type { PostCompletion } from './context.ts';
import type { ProfileExecutors } from './executors.ts';
import { ADMIN } from '../wire/opcodes.ts';
import { CNS_CONTROLLER, LM_CAPABILITY_OFFSET } from '../wire/identify.ts';
import { IDENTIFY, rd, SQE } from './fields.ts';
import { dmaFromHost, dmaToHost, walkPrps } from './prp.ts';
import type { LmView } from './acceptance.ts';
import type { LmSteps } from './migration.ts';
import { LM } from '../wire/opcodes.ts';
import { savedDataSize } from './savedData.ts';
import { captureSave } from './saveDrain.ts';
import { succeeded } from './outcome.ts';
import type { HmlmSteps } from './hmlmExec.ts';
import type { HmlmView } from './hmlmAccept.ts';
import { CompletionQueue } from './queues.ts';
import { HMLM } from '../wire/opcodes.ts';

const BREAK: Readonly<Record<LmMutant, (s: LmSteps) => LmSteps>> = {
  // D1, I1: a VF's own admin queue executes LM commands instead of rejecting or dropping them.
  acceptLmOnVfQueue: (s) => ({
    ...s,
    route: (config, fn, opcode) => {
      const r = s.route(config, fn, opcode);
      const vfQueueRule = r === 'drop' || (typeof r === 'object' && r.decision === 'D1');
      return fn !== 0 && vfQueueRule ? 'execute' : r;
    },
  }),
  // D5, D12: SAVE of a running VF is accepted and captured at once, fetched I/O not drained, the VF left running.
  saveWhileRunning: (s) => ({
    ...s,
    accept: (v, o, view) => s.accept(v, o, v.getUint8(o) === LM.SAVE ? runningLooksStopped(view) : view),
    execute: (c, a, cid) => {
      if (a.op !== 'save' || c.ctx.controller(a.vf).lmState !== 'running') return s.execute(c, a, cid);
      captureSave(c, c.ctx.controller(a.vf), a.segments, a.length);
      return succeeded(0, 'D5');
    },
  }),
  // D7, I5: a LOAD whose data is bad has already torn the VF down and applied registers before it checked.
  partialLoad: (s) => ({
    ...s,
    refuse: (c, r) => {
      if (r.defect !== undefined && r.vf !== undefined) tearDownBeforeChecking(c.ctx.controller(r.vf));
      return s.refuse(c, r);
    },
  }),
  // D8: QUERY counts the admin queue as an I/O queue.
  queryOffByOneQueue: (s) => ({
    ...s,
    execute: (c, a, cid) => {
      const out = s.execute(c, a, cid);
      return a.op === 'query' ? succeeded(savedDataSize(c.ctx.controller(a.vf).ioQueueCount() + 1), out.decision) : out;
    },
  }),
  // D17: the LM commands run on every profile, whatever its capability says.
  ignoreCapability: (s) => ({ ...s, route: (config, fn, opcode) => s.route(withLmCommands(config), fn, opcode) }),
};

/** The steps `s` broken as `mutant` says. */
export function mutateLmSteps(s: LmSteps, mutant: LmMutant): LmSteps {
  return BREAK[mutant](s);
}

/** A mutant of the standard profile's steps: a tp4159 one, or a storage one (STORAGE_MUTANTS). */
export function isTp4159Mutant(m: Mutant): m is Tp4159Mutant | StorageMutant {
  return (TP4159_MUTANTS as readonly string[]).includes(m) || (STORAGE_MUTANTS as readonly string[]).includes(m);
}

export function isControllerMutant(m: Mutant): m is ControllerMutant {
  return (CONTROLLER_MUTANTS as readonly string[]).includes(m);
}

/** How completions are written, broken as a controller mutant says (any other mutant: unchanged). */
export function mutatePost(post: PostCompletion, mutant: Mutant | undefined): PostCompletion {
  return mutant !== undefined && isControllerMutant(mutant) ? (POST_BREAK[mutant]?.(post) ?? post) : post;
}

/** A profile's executors, broken as a controller mutant says (any other mutant: unchanged). */
export function mutateExecutors(ex: ProfileExecutors, mutant: Mutant | undefined): ProfileExecutors {
  return mutant !== undefined && isControllerMutant(mutant) ? (EXECUTOR_BREAK[mutant]?.(ex) ?? ex) : ex;
}

const POST_BREAK: Readonly<Partial<Record<ControllerMutant, (post: PostCompletion) => PostCompletion>>> = {
  // NVMe SQ head pointer: every completion reports the head from before its own command was fetched.
  staleSqHead: (post) => (c, cq, sq, cid, status, dw0, dw1) => {
    const head = sq.head;
    sq.head = (head + sq.size - 1) % sq.size;
    try {
      return post(c, cq, sq, cid, status, dw0, dw1);
    } finally {
      sq.head = head;
    }
  },
  // NVMe phase tag: every pass over the CQ writes phase 1, so after a wrap the host sees nothing new.
  noPhaseInvert: (post) => (c, cq, sq, cid, status, dw0, dw1) => {
    cq.phase = 1;
    return post(c, cq, sq, cid, status, dw0, dw1);
  },
  // I2: a completion on the PF's admin queue comes twice (when the CQ has a free slot for the copy).
  duplicateCompletion: (post) => (c, cq, sq, cid, status, dw0, dw1) => {
    const ok = post(c, cq, sq, cid, status, dw0, dw1);
    if (!ok || c.fn !== 0 || sq.qid !== 0 || cq.room <= 0) return ok;
    cq.reserved++;
    return post(c, cq, sq, cid, status, dw0, dw1);
  },
};

const EXECUTOR_BREAK: Readonly<Partial<Record<ControllerMutant, (ex: ProfileExecutors) => ProfileExecutors>>> = {
  // D2, D17: the PF's Identify Controller reports the opposite live-migration capability in byte 3072.
  badPfIdentify: (ex) => ({
    ...ex,
    admin: (c, v, o) => {
      const out = ex.admin(c, v, o);
      const pfIdentify = c.fn === 0 && v.getUint8(o) === ADMIN.IDENTIFY && rd(v, o, IDENTIFY.cns) === CNS_CONTROLLER;
      if (pfIdentify && out.status === 0) flipCapabilityByte(c, rd(v, o, SQE.prp1), rd(v, o, SQE.prp2));
      return out;
    },
  }),
};

/** badPfIdentify: bit 0 of byte 3072 of the Identify data the PF just wrote, inverted in host memory. */
function flipCapabilityByte(c: Controller, prp1: number, prp2: number): void {
  const mem = c.ctx.memory;
  const walk = walkPrps(mem, prp1, prp2, LM_CAPABILITY_OFFSET + 1);
  if (!walk.ok) return;
  const data = dmaFromHost(mem, walk.segments, LM_CAPABILITY_OFFSET + 1);
  data[LM_CAPABILITY_OFFSET] ^= 1;
  dmaToHost(mem, walk.segments, data);
}

/** The standard profile's steps broken as `mutant` says (hmlmMutants.ts). */
export function mutateHmlmSteps(s: HmlmSteps, mutant: Tp4159Mutant | StorageMutant): HmlmSteps {
  return HMLM_BREAK[mutant](s);
}

/** The device state as saveWhileRunning's acceptance sees it: a running VF passes for a suspended one. */
function runningLooksStopped(view: LmView): LmView {
  return {
    config: view.config,
    memory: view.memory,
    lmState: (vf) => {
      const state = view.lmState(vf);
      return state === 'running' ? 'suspended' : state;
    },
    ioQueueCount: (vf) => view.ioQueueCount(vf),
    maxIoQueues: (vf) => view.maxIoQueues(vf),
  };
}

function withLmCommands(config: DeviceConfig): DeviceConfig {
  return { ...config, profile: { ...config.profile, lmCommands: true } };
}

/** partialLoad: what a LOAD does to the VF before checking its data. */
function tearDownBeforeChecking(vf: Controller): void {
  vf.clearQueues();
  vf.regs.cc = 0;
  vf.regs.csts = 0;
  vf.lmState = 'loaded';
}

// The standard profile's broken variants (tp4159), each wrapping one of its steps (hmlmExec.ts).
const HMLM_BREAK: Readonly<Record<Tp4159Mutant | StorageMutant, (s: HmlmSteps) => HmlmSteps>> = {
  // D26, I11: a Set State whose data fails a check has already created the CQs it names.
  partialSetState: (s) => ({
    ...s,
    refuse: (c, r) => {
      if (r.vf !== undefined && r.state?.nvme) createCqsBeforeChecking(c.ctx.controller(r.vf), r.state.nvme.cqs);
      return s.refuse(c, r);
    },
  }),
  // D22, L5: Suspend completes at once, while a fetched command still waits for its completion.
  suspendBeforeDrain: (s) => ({
    ...s,
    execute: (self, pf, a, cid) => {
      const vf = a.op === 'suspend' ? pf.ctx.controller(a.vf) : undefined;
      if (a.op !== 'suspend' || a.stype !== 1 || vf?.lmState !== 'running' || vf.inFlight.length === 0) return s.execute(self, pf, a, cid);
      vf.lmState = 'suspended';
      return succeeded(0, 'D22');
    },
  }),
  // D25, I12: Get State reports each I/O SQ's head as its tail: doorbells latched while suspended are lost.
  stateDropsLatchedTail: (s) => ({
    ...s,
    capture: (vf, csvi, csuuidi) => {
      const st = s.capture(vf, csvi, csuuidi);
      if (st.nvme) st.nvme = { ...st.nvme, sqs: st.nvme.sqs.map((q) => ({ ...q, tail: q.head })) };
      return st;
    },
  }),
  // I13: VF 1's logged writes go into VF 2's queue when VF 2 logs too.
  crossVfLog: (s) => ({
    ...s,
    log: (pf, fn, e) => s.log(pf, fn === 1 && e.esa === 0 && pf.hmlm.loggingFor(2) ? 2 : fn, e),
  }),
  // D30, I10: a deallocated range (DLBA) is never logged; the namespace changes all the same.
  unloggedDeallocate: (s) => ({
    ...s,
    log: (pf, fn, e) => (e.dlba ? false : s.log(pf, fn, e)),
  }),
  // D29: Track Send start on a suspended VF's queue is accepted as if the VF ran.
  trackWhileSuspended: (s) => ({
    ...s,
    accept: (sqe, view) => s.accept(sqe, sqe[0] === HMLM.TRACK_SEND ? suspendedLooksRunning(view) : view),
  }),
  // D20, D28: a Controller Data Queue is created for CNTLID 0, the management controller itself.
  cdqForPf: (s) => ({
    ...s,
    accept: (sqe, view) => {
      const cqsIsPf = sqe[0] === HMLM.CONTROLLER_DATA_QUEUE && sqe[40] === 0 && sqe[46] === 0 && sqe[47] === 0;
      if (!cqsIsPf || view.ctx.config.vfs === 0) return s.accept(sqe, view);
      const asVf1 = sqe.slice();
      asVf1[46] = 1;
      const r = s.accept(asVf1, view);
      return r.accept && r.op === 'cdqCreate' ? { ...r, cntlid: 0 } : s.accept(sqe, view);
    },
  }),
};

/** partialSetState: the CQs of a bad state that fit, created before the checks. */
function createCqsBeforeChecking(vf: Controller, cqs: readonly { qid: number; prp1: bigint; qsize: number; ien: boolean; iv: number }[]): void {
  for (const q of cqs) {
    if (q.qid < 1 || q.qid > vf.maxIoQueues || vf.cqs[q.qid] || q.qsize < 1) continue;
    vf.setCq(q.qid, new CompletionQueue(q.qid, Number(q.prp1), q.qsize + 1, q.ien, q.iv));
  }
}

function suspendedLooksRunning(view: HmlmView): HmlmView {
  return { ...view, lmState: (vf) => (view.lmState(vf) === 'suspended' ? 'running' : view.lmState(vf)) };
}
