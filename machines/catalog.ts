// Every specification machine the project checks, with its options: the one
// list `nvme-lm check`, `diagram` and `report` read.
import type { MachineSpec } from './spec.ts';
import { VF_LIFECYCLE_NO_LM_OPTION_SETS, VF_LIFECYCLE_OPTION_SETS, vfLifecycleSpec } from './vfLifecycle.ts';
import { PF_ACCEPTANCE_OPTION_SETS, pfAcceptanceSpec } from './pfAcceptance.ts';
import { vfioMigrationSpecs } from './vfioMigration.ts';
import { systemSpec } from './system.ts';

/** The composed system is checked with this many VFs by default (path coverage is required for it). */
export const SYSTEM_VFS_FOR_COVERAGE = 2;

export function machineSpecs(): MachineSpec[] {
  return [
    ...VF_LIFECYCLE_OPTION_SETS.map((o) => vfLifecycleSpec(o)),
    ...VF_LIFECYCLE_NO_LM_OPTION_SETS.map((o) => vfLifecycleSpec(o)),
    ...PF_ACCEPTANCE_OPTION_SETS.map((o) => pfAcceptanceSpec(o)),
    ...vfioMigrationSpecs,
    systemSpec(SYSTEM_VFS_FOR_COVERAGE),
    systemSpec(SYSTEM_VFS_FOR_COVERAGE, { vfQueuePolicy: 'drop' }),
  ];
}

/** Look a spec up by id; the error lists the valid ids. */
export function machineSpec(id: string, specs: MachineSpec[] = machineSpecs()): MachineSpec {
  const found = specs.find((s) => s.id === id);
  if (found) return found;
  const system = /^system:(\d+)$/.exec(id);
  if (system) return systemSpec(Number(system[1]));
  throw new Error(`no machine "${id}"; machines: ${specs.map((s) => s.id).join(', ')} (and system:<n> for n = 1..8)`);
}
