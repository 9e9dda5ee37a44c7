// The LM opcodes 0xC4-0xD5 on an admin queue, for the vendor LM profiles (lm,
// no-lm, reserved, foreign): route and accept them (acceptance.ts, pure), then
// either refuse (the rejection is the outcome, nothing changed) or execute:
// QUERY, SUSPEND, RESUME, SAVE (drain, then DMA the state out), LOAD (restore
// everything at once); and the foreign profile's erase. The four steps are a
// table (LmSteps) so that mutants.ts can break one of them from outside: no
// step here knows about mutants. A SAVE that must wait for fetched I/O is
// held (saveDrain.ts); migrationState.ts converts between a controller and
// its migration data.
import type { Controller } from './controller.ts';
import type { DeviceConfig } from './options.ts';
import { rd, SQE, ST } from './fields.ts';
import { acceptLm, routeLmOpcode, type LmAccepted, type LmAcceptance, type LmRejection, type LmRoute, type LmView } from './acceptance.ts';
import { DROPPED, succeeded, type Outcome } from './outcome.ts';
import { savedDataSize } from './savedData.ts';
import { importState } from './migrationState.ts';
import { captureSave, holdSave } from './saveDrain.ts';

/** What an LM opcode goes through; each step is replaceable (mutants.ts). */
export interface LmSteps {
  /** acceptance step 1 (pure): what this function's admin queue does with the opcode */
  route(config: DeviceConfig, fn: number, opcode: number): LmRoute;
  /** acceptance steps 2-7 (pure) */
  accept(v: DataView, o: number, view: LmView): LmAcceptance;
  /** the outcome of a rejected command (route or acceptance); changes nothing */
  refuse(c: Controller, r: LmRejection): Outcome;
  /** the effect of an accepted command, issued on `c`'s admin queue */
  execute(c: Controller, a: LmAccepted, cid: number): Outcome;
}

const DROP: Outcome = Object.freeze({
  status: DROPPED,
  dw0: 0,
  decision: 'D1',
  reason: 'vfQueuePolicy drop: the VF ignores an LM opcode on its own admin queue (the entry is consumed, no completion)',
});
const ERASED: Outcome = Object.freeze({ status: ST.SUCCESS, dw0: 0, decision: 'D17', reason: "foreign profile: 0xC4 is another vendor's command; it erased the namespace" });
/** Every executed LM command follows D5's state table. */
const DONE: Outcome = succeeded(0, 'D5');

/** An opcode 0xC4-0xD5 on the admin queue of controller `c`. */
export function lmOnAdminQueue(s: LmSteps, c: Controller, v: DataView, o: number): Outcome {
  const ctx = c.ctx;
  const route = s.route(ctx.config, c.fn, v.getUint8(o));
  if (route === 'drop') return DROP;
  if (route === 'foreignErase') {
    ctx.namespace.erase();
    return ERASED;
  }
  if (route !== 'execute') return s.refuse(c, route);
  const a = s.accept(v, o, ctx.lmView);
  if (!a.accept) return s.refuse(c, a);
  return s.execute(c, a, rd(v, o, SQE.cid));
}

/** A rejection is posted as it is (acceptance.ts built it as an outcome). */
function refuseLm(_c: Controller, r: LmRejection): Outcome {
  return r;
}

function executeLm(c: Controller, a: LmAccepted, cid: number): Outcome {
  const vf = c.ctx.controller(a.vf);
  switch (a.op) {
    case 'query':
      // D8: depends only on the number of I/O queues.
      return succeeded(savedDataSize(vf.ioQueueCount()), 'D5');
    case 'suspend':
      if (vf.lmState === 'running') vf.lmState = 'suspended';
      return DONE;
    case 'resume':
      if (vf.lmState !== 'running') {
        vf.lmState = 'running';
        // Doorbells latched while stopped are fetched now (D11, L2).
        vf.kick();
      }
      return DONE;
    case 'save':
      // D12: fetched I/O completes (completeIo) before the capture; the SAVE's completion waits for it.
      if (vf.inFlight.length > 0) return holdSave(c, vf, cid, a.segments, a.length);
      captureSave(c, vf, a.segments, a.length);
      vf.lmState = 'saved'; // D6: nothing destroyed, RESUME continues
      return DONE;
    default:
      // Commands the VF had fetched before still get their completions, on the queues they came from (I2).
      vf.completeIo();
      importState(vf, a.state);
      vf.lmState = 'loaded';
      return DONE;
  }
}

/** The correct device's steps. */
export const LM_STEPS: LmSteps = Object.freeze({ route: routeLmOpcode, accept: acceptLm, refuse: refuseLm, execute: executeLm });
