// Reading a system snapshot: the PF state, each VF's local state, keys.
import type { AnyMachineSnapshot } from 'xstate';
import type { Step } from '../spec.ts';
import { regionName } from './machine.ts';
import { VF_LOCAL_STATES, type SystemContext, type VfLocalState } from './types.ts';

export type VfSlot = VfLocalState | 'offline';

export function pfEnabled(s: AnyMachineSnapshot): boolean {
  return s.value !== 'pfDisabled';
}

/** Each VF's local state, VF 1 first; 'offline' for all while the PF is disabled. */
export function vfLocals(s: AnyMachineSnapshot, n: number): VfSlot[] {
  if (!pfEnabled(s)) return Array.from({ length: n }, () => 'offline' as const);
  const regions = (s.value as { pfEnabled: Record<string, string> }).pfEnabled;
  return Array.from({ length: n }, (_, i) => {
    const local = regions[regionName(i + 1)];
    if (!(VF_LOCAL_STATES as readonly string[]).includes(local)) {
      throw new Error(`not a system snapshot for ${n} VFs (VF ${i + 1} is ${JSON.stringify(local)}); pass a snapshot of createSystem(${n})`);
    }
    return local as VfLocalState;
  });
}

/** State identity: the PF state and every VF's local state, in VF order (`last` left out). */
export function systemStateKey(s: AnyMachineSnapshot, n: number): string {
  return pfEnabled(s) ? `pf:on ${vfLocals(s, n).join(' ')}` : 'pf:off';
}

/** The same with the VF local states sorted: VFs are interchangeable. */
export function systemSymmetricKey(s: AnyMachineSnapshot, n: number): string {
  return pfEnabled(s) ? `pf:on ${[...vfLocals(s, n)].sort().join(' ')}` : 'pf:off';
}

export function systemLast(s: AnyMachineSnapshot): SystemContext['last'] {
  return (s.context as SystemContext).last;
}

/** Whether the step took an edge (every edge records a fresh observation). */
export function systemTookEdge(step: Step): boolean {
  return step.after !== step.before && systemLast(step.after) !== systemLast(step.before);
}
