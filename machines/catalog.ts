// Every specification machine the project checks, with its options: the one
// list `nvme-lm check`, `diagram` and `report` read.
import type { MachineSpec } from './spec.ts';
import { VF_LIFECYCLE_NO_LM_OPTION_SETS, VF_LIFECYCLE_OPTION_SETS, vfLifecycleSpec } from './vfLifecycle.ts';
import { PF_ACCEPTANCE_OPTION_SETS, pfAcceptanceSpec } from './pfAcceptance.ts';
import { vfioMigrationSpecs } from './vfioMigration.ts';
import { systemSpec } from './system.ts';
import { TP_LIFECYCLE_OPTION_SETS, tpLifecycleSpec } from './tp4159Lifecycle.ts';
import { TP_ACCEPTANCE_OPTION_SETS, tpAcceptanceSpec } from './tp4159Acceptance.ts';
import { UDMQ_OPTION_SETS, udmqSpec } from './tp4159Udmq.ts';
import { tpSystemSpec } from './tp4159System.ts';

/** The composed system is checked with this many VFs by default (path coverage is required for it). */
const SYSTEM_VFS_FOR_COVERAGE = 2;

export function machineSpecs(): MachineSpec[] {
  return [
    ...VF_LIFECYCLE_OPTION_SETS.map((o) => vfLifecycleSpec(o)),
    ...VF_LIFECYCLE_NO_LM_OPTION_SETS.map((o) => vfLifecycleSpec(o)),
    ...PF_ACCEPTANCE_OPTION_SETS.map((o) => pfAcceptanceSpec(o)),
    ...vfioMigrationSpecs,
    systemSpec(SYSTEM_VFS_FOR_COVERAGE),
    systemSpec(SYSTEM_VFS_FOR_COVERAGE, { vfQueuePolicy: 'drop' }),
    // the standard profile tp4159
    ...TP_LIFECYCLE_OPTION_SETS.map((o) => tpLifecycleSpec(o)),
    ...TP_ACCEPTANCE_OPTION_SETS.map((o) => tpAcceptanceSpec(o)),
    ...UDMQ_OPTION_SETS.map((o) => udmqSpec(o)),
    tpSystemSpec(SYSTEM_VFS_FOR_COVERAGE),
  ];
}

/** Look a spec up by id; the error lists the valid ids. */
export function machineSpec(id: string, specs: MachineSpec[] = machineSpecs()): MachineSpec {
  const found = specs.find((s) => s.id === id);
  if (found) return found;
  const system = /^system:(\d+)$/.exec(id);
  if (system) return systemSpec(Number(system[1]));
  const tp = /^tp4159System:(\d+)$/.exec(id);
  if (tp) return tpSystemSpec(Number(tp[1]));
  throw new Error(`no machine "${id}"; machines: ${specs.map((s) => s.id).join(', ')} (and system:<n>, tp4159System:<n> for n = 1..8)`);
}
