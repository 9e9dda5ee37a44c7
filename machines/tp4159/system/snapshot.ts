// Reading a tp4159 system snapshot: the PF state, each VF's local state, keys,
// and the decomposition the product explorer takes (structural: the spec
// imports nothing from src/).
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { Step } from '../../spec.ts';
import { localName, TP_LOCAL_STATES } from './localTable.ts';
import { TP_SYSTEM_MACHINE_ID, tpRegionName, type TpSystemContext } from './machine.ts';

const LOCAL_NAMES = TP_LOCAL_STATES.map(localName);

export function tpPfEnabled(s: AnyMachineSnapshot): boolean {
  return s.value !== 'pfDisabled';
}

/** Each VF's local state, VF 1 first; 'offline' for all while the PF is disabled. */
export function tpVfLocals(s: AnyMachineSnapshot, n: number): string[] {
  if (!tpPfEnabled(s)) return Array.from({ length: n }, () => 'offline');
  const regions = (s.value as { pfEnabled: Record<string, string> }).pfEnabled;
  return Array.from({ length: n }, (_, i) => {
    const local = regions[tpRegionName(i + 1)];
    if (!LOCAL_NAMES.includes(local)) throw new Error(`not a tp4159System snapshot for ${n} VFs (VF ${i + 1} is ${JSON.stringify(local)}); pass a snapshot of createTpSystem(${n})`);
    return local;
  });
}

export function tpSystemStateKey(s: AnyMachineSnapshot, n: number): string {
  return tpPfEnabled(s) ? `pf:on ${tpVfLocals(s, n).join(' ')}` : 'pf:off';
}

export function tpSystemSymmetricKey(s: AnyMachineSnapshot, n: number): string {
  return tpPfEnabled(s) ? `pf:on ${[...tpVfLocals(s, n)].sort().join(' ')}` : 'pf:off';
}

export function tpSystemLast(s: AnyMachineSnapshot): TpSystemContext['last'] {
  return (s.context as TpSystemContext).last;
}

export function tpSystemTookEdge(step: Step): boolean {
  return step.after !== step.before && tpSystemLast(step.after) !== tpSystemLast(step.before);
}

/** n identical, independent regions: what src/check's product explorer needs (its ProductDecomposition). */
export function tpSystemDecomposition(n: number) {
  return {
    regions: n,
    project: (s: AnyMachineSnapshot) => tpVfLocals(s, n),
    route(event: EventObject): { region: number | 'all'; local: string } {
      const vf = (event as { vf?: unknown }).vf;
      return typeof vf === 'number' ? { region: vf - 1, local: event.type } : { region: 'all', local: event.type };
    },
    regionNodeIds: Array.from({ length: n }, (_, i) => `${TP_SYSTEM_MACHINE_ID}.pfEnabled.${tpRegionName(i + 1)}`),
  };
}
