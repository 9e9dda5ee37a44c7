// The composed system: the PF controller, and while it is enabled, n VFs as
// parallel regions, every region built from the one local table. A PF reset
// (CC.EN 1->0 or PF FLR) leaves `pfEnabled`, so every VF region is exited
// and starts again at power-on (runningIdle) when the PF is enabled: D18
// (every VF reset as D13, all saved and loaded data dropped).
//
// Events aimed at a VF carry its index: `{ type: 'LM_SUSPEND', vf: 3 }`.
// Each region's edges have the named guard `forVf` with params `{ vf }`, so
// region i reacts to events for VF i only (D14).
//
// State value: 'pfDisabled', or { pfEnabled: { vf1: <local>, ..., vfN: <local> } }.
import { assign, setup } from 'xstate';
import { localTable, type LocalRow } from './localTable.ts';
import {
  VF_LOCAL_STATES,
  type SystemContext,
  type SystemEvent,
  type SystemObservation,
  type SystemOptions,
  type SystemStatus,
} from './types.ts';

export const SYSTEM_MACHINE_ID = 'system';

type ObserveParams = { status: SystemStatus | 'none'; decision: string };

export const INITIAL_SYSTEM_OBSERVATION: SystemObservation = { event: 'init', vf: 0, status: 'none', decision: 'none' };

export const systemSetup = setup({
  types: { context: {} as SystemContext, events: {} as SystemEvent },
  guards: {
    forVf: ({ event }, p: { vf: number }) => 'vf' in event && event.vf === p.vf,
  },
  actions: {
    observe: assign(({ event }, p: ObserveParams) => ({
      last: { event: event.type, vf: 'vf' in event ? event.vf : 0, status: p.status, decision: p.decision },
    })),
  },
});

export type SystemConfig = Parameters<typeof systemSetup.createMachine>[0];

export function regionName(vf: number): string {
  return `vf${vf}`;
}

function edge(vf: number, row: LocalRow) {
  return {
    guard: { type: 'forVf' as const, params: { vf } },
    ...(row.to === undefined ? {} : { target: row.to }),
    actions: { type: 'observe' as const, params: { status: row.status, decision: row.decision } },
  };
}

/** The region of VF `vf`: the local table with every edge guarded by `forVf(vf)`. */
export function vfRegion(vf: number, o: SystemOptions) {
  const table = localTable(o.vfQueuePolicy);
  return {
    initial: 'runningIdle' as const,
    states: Object.fromEntries(
      VF_LOCAL_STATES.map((s) => [s, { on: Object.fromEntries(Object.entries(table[s]).map(([type, row]) => [type, edge(vf, row)])) }]),
    ),
  };
}

export function systemConfig(n: number, o: SystemOptions): SystemConfig {
  const regions = Object.fromEntries(Array.from({ length: n }, (_, i) => [regionName(i + 1), vfRegion(i + 1, o)]));
  const pf = (decision: string) => ({ type: 'observe' as const, params: { status: 'none' as const, decision } });
  return {
    id: SYSTEM_MACHINE_ID,
    initial: 'pfDisabled',
    context: { last: INITIAL_SYSTEM_OBSERVATION },
    states: {
      pfDisabled: { on: { PF_ENABLE: { target: 'pfEnabled', actions: pf('NVMe') } } },
      pfEnabled: {
        type: 'parallel',
        states: regions,
        on: {
          PF_DISABLE: { target: 'pfDisabled', actions: pf('D18') },
          PF_FLR: { target: 'pfDisabled', actions: pf('D18') },
        },
      },
    },
  } as SystemConfig;
}
