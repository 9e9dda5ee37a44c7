// Liveness of the VF lifecycle (L2, L3, L4): "no reachable cycle in which the
// obligation stays pending", under the fairness each states. `unfair(step)`
// marks steps a fair run cannot repeat forever while the obligation is
// pending: a cycle through such a step is not a counterexample.
import type { Liveness } from '../spec.ts';
import { inFlight, lmStateOf, vfContextOf } from './snapshot.ts';

const l2: Liveness = {
  id: 'L2',
  description: 'Doorbells latched while the VF did not fetch are fetched once it runs again (D11): none stays latched while running and enabled',
  fairness:
    'None beyond the device itself: RESUME\'s own step fetches every latched doorbell. The host resuming a stopped VF at all is L3\'s assumption, not this one\'s.',
  pending(s) {
    const c = vfContextOf(s);
    return lmStateOf(s) === 'running' && c.enabled && (c.latched > 0 || c.adminLatched !== 'none');
  },
};

const l3: Liveness = {
  id: 'L3',
  description: 'Every submitted I/O gets its completion, unless an FLR or a controller reset of the VF intervenes (D12, D15)',
  fairness:
    'The device completes every fetched I/O eventually (while some is in flight, only IO_COMPLETE can repeat forever), and the host does not keep the VF stopped forever (while only latched I/O is pending in a stopped state, only LM_RESUME can repeat forever: every migration ends in a RESUME on the source or the destination).',
  pending(s) {
    return inFlight(vfContextOf(s)) > 0;
  },
  unfair(step) {
    const b = vfContextOf(step.before);
    if (b.outstanding > 0) return step.event.type !== 'IO_COMPLETE';
    return lmStateOf(step.before) !== 'running' && step.event.type !== 'LM_RESUME';
  },
};

const l4: Liveness = {
  id: 'L4',
  description: 'A SAVE\'s drain ends: every command fetched before it completes, and then the SAVE completes (D12)',
  fairness: 'The device completes every fetched I/O eventually (IO_COMPLETE, the only event a draining VF takes, is not withheld forever).',
  pending(s) {
    return lmStateOf(s) === 'saving';
  },
};

export const VF_LIVENESS: readonly Liveness[] = [l2, l3, l4];
