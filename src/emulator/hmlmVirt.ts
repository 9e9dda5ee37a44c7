// Virtualization Management (admin 1Ch) on the tp4159 PF, as far as the
// standard's management commands need it: a secondary controller (a VF)
// taken offline or brought online (NVMe Base 2.0 section 5.22; D20: an
// offline VF is never a management target). Taking a VF offline resets it
// as a controller reset does (D34), as QEMU does. Resource assignment (ACT
// 8) is not offered: the emulator's VFs hold their queues and interrupts
// from power-on. Pure acceptance first, then the change (rule 3).
import type { Controller } from './controller.ts';
import { ST, statusWord } from './fields.ts';
import { rejected, SUCCESS, type Outcome } from './outcome.ts';
import { getUint, fieldByName } from '../wire/layout.ts';
import { SCT_COMMAND_SPECIFIC, SC_HMLM } from '../wire/status.ts';
import { VirtAction, VIRT_MGMT_LAYOUT } from '../wire/virtMgmt.ts';

const field = (sqe: Uint8Array, name: string): number => Number(getUint(sqe, fieldByName(VIRT_MGMT_LAYOUT, name)));

/** Virtualization Management from the PF's admin queue at `o`. */
export function virtualizationManagement(pf: Controller, v: DataView, o: number): Outcome {
  const sqe = new Uint8Array(v.buffer, v.byteOffset + o, 64);
  const act = field(sqe, 'act');
  const cntlid = field(sqe, 'cntlid');
  if (act !== VirtAction.SECONDARY_OFFLINE && act !== VirtAction.SECONDARY_ONLINE) {
    return rejected(ST.INVALID_FIELD, 'NVMe', `Virtualization Management ACT ${act}: only 7 (offline) and 9 (online) are offered`);
  }
  if (cntlid < 1 || cntlid > pf.ctx.config.vfs) {
    return rejected(statusWord(SCT_COMMAND_SPECIFIC, SC_HMLM.INVALID_CONTROLLER_IDENTIFIER, true), 'NVMe', `CNTLID ${cntlid} is no secondary controller of this PF (1..${pf.ctx.config.vfs})`);
  }
  const vf = pf.ctx.controller(cntlid);
  if (act === VirtAction.SECONDARY_OFFLINE) {
    if (vf.hmlm.online) vf.controllerReset();
    vf.hmlm.online = false;
  } else {
    vf.hmlm.online = true;
  }
  return SUCCESS;
}

