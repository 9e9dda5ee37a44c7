// Admin commands every controller (PF and VF) serves, whatever the profile:
// Identify, Create and Delete I/O SQ/CQ, Set/Get Features (Number of
// Queues), Abort. A profile's executor set (executors.ts) takes its own
// opcodes first; any other opcode here is Invalid Command Opcode. Each
// command validates fully before it changes anything, and returns its
// outcome (outcome.ts).
import type { Controller } from './controller.ts';
import { ADMIN, FEATURE_NUMBER_OF_QUEUES } from '../wire/opcodes.ts';
import { CNS_CONTROLLER } from '../wire/identify.ts';
import { CNS_NAMESPACE } from '../wire/identifyNamespace.ts';
import { CREATE_CQ, CREATE_SQ, DELETE_Q, FEATURES, genericStatus, IDENTIFY, rd, SQE, ST } from './fields.ts';
import { CompletionQueue, CQE_SIZE, SQE_SIZE, SubmissionQueue } from './queues.ts';
import { MAX_QUEUE_ENTRIES } from './registers.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { dmaToHost, walkPrps } from './prp.ts';
import { identifyControllerPage, identifyNamespacePage } from './identifyData.ts';
import { rejected, succeeded, SUCCESS, type Outcome } from './outcome.ts';

const NSID_ALL = 0xffffffff;

/** Abort never aborts here: DW0 bit 0 = 1 says "command not aborted" (allowed by NVMe). */
const NOT_ABORTED = succeeded(1);

export function execAdmin(c: Controller, v: DataView, o: number): Outcome {
  const opc = v.getUint8(o);
  switch (opc) {
    case ADMIN.IDENTIFY:
    case ADMIN.CREATE_IO_CQ:
    case ADMIN.CREATE_IO_SQ:
    case ADMIN.DELETE_IO_CQ:
    case ADMIN.DELETE_IO_SQ:
    case ADMIN.SET_FEATURES:
    case ADMIN.GET_FEATURES:
    case ADMIN.ABORT:
      break;
    default:
      return rejected(ST.INVALID_OPCODE, 'NVMe', `admin opcode 0x${opc.toString(16)} is not supported`);
  }
  // No fused operations and no SGLs here (as D9 states for the LM commands).
  if (rd(v, o, SQE.fuse) !== 0) return rejected(ST.INVALID_FIELD, 'D9', 'FUSE != 0: fused operations are not supported');
  if (rd(v, o, SQE.psdt) !== 0) return rejected(ST.INVALID_FIELD, 'D9', 'PSDT != 00b: only PRPs are supported');
  switch (opc) {
    case ADMIN.IDENTIFY:
      return identify(c, v, o);
    case ADMIN.CREATE_IO_CQ:
      return createCq(c, v, o);
    case ADMIN.CREATE_IO_SQ:
      return createSq(c, v, o);
    case ADMIN.DELETE_IO_CQ:
      return deleteCq(c, v, o);
    case ADMIN.DELETE_IO_SQ:
      return deleteSq(c, v, o);
    case ADMIN.SET_FEATURES:
      return setFeatures(c, v, o);
    case ADMIN.GET_FEATURES:
      return getFeatures(c, v, o);
    default:
      return NOT_ABORTED;
  }
}

function identify(c: Controller, v: DataView, o: number): Outcome {
  const cns = rd(v, o, IDENTIFY.cns);
  let page: Uint8Array;
  if (cns === CNS_CONTROLLER) {
    page = identifyControllerPage(c.ctx.config.profile, c.fn);
  } else if (cns === CNS_NAMESPACE) {
    const nsid = rd(v, o, SQE.nsid);
    if (nsid !== 1 && nsid !== NSID_ALL) return rejected(ST.INVALID_NAMESPACE, 'NVMe', `namespace ${nsid} does not exist (only namespace 1)`);
    page = identifyNamespacePage(c.ctx.namespace.lbaCount);
  } else {
    return rejected(ST.INVALID_FIELD, 'NVMe', `Identify CNS 0x${cns.toString(16)} is not supported (use 00h or 01h)`);
  }
  const walk = walkPrps(c.ctx.memory, rd(v, o, SQE.prp1), rd(v, o, SQE.prp2), page.length);
  if (!walk.ok) return rejected(genericStatus(walk.sc), 'NVMe', walk.reason);
  dmaToHost(c.ctx.memory, walk.segments, page);
  return SUCCESS;
}

/** Checks shared by Create I/O CQ/SQ; undefined when the queue may be created. */
function queueChecks(c: Controller, qid: number, qsize: number, pc: number, base: number, entrySize: number, exists: boolean): Outcome | undefined {
  if (qid === 0 || qid > c.maxIoQueues || exists) {
    return rejected(ST.CMD_INVALID_QID, 'NVMe', `queue id ${qid} is in use or outside 1..${c.maxIoQueues}`);
  }
  if (qsize === 0 || qsize + 1 > MAX_QUEUE_ENTRIES) {
    return rejected(ST.CMD_INVALID_QSIZE, 'NVMe', `queue size ${qsize + 1} entries is outside 2..${MAX_QUEUE_ENTRIES}`);
  }
  if (pc === 0) return rejected(ST.INVALID_FIELD, 'NVMe', 'queues must be physically contiguous (CAP.CQR = 1): set PC');
  if (base % PAGE_SIZE !== 0) return rejected(ST.PRP_OFFSET_INVALID, 'NVMe', 'queue base (PRP1) must be 4 KiB aligned');
  if (!c.ctx.memory.isMapped(base, (qsize + 1) * entrySize)) {
    return rejected(ST.DATA_TRANSFER_ERROR, 'NVMe', 'queue memory is not mapped in host memory');
  }
  return undefined;
}

function createCq(c: Controller, v: DataView, o: number): Outcome {
  const qid = rd(v, o, CREATE_CQ.qid);
  const qsize = rd(v, o, CREATE_CQ.qsize);
  const base = rd(v, o, SQE.prp1);
  const bad = queueChecks(c, qid, qsize, rd(v, o, CREATE_CQ.pc), base, CQE_SIZE, c.cqs[qid] !== undefined);
  if (bad) return bad;
  c.setCq(qid, new CompletionQueue(qid, base, qsize + 1, rd(v, o, CREATE_CQ.ien) === 1, rd(v, o, CREATE_CQ.iv)));
  return SUCCESS;
}

function createSq(c: Controller, v: DataView, o: number): Outcome {
  const qid = rd(v, o, CREATE_SQ.qid);
  const cqid = rd(v, o, CREATE_SQ.cqid);
  if (qid === 0 || qid > c.maxIoQueues || c.sqs[qid] !== undefined) {
    return rejected(ST.CMD_INVALID_QID, 'NVMe', `queue id ${qid} is in use or outside 1..${c.maxIoQueues}`);
  }
  if (cqid === 0 || cqid > c.maxIoQueues || c.cqs[cqid] === undefined) {
    return rejected(ST.CMD_CQ_INVALID, 'NVMe', `completion queue ${cqid} does not exist: create it first`);
  }
  const qsize = rd(v, o, CREATE_SQ.qsize);
  const base = rd(v, o, SQE.prp1);
  const bad = queueChecks(c, qid, qsize, rd(v, o, CREATE_SQ.pc), base, SQE_SIZE, c.sqs[qid] !== undefined);
  if (bad) return bad;
  c.setSq(qid, new SubmissionQueue(qid, base, qsize + 1, cqid, rd(v, o, CREATE_SQ.qprio)));
  return SUCCESS;
}

function deleteSq(c: Controller, v: DataView, o: number): Outcome {
  const qid = rd(v, o, DELETE_Q.qid);
  const sq = qid === 0 || qid > c.maxIoQueues ? undefined : c.sqs[qid];
  if (!sq) return rejected(ST.CMD_INVALID_QID, 'NVMe', `I/O submission queue ${qid} does not exist`);
  // Commands still in flight from this SQ complete as aborted; unfetched entries are discarded.
  const keep = [];
  for (const f of c.inFlight) {
    if (f.sqid === qid) c.complete(sq, f.cid, ST.ABORTED_SQ_DELETION, 0);
    else keep.push(f);
  }
  c.inFlight = keep;
  c.setSq(qid, undefined);
  return SUCCESS;
}

function deleteCq(c: Controller, v: DataView, o: number): Outcome {
  const qid = rd(v, o, DELETE_Q.qid);
  if (qid === 0 || qid > c.maxIoQueues || !c.cqs[qid]) return rejected(ST.CMD_INVALID_QID, 'NVMe', `I/O completion queue ${qid} does not exist`);
  for (const sq of c.sqs) {
    if (sq && sq.qid !== 0 && sq.cqid === qid) {
      return rejected(ST.CMD_INVALID_QDELETION, 'NVMe', `completion queue ${qid} still serves SQ ${sq.qid}: delete the SQ first`);
    }
  }
  c.setCq(qid, undefined);
  return SUCCESS;
}

function setFeatures(c: Controller, v: DataView, o: number): Outcome {
  const fid = rd(v, o, FEATURES.fid);
  if (fid !== FEATURE_NUMBER_OF_QUEUES) return rejected(ST.INVALID_FIELD, 'NVMe', `feature 0x${fid.toString(16)} is not supported (only Number of Queues, 07h)`);
  const nsqr = rd(v, o, FEATURES.nsqr);
  const ncqr = rd(v, o, FEATURES.ncqr);
  if (nsqr === 0xffff || ncqr === 0xffff) return rejected(ST.INVALID_FIELD, 'NVMe', 'Number of Queues: 65535 (zero-based) is not allowed');
  c.nsqa = Math.min(nsqr, c.maxIoQueues - 1);
  c.ncqa = Math.min(ncqr, c.maxIoQueues - 1);
  return succeeded(((c.ncqa << 16) | c.nsqa) >>> 0);
}

function getFeatures(c: Controller, v: DataView, o: number): Outcome {
  const fid = rd(v, o, FEATURES.fid);
  if (fid !== FEATURE_NUMBER_OF_QUEUES) return rejected(ST.INVALID_FIELD, 'NVMe', `feature 0x${fid.toString(16)} is not supported (only Number of Queues, 07h)`);
  return succeeded(((c.ncqa << 16) | c.nsqa) >>> 0);
}

