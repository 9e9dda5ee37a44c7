// D25's finding, computed: the checker's verdict on the guest's admin queue
// across a migration with state format 0 alone and with the project's
// vendor-specific section. Used by the test and to write (and pin) the lasso
// in docs/tp4159-format0-finding.md.
import type { MachineSpec } from '../../machines/spec.ts';
import { TP_LIFECYCLE_FORMAT0, tpLifecycleConfig, tpLifecycleSetup, tpLifecycleSpec, type TpLifecycleConfig, type TpLifecycleOptions } from '../../machines/tp4159Lifecycle.ts';
import { formatLasso } from '../../src/check/format.ts';
import type { LivenessResult } from '../../src/check/liveness.ts';
import { check } from '../../src/check/report.ts';

/** Bounds small enough to check in well under a second: one queue pair, one I/O. */
export const FINDING_BOUNDS = { maxIoQueues: 1, maxOutstanding: 1 } as const;
export const format0Spec = (): MachineSpec => tpLifecycleSpec({ ...TP_LIFECYCLE_FORMAT0, ...FINDING_BOUNDS });
export const vendorSpec = (): MachineSpec => tpLifecycleSpec({ ...FINDING_BOUNDS });

/**
 * Format 0 with a guest that writes its admin SQ only while its VF runs:
 * then no admin command is latched across the migration, and what is left is
 * the restart at slot 0 itself.
 */
export function format0NoLatchedAdminSpec(): MachineSpec {
  const o: TpLifecycleOptions = { ...TP_LIFECYCLE_FORMAT0, ...FINDING_BOUNDS };
  const cfg = tpLifecycleConfig(o) as unknown as { states: Record<string, { on: Record<string, unknown> }> };
  const quiet = (name: string) => {
    const { CREATE_IO_QUEUE: _c, DELETE_IO_QUEUE: _d, ...on } = cfg.states[name].on;
    return { ...cfg.states[name], on };
  };
  const states = { ...cfg.states, suspending: quiet('suspending'), suspended: quiet('suspended') };
  const base = format0Spec();
  return { ...base, id: `${base.id}:no-latched-admin`, machine: tpLifecycleSetup(o).createMachine({ ...cfg, states } as unknown as TpLifecycleConfig) };
}

export function d25(spec: MachineSpec): LivenessResult {
  const found = check(spec).report.liveness.find((l) => l.id === 'D25');
  if (!found) throw new Error(`${spec.id} has no D25`);
  return found;
}

/** picocolors' colour codes (ESC [ ... m) */
const ANSI = /\x1b\[[0-9;]*m/g;

/** The lasso as `nvme-lm check` prints it, without colour. */
export function lassoText(r: LivenessResult): string {
  if (r.lasso === undefined) throw new Error(`${r.id} holds: there is no lasso to print`);
  return formatLasso(r.lasso, '    ').replace(ANSI, '');
}
