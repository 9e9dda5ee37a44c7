// I1, I2, I3 as step predicates over the acceptance machine. Each looks at the
// step that ends the command (the `after` snapshot is final) and judges the
// final state's row of FINALS against what the path classified.
import type { AnyMachineSnapshot } from 'xstate';
import type { Invariant, Step } from '../spec.ts';
import { reachedFinal, type FinalMeta } from './finals.ts';
import type { AcceptanceContext } from './machine.ts';
import { SCT_GENERIC, SPEC_STATUS_CODES, statusText } from './status.ts';

function ended(snapshot: AnyMachineSnapshot): { name: string; meta: FinalMeta; ctx: AcceptanceContext } | undefined {
  const end = reachedFinal(snapshot);
  return end === undefined ? undefined : { ...end, ctx: snapshot.context as AcceptanceContext };
}

const isLm = (op: string | undefined): boolean => op !== undefined && op !== 'OTHER';

export const I1_NO_LM_ON_VF_QUEUE: Invariant = {
  id: 'I1',
  description: 'no LM command on a VF admin queue executes or changes any state (D1)',
  check(step: Step): true | string {
    const end = ended(step.after);
    if (end === undefined) return true;
    const { cmd } = end.ctx;
    if (cmd.queue !== 'vfAdmin' || !isLm(cmd.opcode)) return true;
    if (end.meta.kind === 'executed' || end.meta.changes !== 'none') {
      return `${cmd.opcode} on a VF admin queue reached ${end.name} (${end.meta.summary}); D1 says the VF rejects it or gives no completion, and changes nothing`;
    }
    return true;
  },
};

export const I2_ONE_COMPLETION: Invariant = {
  id: 'I2',
  description: 'every command ends with exactly one completion carrying a status from the spec table, or explicitly none under D1 drop',
  check(step: Step): true | string {
    const end = ended(step.after);
    if (end === undefined) return true;
    const { meta, ctx, name } = end;
    switch (meta.completion) {
      case 'one': {
        const s = meta.status;
        if (s === undefined) return `${name} promises one completion but carries no status`;
        if (s.sct !== SCT_GENERIC || !SPEC_STATUS_CODES.includes(s.sc)) {
          return `${name} completes with ${statusText(s)}, which is not in the spec's status table`;
        }
        return true;
      }
      case 'none':
        if (ctx.options.vfQueuePolicy !== 'drop' || ctx.cmd.queue !== 'vfAdmin' || !isLm(ctx.cmd.opcode)) {
          return `${name} gives no completion, but only an LM opcode on a VF admin queue under vfQueuePolicy 'drop' may (D1); here queue=${ctx.cmd.queue}, opcode=${ctx.cmd.opcode}, policy=${ctx.options.vfQueuePolicy}`;
        }
        return true;
      case 'unspecified':
        if (ctx.cmd.opcode !== 'OTHER') return `${name} leaves the completion unspecified for the LM opcode ${ctx.cmd.opcode}`;
        return true;
    }
  },
};

export const I3_REJECTION_CHANGES_NOTHING: Invariant = {
  id: 'I3',
  description: 'a rejected (or dropped) command changes no state: its final state carries changes "none"',
  check(step: Step): true | string {
    const end = ended(step.after);
    if (end === undefined) return true;
    const { meta, name } = end;
    const failed = meta.kind === 'rejected' || meta.kind === 'dropped' || (meta.status !== undefined && meta.status.sc !== 0);
    if (meta.kind === 'rejected' && (meta.status === undefined || meta.status.sc === 0)) {
      return `${name} is a rejection but completes with success`;
    }
    if (failed && meta.changes !== 'none') return `${name} rejects the command yet declares the change ${meta.changes}`;
    return true;
  },
};

export const ACCEPTANCE_INVARIANTS: Invariant[] = [I1_NO_LM_ON_VF_QUEUE, I2_ONE_COMPLETION, I3_REJECTION_CHANGES_NOTHING];
