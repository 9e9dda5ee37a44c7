// The system as n identical, independent regions, for a product explorer
// that learns one VF's local relation once and explores vectors: each VF's
// projection is its local state, or 'offline' while the PF is disabled (so
// PF events act on every region alike: PF_ENABLE takes each from offline to
// runningIdle, a PF reset takes each to offline). Shaped like src/check's
// ProductDecomposition; the spec imports nothing from src/, so it is
// structural.
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { SYSTEM_MACHINE_ID, regionName } from './machine.ts';
import { vfLocals } from './snapshot.ts';

export interface SystemDecomposition {
  regions: number;
  project(snapshot: AnyMachineSnapshot): string[];
  route(event: EventObject): { region: number | 'all'; local: string };
  regionNodeIds: string[];
}

export function systemDecomposition(n: number): SystemDecomposition {
  return {
    regions: n,
    project: (s) => vfLocals(s, n),
    route(event) {
      const vf = (event as { vf?: unknown }).vf;
      return typeof vf === 'number' ? { region: vf - 1, local: event.type } : { region: 'all', local: event.type };
    },
    regionNodeIds: Array.from({ length: n }, (_, i) => `${SYSTEM_MACHINE_ID}.pfEnabled.${regionName(i + 1)}`),
  };
}
