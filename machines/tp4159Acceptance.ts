// tp4159Acceptance: every way the PF's admin command path accepts or rejects
// ONE management command of the standard profile tp4159 (D19-D29). The
// machine lives in machines/tp4159/acceptance/: events.ts (the
// classifications), finals.ts (every end with its status and decision),
// machine.ts (the stages and the order of checks), invariants.ts (I2, I3,
// I9, I11, I13). Statuses: machines/tp4159/status.ts.
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { tpAcceptanceAlphabet } from './tp4159/acceptance/events.ts';
import { TP_ACCEPTANCE_INVARIANTS } from './tp4159/acceptance/invariants.ts';
import { tpAcceptanceConfig, tpAcceptanceSetup, type TpAcceptanceContext, type TpAcceptanceOptions } from './tp4159/acceptance/machine.ts';

export * from './tp4159/acceptance/events.ts';
export { TP_FINALS, TP_FINAL_NAMES, tpReachedFinal, type TpChange, type TpFinalMeta, type TpFinalName } from './tp4159/acceptance/finals.ts';
export { TP_ACCEPTANCE_MACHINE_ID, tpAcceptanceConfig, tpAcceptanceSetup, type TpAcceptanceConfig, type TpAcceptanceContext, type TpAcceptanceOptions } from './tp4159/acceptance/machine.ts';
export { TP_ACCEPTANCE_INVARIANTS, TP_I11, TP_I13, TP_I2, TP_I3, TP_I9 } from './tp4159/acceptance/invariants.ts';

export const DEFAULT_TP_ACCEPTANCE_OPTIONS: TpAcceptanceOptions = { vendorState: true, seqind: 'parts', nonContiguousCdq: false };

/** Two sets reach every edge: the project's device, and one without parts, vendor section or contiguity limit. */
export const TP_ACCEPTANCE_OPTION_SETS: readonly TpAcceptanceOptions[] = [
  DEFAULT_TP_ACCEPTANCE_OPTIONS,
  { vendorState: false, seqind: 'whole-only', nonContiguousCdq: true },
];

function normalizeTpAcceptanceOptions(input: Partial<TpAcceptanceOptions> = {}): TpAcceptanceOptions {
  const o = { ...DEFAULT_TP_ACCEPTANCE_OPTIONS, ...input };
  if (o.seqind !== 'parts' && o.seqind !== 'whole-only') throw new Error(`unknown seqind ${JSON.stringify(o.seqind)}: use parts or whole-only`);
  if (typeof o.vendorState !== 'boolean' || typeof o.nonContiguousCdq !== 'boolean') throw new Error('vendorState and nonContiguousCdq are true or false');
  return o;
}

export function createTpAcceptance(input: Partial<TpAcceptanceOptions> = {}) {
  return tpAcceptanceSetup.createMachine(tpAcceptanceConfig(normalizeTpAcceptanceOptions(input)));
}

/** e.g. `tp4159Acceptance`, `tp4159Acceptance:no-vendor:whole-only:pc0` */
function tpAcceptanceId(input: Partial<TpAcceptanceOptions> = {}): string {
  const o = normalizeTpAcceptanceOptions(input);
  const parts = ['tp4159Acceptance'];
  if (!o.vendorState) parts.push('no-vendor');
  if (o.seqind === 'whole-only') parts.push('whole-only');
  if (o.nonContiguousCdq) parts.push('pc0');
  return parts.join(':');
}

/** State identity: the stage and what the rest of the trip depends on (queue, opcode, operation, SEQIND); the rest is the path taken. */
function tpAcceptanceKey(s: AnyMachineSnapshot): string {
  const { cmd } = s.context as TpAcceptanceContext;
  return `${String(s.value)}|${cmd.queue ?? '-'}|${cmd.opcode ?? '-'}|${cmd.operation ?? '-'}|${cmd.seqind ?? '-'}|${cmd.target ?? '-'}`;
}

export function tpAcceptanceSpec(input: Partial<TpAcceptanceOptions> = {}): MachineSpec {
  const o = normalizeTpAcceptanceOptions(input);
  return {
    id: tpAcceptanceId(o),
    description:
      `One management command's trip through the PF of profile tp4159 (vendor state ${o.vendorState ? 'listed' : 'not listed'}, ` +
      `Set State ${o.seqind === 'parts' ? 'in parts or whole' : 'whole only'}, PC = 0 ${o.nonContiguousCdq ? 'supported' : 'not supported'}): ` +
      'queue, opcode and SEL, fields, target, its state, CSVI, data; every end a final state with its status and decision.',
    machine: createTpAcceptance(o),
    events: tpAcceptanceAlphabet(),
    key: tpAcceptanceKey,
    keyOmitsContext: true,
    invariants: TP_ACCEPTANCE_INVARIANTS,
    // the stages form a DAG: every run ends in a final state, nothing stays pending
    liveness: [],
  };
}
