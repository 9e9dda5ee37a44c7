// What the runner does with one completion: check it (I2's known status,
// DW1, SQ head; D1; D17; D7's refused images; the host's own commands that
// must succeed), then learn from it: queues created or deleted, and the VF
// LM state a successful SUSPEND, RESUME, SAVE or LOAD leaves (D5).
import { describeStatus, isSuccess, SC, SCT_GENERIC } from '../wire/status.ts';
import type { Cqe } from '../wire/cqe.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import type { FunctionQueues } from './host.ts';
import { EXECUTES_LM, type Outstanding } from './ledger.ts';
import { knownStatus } from './statuses.ts';
import { describeCqe, describeSqe, queueName } from './describe.ts';
import { readBuffer } from './buffers.ts';
import { FuzzFailure } from './failure.ts';
import type { Runner } from './runner.ts';
import { u16 } from './bytes.ts';
import { hmlmSucceeded } from './hmlmCompletions.ts';
import { ADMIN, FEATURE_CONTROLLER_DATA_QUEUE } from '../wire/opcodes.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Check one completion and learn from it. */
export function onCompletion(r: Runner, o: Outstanding, c: Cqe): void {
  if (r.record) r.log(`    [step ${r.step}] ${queueName(o.fn, o.sqid)} cid ${hex(o.cid)} -> ${describeCqe(c)}`);
  // Described only when something fails: formatting costs more than the checks.
  const what = (): string => `${queueName(o.fn, o.sqid)} ${describeSqe(o.sqe, !o.admin)}`;
  if (!knownStatus(c.sct, c.sc, o.lmOpcode && !r.hmlm, r.hmlm)) throw new FuzzFailure('I2', `${what()}: status ${describeStatus(c)} is not in the table`);
  // D33: a One-Shot event carries its CDQID in DW1
  if (c.dw1 !== 0 && !o.waitsForEvent) throw new FuzzFailure('I2', `${what()}: CQE DW1 (reserved) is ${hex(c.dw1)}`);
  if (c.sqhd >= o.sqSize) throw new FuzzFailure('I2', `${what()}: CQE SQ head ${c.sqhd} lies outside the ${o.sqSize}-entry SQ`);
  const ok = isSuccess(c);
  const cdqFeature = o.admin && o.sqe[0] === ADMIN.SET_FEATURES && o.sqe[40] === FEATURE_CONTROLLER_DATA_QUEUE;
  const keep = ok && r.hmlm && (o.lmOpcode || cdqFeature) && o.fn === 0 && hmlmSucceeded(r, o, c, what);
  if (!keep) r.host.release(o.pages);
  const invalidOpcode = c.sct === SCT_GENERIC && c.sc === SC.INVALID_OPCODE && c.dnr;
  if (o.lmOpcode && o.fn !== 0 && !invalidOpcode) {
    throw new FuzzFailure(r.hmlm ? 'D19' : 'D1', `${what()}: a management opcode on a VF admin queue must complete with Invalid Command Opcode (DNR) or, under drop, not at all; got ${describeStatus(c)}`);
  }
  if (o.lmOpcode && o.fn === 0 && !EXECUTES_LM[r.cfg.profile] && !(r.cfg.profile === 'foreign' && o.sqe[0] === 0xc4) && !invalidOpcode) {
    throw new FuzzFailure('D17', `${what()}: profile ${r.cfg.profile} does not implement this opcode, so it is Invalid Command Opcode (DNR); got ${describeStatus(c)}`);
  }
  if (o.mustFail && ok) throw new FuzzFailure(r.hmlm ? o.mustFail.split(':')[0] : 'D7', `${what()}: ${o.mustFail}, yet ${r.hmlm ? 'it' : 'LOAD'} succeeded (${r.hmlm ? 'I11' : 'I5'})`);
  // A command in flight when its SQ is deleted completes as aborted (NVMe): that is its one completion.
  const abortedByDeletion = o.fetched && c.sct === SCT_GENERIC && c.sc === SC.ABORTED_SQ_DELETION;
  if (o.mustSucceed && !ok && !abortedByDeletion) throw new FuzzFailure(o.mustSucceed.split(':')[0], `${what()}: ${o.mustSucceed}; got ${describeStatus(c)}`);
  if (!ok) r.stats.rejected++;
  if (o.mustFail && !ok) r.stats.refusedImages++;
  const f = r.host.queues(o.fn);
  if (!ok) {
    if (o.creates?.sq && f?.sqs.get(o.creates.sq.qid) === o.creates.sq) f.sqs.delete(o.creates.sq.qid);
    if (o.creates?.cq && f?.cqs.get(o.creates.cq.qid) === o.creates.cq) f.cqs.delete(o.creates.cq.qid);
    return;
  }
  if (o.creates?.sq) o.creates.sq.ready = true;
  if (o.admin && f && !o.creates) learnQueues(o, f);
  if (o.lmOpcode && !r.hmlm) lmSucceeded(r, o, what);
}

/** A Create or Delete the host did not build still changes which queue ids exist. */
function learnQueues(o: Outstanding, f: FunctionQueues): void {
  const qid = u16(o.sqe, 40);
  if (qid === 0) return;
  switch (o.sqe[0]) {
    case 0x05:
      f.foreignCqs.add(qid);
      break;
    case 0x01:
      f.foreignSqs.add(qid);
      break;
    case 0x00:
      f.sqs.delete(qid);
      f.foreignSqs.delete(qid);
      break;
    case 0x04:
      f.cqs.delete(qid);
      f.foreignCqs.delete(qid);
      break;
  }
}

/** A successful LM command: follow the VF's state as D5 says, and check it was allowed. */
function lmSucceeded(r: Runner, o: Outstanding, what: () => string): void {
  r.stats.lmSuccess++;
  const vf = u16(o.sqe, 40);
  if (vf < 1 || vf > r.cfg.vfs || (r.cfg.profile === 'foreign' && o.sqe[0] === 0xc4)) return;
  switch (o.sqe[0]) {
    case 0xc8:
      r.running.set(vf, false);
      break;
    case 0xcc:
      r.running.set(vf, true);
      break;
    case 0xd2:
    case 0xd5: {
      if (r.running.get(vf)) throw new FuzzFailure('D5', `${what()}: ${o.sqe[0] === 0xd2 ? 'SAVE' : 'LOAD'} succeeded on VF${vf}, which is running (Command Sequence Error expected)`);
      if (o.sqe[0] === 0xd2) {
        r.drained.add(vf);
        const image = readSave(r, o);
        if (image) r.saves.push({ vf, image });
      } else if (o.image?.real) {
        r.stats.realLoads++;
        r.cleanSave.set(vf, o.image.bytes);
      }
      break;
    }
  }
}

/** The bytes a SAVE wrote to the host's buffer (length from the header's totalLength, bytes 11:8). */
function readSave(r: Runner, o: Outstanding): Uint8Array | undefined {
  if (!o.buffer) return undefined;
  const head = readBuffer(r.host, o.buffer, 16);
  const len = head[8] | (head[9] << 8) | (head[10] << 16) | (head[11] * 0x100_0000);
  if (len < 16 || len > 3 * PAGE_SIZE) return undefined;
  return readBuffer(r.host, o.buffer, len);
}
