// One generated sequence on a fresh device: bring-up (PF and every VF
// enabled, one I/O queue pair per VF), the steps, then the finish that lets
// everything complete (RESUME every stopped VF, complete all deferred I/O)
// after which no command may lack its completion (I2, L2, L3).
import { LM } from '../wire/opcodes.ts';
import { encodeLmCommand } from '../wire/lmCommands.ts';
import { describeSqe, describeStep, queueName } from './describe.ts';
import { completeIoStep, createQueues, deleteQueues, enableStep, ioStep, resetStep } from './guestSteps.ts';
import { lmStep, loadStep, migrateStep } from './lmSteps.ts';
import { cdqStep, hmlmMigrateStep } from './hmlmSteps.ts';
import { encodeTp4159 } from '../wire/tp4159/commandCodec.ts';
import { FuzzFailure } from './failure.ts';
import { Runner, type RunStats } from './runner.ts';
import { submitStep } from './submitStep.ts';
import { resolveFn, resolveVf, type FuzzDevice, type Step } from './steps.ts';

interface SequenceResult {
  stats: RunStats;
  /** filled only when run with `record` */
  transcript: string[];
  failure?: FuzzFailure;
}

function runStep(r: Runner, s: Step): void {
  const vfs = r.cfg.vfs;
  switch (s.kind) {
    case 'submit':
      return submitStep(r, s.target, s.sqe);
    case 'enable':
      return enableStep(r, resolveFn(s.fn, vfs));
    case 'createQueues':
      return createQueues(r, resolveVf(s.vf, vfs), s.entries);
    case 'deleteQueues':
      return deleteQueues(r, resolveVf(s.vf, vfs), s.slot);
    case 'io':
      return ioStep(r, resolveVf(s.vf, vfs), s.slot, s.op, s.slba, s.blocks, s.fill);
    case 'completeIo':
      return completeIoStep(r, resolveVf(s.vf, vfs), s.n);
    case 'lm':
      return lmStep(r, s.op, resolveVf(s.vf, vfs));
    case 'load':
      loadStep(r, resolveVf(s.vf, vfs), s.image, s.offset);
      return;
    case 'migrate':
      return migrateStep(r, resolveVf(s.vf, vfs), s.image, s.offset, s.saveTwice, s.resume);
    case 'reset':
      return resetStep(r, s.what, resolveFn(s.fn, vfs), s.recover);
    case 'cdq':
      return cdqStep(r, resolveVf(s.vf, vfs), s.entries, s.start, s.tpt, s.aer);
    case 'hmlmMigrate':
      return hmlmMigrateStep(r, resolveVf(s.from, vfs), resolveVf(s.to, vfs), s.csuuidi, s.offset, s.plan, s.mutation);
  }
}

function bringUp(r: Runner): void {
  r.enable(0);
  for (let vf = 1; vf <= r.cfg.vfs; vf++) {
    r.enable(vf);
    createQueues(r, vf, 16);
  }
}

/** Let everything finish; then nothing may be left without its completion. */
function finish(r: Runner): void {
  if (!r.host.queues(0)) r.enable(0);
  // First the I/O in flight (a SAVE waiting for it completes too, D12), then RESUME, then what RESUME fetched.
  for (let vf = 1; vf <= r.cfg.vfs; vf++) completeIoStep(r, vf, Number.MAX_SAFE_INTEGER);
  for (let vf = 1; vf <= r.cfg.vfs; vf++) {
    if (r.running.get(vf) !== false) continue;
    const resume = r.hmlm ? encodeTp4159({ kind: 'resume', cid: 0, cntlid: vf }) : encodeLmCommand({ opcode: LM.RESUME, vfIndex: vf });
    r.submit(0, 0, resume, { origin: 'host' });
  }
  for (let vf = 1; vf <= r.cfg.vfs; vf++) completeIoStep(r, vf, Number.MAX_SAFE_INTEGER);
  for (const o of r.outstanding.values()) {
    if (o.mayDrop || o.waitsForEvent) continue;
    throw new FuzzFailure('I2', `finish: ${queueName(o.fn, o.sqid)} ${describeSqe(o.sqe, !o.admin)} (posted in step ${o.step}) never completed, even after RESUME of every VF and completing all I/O (L2, L3)`);
  }
}

/** Run one sequence; a broken rule comes back as `failure`. */
export function runSequence(cfg: FuzzDevice, steps: readonly Step[], record = false): SequenceResult {
  const r = new Runner(cfg, record);
  try {
    r.log('bring-up: enable the PF and every VF, one I/O queue pair per VF');
    bringUp(r);
    steps.forEach((s, i) => {
      r.step = i;
      if (record) r.log(`[step ${i}] ${describeStep(s)}`);
      runStep(r, s);
    });
    r.step = steps.length;
    r.log('finish: RESUME every stopped VF, complete all I/O in flight');
    finish(r);
  } catch (e) {
    if (e instanceof FuzzFailure) return { stats: r.stats, transcript: r.transcript, failure: e };
    throw e;
  }
  return { stats: r.stats, transcript: r.transcript };
}
