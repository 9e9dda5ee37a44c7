// Liveness of the tp4159 lifecycle (L5, L6, and D25's admin queue): "no
// reachable cycle in which the obligation stays pending", under the fairness
// each states.
import type { Liveness, Step } from '../../spec.ts';
import { tpContextOf, tpLmStateOf } from './snapshot.ts';

/** While Suspend drains, the device completes every fetched command eventually. */
function drainUnfair(step: Step): boolean {
  return tpLmStateOf(step.before) === 'suspending' && step.event.type !== 'IO_COMPLETE';
}

const l5: Liveness = {
  id: 'L5',
  description: 'Suspend completes: once the commands fetched before it complete, every Suspend completes (D22)',
  fairness: 'The device completes every fetched command eventually: while a Suspend drains, only IO_COMPLETE can repeat forever.',
  pending: (s) => tpLmStateOf(s) === 'suspending',
  unfair: drainUnfair,
};

const l6: Liveness = {
  id: 'L6',
  description: 'Resume restarts: every SQ whose tail was written while suspended is fetched after Resume, the admin SQ included, with no further doorbell write (D23)',
  fairness: 'None beyond the device: Resume\'s own step fetches every latched tail. The host resuming at all is D25\'s assumption, not this one\'s.',
  pending(s) {
    const c = tpContextOf(s);
    return tpLmStateOf(s) === 'active' && (c.latched > 0 || c.adminLatched);
  },
};

const d25: Liveness = {
  id: 'D25',
  description: 'The guest\'s admin queue continues: every admin command the guest submits is seen completed, on the source or on the destination, unless a reset intervenes',
  fairness:
    'The device completes fetched commands (a drain ends), and the host does not keep the VF suspended or the VM stopped forever: while either holds, only RESUME can repeat forever (every migration ends in a Resume on the source or the destination).',
  pending: (s) => tpContextOf(s).guestAdmin !== 'none',
  unfair(step) {
    if (drainUnfair(step)) return true;
    const b = tpContextOf(step.before);
    return (tpLmStateOf(step.before) === 'suspended' || b.mig !== 'none') && step.event.type !== 'RESUME';
  },
};

export const TP_LIFECYCLE_LIVENESS: readonly Liveness[] = [l5, l6, d25];
