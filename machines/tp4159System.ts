// tp4159System: the PF and n VFs (1..8) of profile tp4159 composed, each VF
// one of 10 local states (suspension x its UDMQ x unreleased entries; see
// machines/tp4159/system/localTable.ts). Built in machines/tp4159/system/:
// localTable.ts, machine.ts, snapshot.ts (keys and the decomposition the
// product explorer in src/check takes), invariants.ts (I3, I9, I13). The
// single VF's full behaviour is tp4159Lifecycle and tp4159Udmq; this machine
// is for what happens across VFs: isolation (I13) and PF resets (D34).
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { tpSystemInvariants } from './tp4159/system/invariants.ts';
import { TP_SYSTEM_VF_EVENT_TYPES, TP_LOCAL_STATES, type TpSystemVfEventType } from './tp4159/system/localTable.ts';
import { TP_SYSTEM_PF_EVENT_TYPES, tpSystemConfig, tpSystemSetup, type TpSystemEvent } from './tp4159/system/machine.ts';
import { tpSystemStateKey, tpSystemSymmetricKey } from './tp4159/system/snapshot.ts';

export * from './tp4159/system/localTable.ts';
export * from './tp4159/system/machine.ts';
export * from './tp4159/system/snapshot.ts';
export { tpSystemInvariants } from './tp4159/system/invariants.ts';

const TP_SYSTEM_MIN_VFS = 1;
const TP_SYSTEM_MAX_VFS = 8;

function checkN(n: number): void {
  if (!Number.isInteger(n) || n < TP_SYSTEM_MIN_VFS || n > TP_SYSTEM_MAX_VFS) throw new Error(`the tp4159 system has ${TP_SYSTEM_MIN_VFS} to ${TP_SYSTEM_MAX_VFS} VFs; got ${n}`);
}

export function createTpSystem(n: number) {
  checkN(n);
  return tpSystemSetup.createMachine(tpSystemConfig(n));
}

function tpSystemVfEvents(vf: number): { type: TpSystemVfEventType; vf: number }[] {
  return TP_SYSTEM_VF_EVENT_TYPES.map((type) => ({ type, vf }));
}

function tpSystemEvents(n: number): TpSystemEvent[] {
  checkN(n);
  return [...TP_SYSTEM_PF_EVENT_TYPES.map((type) => ({ type })), ...Array.from({ length: n }, (_, i) => tpSystemVfEvents(i + 1)).flat()];
}

export function tpSystemSpec(n: number): MachineSpec {
  checkN(n);
  return {
    id: `tp4159System:${n}`,
    description:
      `The PF and ${n} VF${n === 1 ? '' : 's'} of profile tp4159, each VF one of ${TP_LOCAL_STATES.length} local states ` +
      '(suspension x its UDMQ x unreleased entries): isolation between VFs and their queues (I13), PF resets delete every CDQ (D34).',
    machine: createTpSystem(n),
    events: tpSystemEvents(n),
    key: (s: AnyMachineSnapshot) => tpSystemStateKey(s, n),
    symmetricKey: (s: AnyMachineSnapshot) => tpSystemSymmetricKey(s, n),
    invariants: tpSystemInvariants(n),
    // liveness is the single VF's (tp4159Lifecycle, tp4159Udmq)
    liveness: [],
  };
}
