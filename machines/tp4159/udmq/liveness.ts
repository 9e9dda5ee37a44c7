// L7 for the UDMQ: a One-Shot event raised while an Asynchronous Event
// Request is outstanding completes it (D33).
import type { Liveness } from '../../spec.ts';
import { udmqContextOf } from './snapshot.ts';

const l7: Liveness = {
  id: 'L7',
  description: 'A One-Shot event raised while an Asynchronous Event Request is outstanding completes it (D33: never masked)',
  fairness: 'None: the controller reports in the step that raises the event or submits the AER.',
  pending(s) {
    const c = udmqContextOf(s);
    return c.aers > 0 && c.queued.length > 0;
  },
};

export const UDMQ_LIVENESS: readonly Liveness[] = [l7];
