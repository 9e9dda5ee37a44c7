// What the runner learns from a successful tp4159 management command on the
// PF admin queue (D22, D23, D26, D28): which VFs are suspended, which hold
// Set State parts, and which UDMQs exist (the host memory the device may
// write whenever it logs). The pages of a created UDMQ stay held until the
// queue is gone, so no later buffer shares them.
import { ADMIN, HMLM } from '../wire/opcodes.ts';
import { decodeCdqCreateDw0 } from '../wire/tp4159/completions.ts';
import type { Cqe } from '../wire/cqe.ts';
import { FuzzFailure } from './failure.ts';
import { cdqRegion, hmlmTarget, isHmlmSuspend } from './hmlmLedger.ts';
import type { Outstanding } from './ledger.ts';
import type { Runner } from './runner.ts';
import { u16 } from './bytes.ts';
import { UDMQ_ENTRY_SIZE } from '../wire/tp4159/udmq.ts';

/** True when the command's pages now belong to a UDMQ (the caller must not release them). */
export function hmlmSucceeded(r: Runner, o: Outstanding, c: Cqe, what: () => string): boolean {
  const s = o.sqe;
  const vf = hmlmTarget(s);
  const isVf = vf !== undefined && vf >= 1 && vf <= r.cfg.vfs;
  if (s[0] === HMLM.MIGRATION_SEND) {
    if (!isVf) throw new FuzzFailure('D20', `${what()}: succeeded though CNTLID ${vf} names no VF of this PF (Invalid Controller Identifier expected)`);
    const sel = s[40];
    if (sel === 0 && isHmlmSuspend(s)) {
      // D22: Suspend of a suspended VF changes nothing, DUDMQ included; else D32 deletes its UDMQ with DUDMQ
      if (s[47] & 0x80 && r.running.get(vf) !== false) r.host.release(r.cdqs.remove({ cntlid: vf }));
      r.running.set(vf, false);
      r.drained.add(vf); // D22: nothing of the VF's may still be in flight
    } else if (sel === 1) {
      r.running.set(vf, true);
      r.parts.delete(vf);
    } else if (sel === 2) {
      const seqind = s[42] & 3;
      if (seqind === 1 || seqind === 0) r.parts.add(vf);
      else r.parts.delete(vf);
    }
    return false;
  }
  if (s[0] === ADMIN.SET_FEATURES) {
    const q = r.cdqs.get(u16(s, 44));
    if (q) q.hp = u16(s, 48) + s[50] * 0x1_0000 + s[51] * 0x100_0000; // D31: HP, CDW12
    return false;
  }
  if (s[0] === HMLM.TRACK_SEND && s[40] === 0) {
    const owner = r.cdqs.owner(u16(s, 44));
    if (owner !== undefined && r.running.get(owner) === false) throw new FuzzFailure('D29', `${what()}: Track Send succeeded while VF${owner}, whose queue it names, is suspended (Controller Suspended expected)`);
    return false;
  }
  if (s[0] !== HMLM.CONTROLLER_DATA_QUEUE) return false;
  if (s[40] === 1) {
    r.host.release(r.cdqs.remove({ cdqid: u16(s, 44) }));
    return false;
  }
  if (!isVf) throw new FuzzFailure('D28', `${what()}: a UDMQ was created for CQS ${vf}, which names no VF of this PF (Invalid Controller Identifier expected)`);
  const { base, bytes } = cdqRegion(s);
  // the host initialises the phase tags to 0 (section 3) before it starts logging
  r.host.watch.write(base, new Uint8Array(bytes));
  r.cdqs.add(decodeCdqCreateDw0(c.dw0).cdqid, { cntlid: vf, base, end: base + bytes, pages: o.pages, entries: Math.floor(bytes / UDMQ_ENTRY_SIZE), next: 0, phase: 1, hp: 0 });
  return true;
}
