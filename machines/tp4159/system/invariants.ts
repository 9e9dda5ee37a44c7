// Safety of the composed tp4159 system (I3, I9, I13) as predicates on one step.
import type { EventObject } from 'xstate';
import type { Invariant, Step } from '../../spec.ts';
import { tpPfEnabled, tpSystemLast, tpSystemStateKey, tpSystemTookEdge, tpVfLocals } from './snapshot.ts';

function target(event: EventObject): number {
  const vf = (event as { vf?: unknown }).vf;
  return typeof vf === 'number' ? vf : 0;
}

const where = (step: Step, n: number): string => `before [${tpSystemStateKey(step.before, n)}], after [${tpSystemStateKey(step.after, n)}]`;

function i3(n: number): Invariant {
  return {
    id: 'I3',
    description: 'A rejected management command changes no state at all',
    check(step) {
      if (!tpSystemTookEdge(step)) return true;
      const status = tpSystemLast(step.after).status;
      if (status === 'SUCCESS' || status === 'none') return true;
      return tpSystemStateKey(step.before, n) === tpSystemStateKey(step.after, n) ? true : `I3: ${step.event.type} was rejected with ${status} yet changed the system: ${where(step, n)}`;
    },
  };
}

function i9(n: number): Invariant {
  return {
    id: 'I9',
    description: 'No management command on a VF admin queue changes any state; it is Invalid Command Opcode (D19)',
    check(step) {
      if (!tpSystemTookEdge(step) || step.event.type !== 'VF_MANAGEMENT') return true;
      if (tpSystemStateKey(step.before, n) !== tpSystemStateKey(step.after, n)) return `I9 (D19): a management opcode on VF ${target(step.event)}'s admin queue changed the system: ${where(step, n)}`;
      const status = tpSystemLast(step.after).status;
      return status === 'INVALID_OPCODE' ? true : `I9 (D19): VF ${target(step.event)} answered ${status}, not Invalid Command Opcode`;
    },
  };
}

function i13(n: number): Invariant {
  return {
    id: 'I13',
    description: 'Isolation (D14, D20): a command naming VF i never changes VF j or the PF, and a UDMQ holds entries of its own controller only; a command naming the PF itself changes nothing',
    check(step) {
      if (!tpSystemTookEdge(step)) return true;
      const i = target(step.event);
      if (i === 0) {
        if (step.event.type !== 'PF_NAMES_ITSELF') return true;
        return tpSystemStateKey(step.before, n) === tpSystemStateKey(step.after, n) ? true : `I13 (D20): a command naming the PF's own CNTLID changed the system: ${where(step, n)}`;
      }
      if (!tpPfEnabled(step.after)) return `I13: ${step.event.type} for VF ${i} changed the PF (it is now disabled)`;
      const b = tpVfLocals(step.before, n);
      const a = tpVfLocals(step.after, n);
      for (let j = 1; j <= n; j++) {
        if (j !== i && a[j - 1] !== b[j - 1]) return `I13 (D14): ${step.event.type} for VF ${i} changed VF ${j} from ${b[j - 1]} to ${a[j - 1]}${step.event.type === 'WRITE' ? ': an entry in another controller\'s queue' : ''}`;
      }
      return true;
    },
  };
}

export function tpSystemInvariants(n: number): Invariant[] {
  return [i3(n), i9(n), i13(n)];
}
