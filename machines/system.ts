// system: the PF and n VFs (1..8) composed, each VF abstracted to 8 local
// states (LM state x I/O in flight; see machines/system/types.ts). Built in
// machines/system/: localTable.ts (one VF's local relation, a table),
// machine.ts (regions and the PF), snapshot.ts (keys), invariants.ts (I1, I3,
// I4, I5, I6). The full single-VF behaviour is vfLifecycle; this machine is
// for what happens across VFs: isolation (D14) and PF resets (D18).
//
// Events aimed at a VF carry its 1-based index, `{ type: 'LM_SUSPEND', vf: 3 }`;
// PF events carry none. systemVfEvents(vf) lists one VF's events.
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { systemInvariants } from './system/invariants.ts';
import { systemConfig, systemSetup } from './system/machine.ts';
import { systemStateKey, systemSymmetricKey } from './system/snapshot.ts';
import {
  MAX_VFS,
  MIN_VFS,
  SYSTEM_PF_EVENT_TYPES,
  SYSTEM_VF_EVENT_TYPES,
  type SystemEvent,
  type SystemOptions,
  type SystemVfEventType,
} from './system/types.ts';

export * from './system/types.ts';
export { isBusy, localTable, type LocalRow, type LocalTable } from './system/localTable.ts';
export { INITIAL_SYSTEM_OBSERVATION, SYSTEM_MACHINE_ID, regionName, systemConfig, systemSetup, vfRegion, type SystemConfig } from './system/machine.ts';
export { pfEnabled, systemLast, systemStateKey, systemSymmetricKey, systemTookEdge, vfLocals, type VfSlot } from './system/snapshot.ts';
export { systemInvariants } from './system/invariants.ts';
export { systemDecomposition, type SystemDecomposition } from './system/decomposition.ts';

/** Local states per VF in the system (the product has at most 8^n + 1 states). */
export const SYSTEM_LOCAL_STATE_COUNT = 8;

const DEFAULT_SYSTEM_OPTIONS: SystemOptions = { vfQueuePolicy: 'reject' };

function normalize(n: number, input: Partial<SystemOptions>): SystemOptions {
  if (!Number.isInteger(n) || n < MIN_VFS || n > MAX_VFS) throw new Error(`the system has ${MIN_VFS} to ${MAX_VFS} VFs; got ${n}`);
  const o = { ...DEFAULT_SYSTEM_OPTIONS, ...input };
  if (o.vfQueuePolicy !== 'reject' && o.vfQueuePolicy !== 'drop') {
    throw new Error(`unknown vfQueuePolicy ${JSON.stringify(o.vfQueuePolicy)}: use reject or drop`);
  }
  return o;
}

export function createSystem(n: number, input: Partial<SystemOptions> = {}) {
  return systemSetup.createMachine(systemConfig(n, normalize(n, input)));
}

export type SystemMachine = ReturnType<typeof createSystem>;

/** Every event aimed at VF `vf` (1-based). */
export function systemVfEvents(vf: number): { type: SystemVfEventType; vf: number }[] {
  return SYSTEM_VF_EVENT_TYPES.map((type) => ({ type, vf }));
}

/** The alphabet: the PF's 3 events, then each VF's 11. */
export function systemEvents(n: number): SystemEvent[] {
  normalize(n, {});
  return [
    ...SYSTEM_PF_EVENT_TYPES.map((type) => ({ type })),
    ...Array.from({ length: n }, (_, i) => systemVfEvents(i + 1)).flat(),
  ];
}

/** e.g. `system:2`, `system:3:drop` */
function systemId(n: number, input: Partial<SystemOptions> = {}): string {
  const o = normalize(n, input);
  return o.vfQueuePolicy === 'drop' ? `system:${n}:drop` : `system:${n}`;
}

export function systemSpec(n: number, input: Partial<SystemOptions> = {}): MachineSpec {
  const o = normalize(n, input);
  return {
    id: systemId(n, o),
    description:
      `The PF and ${n} VF${n === 1 ? '' : 's'} (VF-queue policy ${o.vfQueuePolicy}), each VF one of ${SYSTEM_LOCAL_STATE_COUNT} local states ` +
      '(LM state x I/O in flight); PF resets drop every VF to power-on (D18).',
    machine: createSystem(n, o),
    events: systemEvents(n),
    key: (s: AnyMachineSnapshot) => systemStateKey(s, n),
    symmetricKey: (s: AnyMachineSnapshot) => systemSymmetricKey(s, n),
    invariants: systemInvariants(n, o),
    // Liveness is the single VF's (vfLifecycle: L2-L4); the abstraction here has no fairness to state.
    liveness: [],
  };
}
