// tp4159Lifecycle: one migratable controller (a VF) of the standard profile
// tp4159 (NVMe Base 2.1 host-managed live migration) through its whole life:
// suspension with Suspend's drain (D22), latched doorbells and Resume (D23),
// Get State in any state (D24), Set State all or nothing with its parts
// (D26, D27), resets (D34), and the guest's admin queue across a migration
// (D25). Built in machines/tp4159/lifecycle/: types.ts, effects.ts (every
// rule as a pure function), machine.ts (the config and the environment's
// assumptions), invariants.ts (I3, I11, I12, D22, D24), liveness.ts (L5, L6,
// D25). Statuses: machines/tp4159/status.ts.
//
// Option stateFormat 'format0' is the standard's state alone; the catalog
// checks 'vendor' (with the project's vendor-specific section), because with
// format 0 alone D25's liveness fails by design: docs/tp4159-format0-finding.md.
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { TP_LIFECYCLE_LIVENESS } from './tp4159/lifecycle/liveness.ts';
import { tpLifecycleInvariants } from './tp4159/lifecycle/invariants.ts';
import { tpLifecycleConfig, tpLifecycleSetup } from './tp4159/lifecycle/machine.ts';
import { tpStateKey } from './tp4159/lifecycle/snapshot.ts';
import {
  TP_DEVICE_EVENT_TYPES,
  TP_GUEST_EVENT_TYPES,
  TP_HOST_EVENT_TYPES,
  type TpLifecycleEvent,
  type TpLifecycleOptions,
} from './tp4159/lifecycle/types.ts';

export * from './tp4159/lifecycle/types.ts';
export { TP_LIFECYCLE_MACHINE_ID, tpLifecycleConfig, tpLifecycleSetup, type TpLifecycleConfig } from './tp4159/lifecycle/machine.ts';
export { controllerKey, tpContextOf, tpLmStateOf, tpStateKey, tpTookEdge } from './tp4159/lifecycle/snapshot.ts';
export { tpLifecycleInvariants } from './tp4159/lifecycle/invariants.ts';
export { TP_LIFECYCLE_LIVENESS } from './tp4159/lifecycle/liveness.ts';

const DEFAULT_TP_LIFECYCLE_OPTIONS: TpLifecycleOptions = { stateFormat: 'vendor', seqind: 'parts', maxIoQueues: 2, maxOutstanding: 2 };

const MAX_BOUND = 4;

function normalizeTpLifecycleOptions(input: Partial<TpLifecycleOptions> = {}): TpLifecycleOptions {
  const o = { ...DEFAULT_TP_LIFECYCLE_OPTIONS, ...input };
  if (o.stateFormat !== 'format0' && o.stateFormat !== 'vendor') throw new Error(`unknown stateFormat ${JSON.stringify(o.stateFormat)}: use format0 or vendor`);
  if (o.seqind !== 'parts' && o.seqind !== 'whole-only') throw new Error(`unknown seqind ${JSON.stringify(o.seqind)}: use parts or whole-only`);
  for (const name of ['maxIoQueues', 'maxOutstanding'] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1 || v > MAX_BOUND) throw new Error(`${name} must be an integer from 1 to ${MAX_BOUND}, got ${v}`);
  }
  return o;
}

export function createTpLifecycle(input: Partial<TpLifecycleOptions> = {}) {
  const o = normalizeTpLifecycleOptions(input);
  return tpLifecycleSetup(o).createMachine(tpLifecycleConfig(o));
}

export function tpLifecycleEvents(input: Partial<TpLifecycleOptions> = {}): TpLifecycleEvent[] {
  const o = normalizeTpLifecycleOptions(input);
  const host = TP_HOST_EVENT_TYPES.filter((t) => t !== 'VMM_ENABLE' || o.stateFormat === 'format0');
  return [...host, ...TP_GUEST_EVENT_TYPES, ...TP_DEVICE_EVENT_TYPES].map((type) => ({ type }));
}

/** e.g. `tp4159Lifecycle`, `tp4159Lifecycle:format0`, `tp4159Lifecycle:whole-only` */
function tpLifecycleId(input: Partial<TpLifecycleOptions> = {}): string {
  const o = normalizeTpLifecycleOptions(input);
  const d = DEFAULT_TP_LIFECYCLE_OPTIONS;
  const parts = ['tp4159Lifecycle'];
  if (o.stateFormat !== d.stateFormat) parts.push(o.stateFormat);
  if (o.seqind !== d.seqind) parts.push(o.seqind);
  if (o.maxIoQueues !== d.maxIoQueues) parts.push(`q=${o.maxIoQueues}`);
  if (o.maxOutstanding !== d.maxOutstanding) parts.push(`out=${o.maxOutstanding}`);
  return parts.join(':');
}

/** The option sets the catalog checks: both SEQIND behaviours with the vendor section (D25, D26). */
export const TP_LIFECYCLE_OPTION_SETS: readonly TpLifecycleOptions[] = [
  DEFAULT_TP_LIFECYCLE_OPTIONS,
  { ...DEFAULT_TP_LIFECYCLE_OPTIONS, seqind: 'whole-only' },
];

/** Format 0 alone: D25's finding (its liveness fails; not in the catalog, shown by test and docs). */
export const TP_LIFECYCLE_FORMAT0: TpLifecycleOptions = { ...DEFAULT_TP_LIFECYCLE_OPTIONS, stateFormat: 'format0' };

export function tpLifecycleSpec(input: Partial<TpLifecycleOptions> = {}): MachineSpec {
  const o = normalizeTpLifecycleOptions(input);
  return {
    id: tpLifecycleId(o),
    description:
      `One migratable controller of profile tp4159 (state ${o.stateFormat === 'vendor' ? 'format 0 with the vendor section' : 'format 0 alone'}, ` +
      `Set State ${o.seqind === 'parts' ? 'in parts or whole' : 'whole only'}, up to ${o.maxIoQueues} I/O queue pair(s) and ${o.maxOutstanding} I/O in flight): ` +
      'suspension and its drain, latched doorbells, Get/Set State, the guest\'s admin queue across a migration, resets.',
    machine: createTpLifecycle(o),
    events: tpLifecycleEvents(o),
    key: (s: AnyMachineSnapshot) => tpStateKey(s),
    invariants: tpLifecycleInvariants(o),
    liveness: [...TP_LIFECYCLE_LIVENESS],
  };
}
