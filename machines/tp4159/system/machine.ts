// The composed tp4159 system: the PF and, while it is enabled, n VFs as
// parallel regions built from the one local table (localTable.ts). A PF
// reset (CC.EN 1->0 or PF FLR) leaves `pfEnabled`: every VF region is
// exited and every CDQ with it, and all start again at power-on when the PF
// is enabled (D34). A management command naming the PF's own CNTLID is
// Invalid Controller Identifier and changes nothing (D20).
//
// Events aimed at a VF carry its index: `{ type: 'SUSPEND', vf: 2 }`; each
// region's edges have the named guard `forVf` with params `{ vf }` (I13).
import { assign, setup } from 'xstate';
import type { TpDecision, TpStatusName } from '../status.ts';
import { localName, localRow, TP_LOCAL_STATES, TP_SYSTEM_VF_EVENT_TYPES, type TpLocalRow, type TpSystemVfEventType } from './localTable.ts';

export const TP_SYSTEM_MACHINE_ID = 'tp4159System';

export const TP_SYSTEM_PF_EVENT_TYPES = ['PF_ENABLE', 'PF_DISABLE', 'PF_FLR', 'PF_NAMES_ITSELF'] as const;
type TpSystemPfEventType = (typeof TP_SYSTEM_PF_EVENT_TYPES)[number];
export type TpSystemEvent = { type: TpSystemVfEventType; vf: number } | { type: TpSystemPfEventType };

interface TpSystemObservation {
  event: TpSystemVfEventType | TpSystemPfEventType | 'init';
  vf: number;
  status: TpStatusName | 'none';
  decision: TpDecision | 'none';
}

export interface TpSystemContext {
  last: TpSystemObservation;
}

type ObserveParams = { status: TpStatusName | 'none'; decision: TpDecision | 'none' };

const INITIAL_TP_SYSTEM_OBSERVATION: TpSystemObservation = { event: 'init', vf: 0, status: 'none', decision: 'none' };

export const tpSystemSetup = setup({
  types: { context: {} as TpSystemContext, events: {} as TpSystemEvent },
  guards: {
    forVf: ({ event }, p: { vf: number }) => 'vf' in event && event.vf === p.vf,
  },
  actions: {
    observe: assign(({ event }, p: ObserveParams) => ({
      last: { event: event.type, vf: 'vf' in event ? event.vf : 0, status: p.status, decision: p.decision },
    })),
  },
});

export type TpSystemConfig = Parameters<typeof tpSystemSetup.createMachine>[0];

export function tpRegionName(vf: number): string {
  return `vf${vf}`;
}

function edge(vf: number, from: string, row: TpLocalRow) {
  const to = localName(row.to);
  return {
    guard: { type: 'forVf' as const, params: { vf } },
    ...(to === from ? {} : { target: to }),
    actions: { type: 'observe' as const, params: { status: row.status, decision: row.decision } },
  };
}

/** VF `vf`'s region: the local table with every edge guarded by `forVf(vf)`. */
function tpVfRegion(vf: number) {
  const states = Object.fromEntries(
    TP_LOCAL_STATES.map((l) => {
      const from = localName(l);
      const on = Object.fromEntries(
        TP_SYSTEM_VF_EVENT_TYPES.flatMap((type) => {
          const row = localRow(l, type);
          return row === undefined ? [] : [[type, edge(vf, from, row)]];
        }),
      );
      return [from, { on }];
    }),
  );
  return { initial: 'active_none', states };
}

export function tpSystemConfig(n: number): TpSystemConfig {
  const regions = Object.fromEntries(Array.from({ length: n }, (_, i) => [tpRegionName(i + 1), tpVfRegion(i + 1)]));
  const pf = (status: TpStatusName | 'none', decision: TpDecision | 'none') => ({ type: 'observe' as const, params: { status, decision } });
  return {
    id: TP_SYSTEM_MACHINE_ID,
    initial: 'pfDisabled',
    context: { last: INITIAL_TP_SYSTEM_OBSERVATION },
    states: {
      pfDisabled: { on: { PF_ENABLE: { target: 'pfEnabled', actions: pf('none', 'NVMe') } } },
      pfEnabled: {
        type: 'parallel',
        states: regions,
        on: {
          PF_DISABLE: { target: 'pfDisabled', actions: pf('none', 'D34') },
          PF_FLR: { target: 'pfDisabled', actions: pf('none', 'D34') },
          PF_NAMES_ITSELF: { actions: pf('INVALID_CONTROLLER_ID', 'D20') },
        },
      },
    },
  } as TpSystemConfig;
}
