// L5, L6 (tp4159Lifecycle) and L7 (tp4159Udmq) each fail, with a lasso, on a
// machine seeded with the bug they exist to catch, and hold on the unbroken
// machine. The broken machines are the real ones with one named action or
// guard replaced through XState's `provide`.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { tpLifecycleSpec, type TpLifecycleContext, type TpLifecycleEvent } from '../../machines/tp4159Lifecycle.ts';
import { reply, startDrain } from '../../machines/tp4159/lifecycle/effects.ts';
import { udmqSpec, type UdmqContext, type UdmqEvent } from '../../machines/tp4159Udmq.ts';
import type { Lasso } from '../../src/check/liveness.ts';
import { eventTypes, liveness, seeded } from '../machines/tp4159/helpers.ts';
import { expectRealLasso } from './realLasso.ts';

const small = tpLifecycleSpec({ maxIoQueues: 1, maxOutstanding: 1 });
const lifecycleAct = (f: (c: TpLifecycleContext, e: TpLifecycleEvent['type']) => TpLifecycleContext) =>
  assign<TpLifecycleContext, TpLifecycleEvent, undefined, TpLifecycleEvent, never>(({ context, event }) => f(context, event.type));

describe('tp4159 liveness on seeded broken machines', () => {
  it('L5: a device that never completes a command fetched before Suspend: lasso ENABLE, CREATE_IO_QUEUE, SUBMIT_IO, SUSPEND, then IO_COMPLETE (posting nothing) forever', () => {
    const spec = seeded(small, 'drain', {
      guards: { lastOutstanding: () => false },
      actions: { completeIo: lifecycleAct((c, e) => startDrain(c, e)) },
    });
    const r = liveness(spec, 'L5');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(eventTypes(lasso.stem.steps)).toEqual(['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO', 'SUSPEND']);
    expect(eventTypes(lasso.cycle)).toEqual(['IO_COMPLETE']);
    expect(lasso.stem.steps[3].value).toBe('suspending');
    expectRealLasso(spec, 'L5', lasso);
    expect(liveness(small, 'L5').holds).toBe(true);
  });

  it('L6: a Resume that fetches no latched tail: lasso ENABLE, SUSPEND, CREATE_IO_QUEUE (latched on the admin SQ), RESUME, then a step that changes nothing forever', () => {
    const spec = seeded(small, 'resume', {
      actions: { resume: lifecycleAct((c, e) => ({ ...reply(c, e, 'SUCCESS', 'D23'), mig: 'none', image: null })) },
    });
    const r = liveness(spec, 'L6');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(eventTypes(lasso.stem.steps)).toEqual(['ENABLE', 'SUSPEND', 'CREATE_IO_QUEUE', 'RESUME']);
    expect((lasso.stem.steps[3].context as TpLifecycleContext).adminLatched).toBe(true);
    expect(lasso.cycle).toHaveLength(1);
    expectRealLasso(spec, 'L6', lasso);
    expect(liveness(small, 'L6').holds).toBe(true);
  });

  it('L7: a controller that masks One-Shot events until a log page is read (none exists): lasso to an event raised with an AER outstanding that is never reported', () => {
    // the events that raise and report One-Shot events (the whole alphabet's L7 is the catalog check's)
    const full = udmqSpec({ entries: 3, oneShot: true });
    const spec = { ...full, events: ['CREATE_CDQ', 'TRACK_START', 'WRITE', 'HOST_RELEASE', 'SET_TRIGGER', 'AER'].map((type) => ({ type })) };
    // the seeded bug: an AER takes no waiting event, and an event raised while one is outstanding waits
    const masked = seeded(spec, 'masked', {
      actions: {
        submitAer: assign<UdmqContext, UdmqEvent, undefined, UdmqEvent, never>(({ context, event }) => ({
          ...context,
          aers: context.aers + 1,
          last: { ...context.last, event: event.type, completion: 'none', posted: [], changeCompleted: false, read: null, reported: [] },
        })),
      },
    });
    const r = liveness(masked, 'L7');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    const end = (lasso.stem.steps.at(-1)?.context ?? lasso.stem.initial.context) as UdmqContext;
    expect(end.aers).toBe(1);
    expect(end.queued.length).toBeGreaterThan(0);
    expectRealLasso(masked, 'L7', lasso);
    expect(liveness(spec, 'L7').holds).toBe(true);
  });
});
