// I2, I3, I9, I11 and I13 as step predicates over the tp4159 acceptance
// machine. Each judges the step that ends the command (the `after` snapshot
// is final) by the final state's row against what the path classified.
import type { AnyMachineSnapshot } from 'xstate';
import type { Invariant, Step } from '../../spec.ts';
import { isTpStatus, TP_STATUS, tpStatusText } from '../status.ts';
import { tpReachedFinal, type TpFinalMeta } from './finals.ts';
import type { TpAcceptanceContext } from './machine.ts';

function ended(s: AnyMachineSnapshot): { name: string; meta: TpFinalMeta; ctx: TpAcceptanceContext } | undefined {
  const end = tpReachedFinal(s);
  return end === undefined ? undefined : { ...end, ctx: s.context as TpAcceptanceContext };
}

const MANAGEMENT = ['trackSend', 'trackReceive', 'migrationSend', 'migrationReceive', 'cdq'];

export const TP_I9: Invariant = {
  id: 'I9',
  description: 'No management command on a VF admin queue changes any state: 3Dh, 3Eh, 41h, 42h and 45h there are Invalid Command Opcode, DNR (D19)',
  check(step: Step) {
    const end = ended(step.after);
    if (end === undefined || end.ctx.cmd.queue !== 'vfAdmin' || end.ctx.cmd.opcode === 'other') return true;
    const { meta, name, ctx } = end;
    if (meta.kind !== 'rejected' || meta.changes !== 'none') return `I9 (D19): ${ctx.cmd.opcode} on a VF admin queue reached ${name} (${meta.summary})`;
    const s = meta.status;
    const opcode = TP_STATUS.INVALID_OPCODE;
    if (MANAGEMENT.includes(ctx.cmd.opcode ?? '') && (s === undefined || s.sct !== opcode.sct || s.sc !== opcode.sc || !s.dnr)) {
      return `I9 (D19): ${ctx.cmd.opcode} on a VF admin queue must be Invalid Command Opcode (SCT 0, SC 01h, DNR); ${name} gives ${s === undefined ? 'no status' : tpStatusText(s)}`;
    }
    return true;
  },
};

export const TP_I2: Invariant = {
  id: 'I2',
  description: 'Every management command ends with exactly one completion whose status tp4159.md lists',
  check(step: Step) {
    const end = ended(step.after);
    if (end === undefined) return true;
    const { meta, name, ctx } = end;
    if (meta.kind === 'outOfScope') return ctx.cmd.opcode === 'other' ? true : `I2: ${name} leaves the completion of ${ctx.cmd.opcode} unspecified`;
    if (meta.status === undefined) return `I2: ${name} promises one completion but carries no status`;
    return isTpStatus(meta.status) ? true : `I2: ${name} completes with ${tpStatusText(meta.status)}, which tp4159.md does not list`;
  },
};

export const TP_I3: Invariant = {
  id: 'I3',
  description: 'A rejected management command changes no state: its final state declares no change and a DNR error status',
  check(step: Step) {
    const end = ended(step.after);
    if (end === undefined || end.meta.kind !== 'rejected') return true;
    const { meta, name } = end;
    if (meta.status === undefined || meta.status.sc === 0 && meta.status.sct === 0) return `I3: ${name} is a rejection but completes with success`;
    if (!meta.status.dnr) return `I3: ${name} rejects without DNR, yet the same command in the same state fails alike`;
    return meta.changes === 'none' ? true : `I3: ${name} rejects the command yet declares the change ${meta.changes}`;
  },
};

export const TP_I11: Invariant = {
  id: 'I11',
  description: 'Set Controller State is all or nothing (D26): it changes the VF only by applying a whole state that passed every check; a first or middle part is only kept',
  check(step: Step) {
    const end = ended(step.after);
    if (end === undefined || end.ctx.cmd.operation !== 'setState') return true;
    const { meta, name, ctx } = end;
    if (meta.changes === 'vfState') {
      if (meta.kind !== 'executed') return `I11: ${name} applies the state without success`;
      if (ctx.cmd.seqind === 'first' || ctx.cmd.seqind === 'middle') return `I11: ${name} applied the state on a ${ctx.cmd.seqind} part, before the last`;
      return true;
    }
    if (meta.changes === 'partsAccumulated') return ctx.cmd.seqind === 'first' || ctx.cmd.seqind === 'middle' ? true : `I11: ${name} kept a ${ctx.cmd.seqind} part instead of applying the state`;
    return meta.changes === 'none' ? true : `I11: ${name} changes ${meta.changes}, which Set State never does`;
  },
};

const NAMES_VF: readonly string[] = ['vfSuspension', 'vfState', 'partsAccumulated'];

export const TP_I13: Invariant = {
  id: 'I13',
  description: 'Isolation (D14, D20): a command changes only the VF its CNTLID (or CQS) names, never the PF or a VF that is not online',
  check(step: Step) {
    const end = ended(step.after);
    if (end === undefined || end.meta.kind !== 'executed') return true;
    const { meta, name, ctx } = end;
    const named = ctx.cmd.target;
    if ((NAMES_VF.includes(meta.changes) || meta.changes === 'cdqCreated') && named !== 'vf') {
      return `I13 (D20): ${name} changes ${meta.changes} of the controller its CNTLID names, which is ${named ?? 'unnamed'}, not an online VF`;
    }
    if (named !== undefined && named !== 'vf') return `I13 (D20): ${name} executes a command naming ${named}`;
    return true;
  },
};

export const TP_ACCEPTANCE_INVARIANTS: Invariant[] = [TP_I2, TP_I3, TP_I9, TP_I11, TP_I13];
