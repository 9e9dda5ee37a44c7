// Execution of the LM opcodes on an admin queue, after acceptance.ts said
// yes: QUERY, SUSPEND, RESUME, SAVE (drain, then DMA the state out), LOAD
// (restore everything at once), and the foreign profile's erase. A SAVE that
// must wait for fetched I/O is held (saveDrain.ts); migrationState.ts
// converts between a controller and its migration data.
import type { Controller } from './controller.ts';
import { DROPPED, rd, SQE, ST } from './fields.ts';
import { acceptLm, routeLmOpcode, type LmAcceptance } from './acceptance.ts';
import { savedDataSize } from './savedData.ts';
import { importState } from './migrationState.ts';
import { captureSave, holdSave } from './saveDrain.ts';

/** An opcode 0xC4-0xD5 on the admin queue of controller `c`; returns the status word or DROPPED. */
export function lmOnAdminQueue(c: Controller, v: DataView, o: number): number {
  const ctx = c.ctx;
  const route = routeLmOpcode(ctx.config, c.fn, v.getUint8(o));
  if (route === 'drop') {
    c.decision = 'D1';
    c.reason = 'vfQueuePolicy drop: the VF ignores an LM opcode on its own admin queue (the entry is consumed, no completion)';
    return DROPPED;
  }
  if (route === 'foreignErase') {
    ctx.namespace.erase();
    c.decision = 'D17';
    c.reason = 'foreign profile: 0xC4 is another vendor\'s command; it erased the namespace';
    return ST.SUCCESS;
  }
  if (route !== 'execute') return c.reject(route.status, route.decision, route.reason);
  const a = acceptLm(v, o, ctx.lmView);
  if (!a.accept) {
    if (ctx.config.mutant === 'partialLoad' && a.defect !== undefined && a.vf !== undefined) tearDownBeforeChecking(ctx.controller(a.vf));
    return c.reject(a.status, a.decision, a.reason);
  }
  return executeLm(c, a, rd(v, o, SQE.cid));
}

/** The partialLoad mutant: a LOAD that resets the VF before it has checked the data. */
function tearDownBeforeChecking(vf: Controller): void {
  vf.clearQueues();
  vf.regs.cc = 0;
  vf.regs.csts = 0;
  vf.lmState = 'loaded';
}

function executeLm(c: Controller, a: Exclude<LmAcceptance, { accept: false }>, cid: number): number {
  const vf = c.ctx.controller(a.vf);
  c.decision = 'D5';
  switch (a.op) {
    case 'query': {
      // D8: depends only on the number of I/O queues. The mutant counts the admin queue too.
      const extra = c.ctx.config.mutant === 'queryOffByOneQueue' ? 1 : 0;
      c.dw0 = savedDataSize(vf.ioQueueCount() + extra);
      return ST.SUCCESS;
    }
    case 'suspend':
      if (vf.lmState === 'running') vf.lmState = 'suspended';
      return ST.SUCCESS;
    case 'resume':
      if (vf.lmState !== 'running') {
        vf.lmState = 'running';
        // Doorbells latched while stopped are fetched now (D11, L2).
        vf.kick();
      }
      return ST.SUCCESS;
    case 'save': {
      if (vf.lmState === 'running') {
        // Only with the saveWhileRunning mutant: captured at once, fetched I/O not drained.
        captureSave(c, vf, a.segments, a.length);
        return ST.SUCCESS;
      }
      // D12: fetched I/O completes (completeIo) before the capture; the SAVE's completion waits for it.
      if (vf.inFlight.length > 0) return holdSave(c, vf, cid, a.segments, a.length);
      captureSave(c, vf, a.segments, a.length);
      vf.lmState = 'saved'; // D6: nothing destroyed, RESUME continues
      return ST.SUCCESS;
    }
    default:
      // Commands the VF had fetched before still get their completions, on the queues they came from (I2).
      vf.completeIo();
      importState(vf, a.state);
      vf.lmState = 'loaded';
      return ST.SUCCESS;
  }
}
