// Safety properties of the composed system (I1, I3, I4, I5, I6) as
// predicates on one step. A step that took no edge is no transition.
import type { EventObject } from 'xstate';
import type { Invariant, Step } from '../spec.ts';
import { isBusy } from './localTable.ts';
import { pfEnabled, systemLast, systemStateKey, systemTookEdge, vfLocals, type VfSlot } from './snapshot.ts';
import type { SystemOptions } from './types.ts';

/** The VF an event is aimed at (1-based), or 0 for a PF event. */
function target(event: EventObject): number {
  const vf = (event as { vf?: unknown }).vf;
  return typeof vf === 'number' ? vf : 0;
}

function where(step: Step, n: number): string {
  return `before [${systemStateKey(step.before, n)}], after [${systemStateKey(step.after, n)}]`;
}

function i1(n: number, o: SystemOptions): Invariant {
  return {
    id: 'I1',
    description: 'No LM command on a VF admin queue changes any state (D1)',
    check(step) {
      if (!systemTookEdge(step) || step.event.type !== 'VF_LM') return true;
      if (systemStateKey(step.before, n) !== systemStateKey(step.after, n)) {
        return `I1 (D1): an LM opcode on VF ${target(step.event)}'s own admin queue changed the system: ${where(step, n)}`;
      }
      const expected = o.vfQueuePolicy === 'reject' ? 'INVALID_OPCODE' : 'none';
      const got = systemLast(step.after).status;
      return got === expected ? true : `I1 (D1): policy ${o.vfQueuePolicy} expects ${expected}, VF ${target(step.event)} answered ${got}`;
    },
  };
}

function i3(n: number): Invariant {
  return {
    id: 'I3',
    description: 'A rejected command changes no state at all',
    check(step) {
      if (!systemTookEdge(step)) return true;
      const status = systemLast(step.after).status;
      if (status === 'SUCCESS' || status === 'none') return true;
      return systemStateKey(step.before, n) === systemStateKey(step.after, n)
        ? true
        : `I3: ${step.event.type} for VF ${target(step.event)} was rejected with ${status} yet changed the system: ${where(step, n)}`;
    },
  };
}

function i4(n: number): Invariant {
  return {
    id: 'I4',
    description: 'Isolation: a command aimed at VF i never changes VF j or the PF (D14)',
    check(step) {
      const i = target(step.event);
      if (!systemTookEdge(step) || i === 0) return true;
      if (!pfEnabled(step.after)) return `I4 (D14): ${step.event.type} for VF ${i} changed the PF (it is now disabled)`;
      const b = vfLocals(step.before, n);
      const a = vfLocals(step.after, n);
      for (let j = 1; j <= n; j++) {
        if (j !== i && a[j - 1] !== b[j - 1]) {
          return `I4 (D14): ${step.event.type} for VF ${i} changed VF ${j} from ${b[j - 1]} to ${a[j - 1]}`;
        }
      }
      return true;
    },
  };
}

const LOADS = ['LM_LOAD', 'LM_LOAD_IO', 'LM_LOAD_CORRUPT'];

function i5(n: number): Invariant {
  return {
    id: 'I5',
    description: 'LOAD is all or nothing: success leaves the VF loaded with exactly the image\'s I/O; failure changes nothing (D7)',
    check(step) {
      if (!systemTookEdge(step) || !LOADS.includes(step.event.type)) return true;
      const i = target(step.event);
      const status = systemLast(step.after).status;
      if (status !== 'SUCCESS') {
        return systemStateKey(step.before, n) === systemStateKey(step.after, n)
          ? true
          : `I5 (D7): ${step.event.type} for VF ${i} failed with ${status} but changed the system: ${where(step, n)}`;
      }
      const expected = step.event.type === 'LM_LOAD_IO' ? 'loadedBusy' : 'loadedIdle';
      const got = vfLocals(step.after, n)[i - 1];
      return got === expected ? true : `I5 (D7): ${step.event.type} for VF ${i} succeeded but left it ${got}, not ${expected}`;
    },
  };
}

function busy(s: VfSlot): boolean {
  return s !== 'offline' && isBusy(s);
}

/** Events that may end a VF's in-flight I/O: its completion, or a reset of that VF or of the PF (L3's exception). */
function mayEndIo(type: string, aimed: boolean): boolean {
  return type === 'PF_DISABLE' || type === 'PF_FLR' || (aimed && (type === 'IO_COMPLETE' || type === 'FLR'));
}

/** Events that may start a VF's in-flight I/O: a submission, or a LOAD handing over an image's latched I/O. */
function mayStartIo(type: string, aimed: boolean): boolean {
  return aimed && (type === 'SUBMIT_IO' || type === 'LM_LOAD_IO');
}

function i6(n: number): Invariant {
  return {
    id: 'I6',
    description:
      'Exactly once (D15): a VF\'s I/O in flight stays in flight across SUSPEND, SAVE, LOAD and RESUME until it completes or a reset of that VF or the PF drops it',
    check(step) {
      if (!systemTookEdge(step)) return true;
      const b = vfLocals(step.before, n);
      const a = vfLocals(step.after, n);
      const i = target(step.event);
      for (let j = 1; j <= n; j++) {
        const aimed = j === i;
        if (busy(b[j - 1]) && !busy(a[j - 1]) && !mayEndIo(step.event.type, aimed)) {
          return `I6: VF ${j}'s I/O in flight vanished on ${step.event.type}${i ? ` for VF ${i}` : ''} (${b[j - 1]} -> ${a[j - 1]}): lost without a completion`;
        }
        if (!busy(b[j - 1]) && busy(a[j - 1]) && !mayStartIo(step.event.type, aimed)) {
          return `I6: VF ${j} gained I/O in flight on ${step.event.type}${i ? ` for VF ${i}` : ''} (${b[j - 1]} -> ${a[j - 1]}) that nobody submitted: a duplicate`;
        }
      }
      return true;
    },
  };
}

export function systemInvariants(n: number, o: SystemOptions): Invariant[] {
  return [i1(n, o), i3(n), i4(n), i5(n), i6(n)];
}
