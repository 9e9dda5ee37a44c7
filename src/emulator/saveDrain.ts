// SAVE's drain (D12, L4); the standard profile's Suspend drains the same way
// (D22, L5: a held entry with `drained` set, hmlmExec.ts). A SAVE accepted while the VF still has fetched I/O
// in flight (ioCompletion 'deferred') is held: no completion yet, the VF in
// `saving` fetches nothing, and each completeIo completes I/O as usual. When
// the last one has posted its CQE, the SAVE captures the state, DMAs it and
// posts its own CQE on the admin queue it came from. What a held SAVE meets
// on the way:
// - QUERY and SUSPEND of the VF: answered as in any stopped state (D5, D8);
//   RESUME, SAVE and LOAD of it: Command Sequence Error (acceptance.ts): a
//   RESUME would restart fetching and the drain might never end (L4);
// - FLR or CC.EN 1->0 of the VF (D13): the VF returns to power-on, its I/O in
//   flight is dropped, and the SAVE completes with Command Sequence Error,
//   nothing written: exactly what a SAVE of the now running VF gets (D5), so
//   the PF command still gets its one completion (I2);
// - a reset of the PF (D18): the SAVE goes with the PF's queues, without a
//   completion, like every other command the reset drops; the cascade then
//   resets the VF.
import type { Controller, HeldSave } from './controller.ts';
import { ST, splitStatus } from './fields.ts';
import { IN_FLIGHT, type Outcome } from './outcome.ts';
import { LM } from '../wire/opcodes.ts';
import { dmaToHost } from './prp.ts';
import { encodeSavedState } from './savedData.ts';
import { exportState } from './migrationState.ts';

/** Capture `vf` and DMA its migration data into the SAVE's buffer. */
export function captureSave(c: Controller, vf: Controller, segments: readonly number[], length: number): void {
  const bytes = encodeSavedState(exportState(vf));
  if (bytes.length !== length) throw new Error(`internal: SAVE wrote ${bytes.length} bytes, PRPs were checked for ${length}`);
  dmaToHost(c.ctx.memory, segments, bytes);
}

/** Hold the SAVE that admin queue `issuer` fetched until `vf`'s fetched I/O completes; its slot on the CQ stays reserved. */
export function holdSave(issuer: Controller, vf: Controller, cid: number, segments: number[], length: number): Outcome {
  vf.heldSave = { issuer: issuer.fn, cid, segments, length };
  vf.lmState = 'saving';
  return { status: IN_FLIGHT, dw0: 0, decision: 'D12', reason: `SAVE waits until the VF's ${vf.inFlight.length} fetched I/O command(s) complete` };
}

/** The last fetched I/O of a draining VF has completed (its CQE is posted): capture, DMA, complete the SAVE (D12). */
export function endDrain(vf: Controller): void {
  const held = vf.heldSave!;
  const issuer = vf.ctx.controller(held.issuer);
  if (held.drained) {
    vf.heldSave = undefined;
    const r = held.drained.finish(vf);
    post(issuer, held, r.status, r.decision, r.reason);
    return;
  }
  captureSave(issuer, vf, held.segments, held.length);
  vf.heldSave = undefined;
  vf.lmState = 'saved'; // D6: nothing destroyed, RESUME continues
  post(issuer, held, ST.SUCCESS, 'D12', 'the drain ended: every fetched command completed before the capture');
}

/** D13 during a drain: the SAVE fails as a SAVE of a running VF does (D5), nothing written. */
export function failHeldSave(vf: Controller): void {
  const held = vf.heldSave!;
  vf.heldSave = undefined;
  const reason = held.drained
    ? 'the VF was reset while its Suspend drained (D34): it runs again; Suspend it again'
    : 'the VF was reset while its SAVE drained: SAVE it again once it is suspended';
  post(vf.ctx.controller(held.issuer), held, ST.SEQUENCE_ERROR, held.drained ? 'D34' : 'D13', reason);
}

/** `c`'s admin queues are gone (a reset, D18, or a LOAD over it): SAVEs it held vanish with them, uncompleted. */
export function dropSavesIssuedBy(c: Controller): void {
  for (let fn = 1; fn <= c.ctx.config.vfs; fn++) {
    const vf = c.ctx.controller(fn);
    if (vf.heldSave?.issuer !== c.fn) continue;
    vf.heldSave = undefined;
    // Nothing was captured; the VF stays stopped (a PF reset then resets it, D18).
    vf.lmState = 'suspended';
  }
}

function post(issuer: Controller, held: HeldSave, status: number, decision: string, reason: string): void {
  const sq = issuer.sqs[0];
  if (!sq) throw new Error(`internal: function ${issuer.fn} holds a SAVE but has no admin queue`);
  issuer.complete(sq, held.cid, status, 0);
  if (issuer.ctx.trace !== undefined) {
    issuer.ctx.trace({ fn: issuer.fn, sqid: 0, cid: held.cid, opcode: held.drained?.opcode ?? LM.SAVE, outcome: 'completed', status: splitStatus(status), dw0: 0, decision, reason });
  }
}
