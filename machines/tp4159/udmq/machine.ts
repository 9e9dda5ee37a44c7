// The user data migration queue machine: one migratable controller and the
// one UDMQ its PF created for it (MCUDMQ = 1), logging (D29, D30), the
// host's head and flow control (D31), Suspend and Resume in the log (D32),
// One-Shot events and Asynchronous Event Requests (D33), resets (D34).
//
// State value = the controller's suspension. Context: effects.ts.
// Environment assumptions (an event without an edge is not enabled):
// - commands name this controller and its queue validly (every rejection by
//   field or identifier is the acceptance machine's); what is left are the
//   state rejections: a second Create (1/38h), Track Send while suspended
//   (1/39h), Track start without room (1/3Bh), Resume of an active VF (1/3Ah);
// - the host releases only entries it has read (HOST_RELEASE reads the
//   entry at its head) and keeps at most one AER outstanding;
// - a suspended controller fetches nothing, so no change completes then;
// - events waiting for an AER stay few (MAX_WAITING_EVENTS): with a trigger
//   set, a step that may post an entry (which can raise two events) is taken
//   only while that many more fit. Every occurrence is reported (D33), so
//   without a bound the waiting list, and the state space, would grow.
import { and, assign, not, setup } from 'xstate';
import type { TpDecision, TpStatusName } from '../status.ts';
import {
  change,
  createCdq,
  deleteCdq,
  hostRelease,
  initialUdmqContext,
  pfReset,
  read,
  reply,
  resume,
  setTrigger,
  submitAer,
  suspend,
  trackStart,
  trackStop,
  vfReset,
} from './effects.ts';
import type { UdmqContext, UdmqEvent, UdmqOptions } from './types.ts';

export const UDMQ_MACHINE_ID = 'tp4159Udmq';

/** Events the exploration lets wait for an AER at most (environment bound, see above). */
const MAX_WAITING_EVENTS = 3;

type ReplyParams = { status: TpStatusName; decision: TpDecision };

export function udmqSetup(o: UdmqOptions) {
  return setup({
    types: { context: {} as UdmqContext, events: {} as UdmqEvent },
    guards: {
      hasCdq: ({ context }) => context.cdq,
      logging: ({ context }) => context.logging,
      hasEntries: ({ context }) => context.used > 0,
      mayAer: ({ context }) => context.aers === 0,
      // a post raises at most two events (the trigger and full)
      eventRoom: ({ context }) => !context.etpt || context.queued.length + 2 <= MAX_WAITING_EVENTS,
    },
    actions: {
      reply: assign(({ context, event }, p: ReplyParams) => reply(context, event.type, p.status, p.decision)),
      createCdq: assign(({ context, event }) => createCdq(context, event.type, o)),
      deleteCdq: assign(({ context, event }) => deleteCdq(context, event.type, o)),
      trackStart: assign(({ context, event }) => trackStart(context, event.type)),
      trackStop: assign(({ context, event }) => trackStop(context, event.type)),
      change: assign(({ context, event }) => change(context, event.type)),
      read: assign(({ context, event }) => read(context, event.type)),
      hostRelease: assign(({ context, event }) => hostRelease(context, event.type)),
      setTrigger: assign(({ context, event }) => setTrigger(context, event.type)),
      submitAer: assign(({ context, event }) => submitAer(context, event.type)),
      suspend: assign(({ context, event }) => suspend(context, event.type, o, false)),
      suspendDeleting: assign(({ context, event }) => suspend(context, event.type, o, true)),
      resume: assign(({ context, event }) => resume(context, event.type)),
      vfReset: assign(({ context, event }) => vfReset(context, event.type)),
      pfReset: assign(({ context, event }) => pfReset(context, event.type, o)),
    },
  });
}

type UdmqSetup = ReturnType<typeof udmqSetup>;
export type UdmqConfig = Parameters<UdmqSetup['createMachine']>[0];

const answer = (status: TpStatusName, decision: TpDecision) => ({ type: 'reply', params: { status, decision } }) as const;

/** Events that act alike whether the controller is suspended or not. */
function queueEvents(o: UdmqOptions) {
  const oneShot = o.oneShot
    ? { SET_TRIGGER: { guard: 'hasCdq', actions: 'setTrigger' }, AER: { guard: 'mayAer', actions: 'submitAer' } }
    : {};
  return {
    CREATE_CDQ: [
      { guard: 'hasCdq', actions: answer('NOT_ENOUGH_RESOURCES', 'D28') },
      { actions: 'createCdq' },
    ],
    DELETE_CDQ: { guard: 'hasCdq', actions: 'deleteCdq' },
    HOST_RELEASE: { guard: 'hasEntries', actions: 'hostRelease' },
    ...oneShot,
  } as const;
}

export function udmqConfig(o: UdmqOptions): UdmqConfig {
  return {
    id: UDMQ_MACHINE_ID,
    initial: 'active',
    context: () => initialUdmqContext(o),
    states: {
      active: {
        on: {
          ...queueEvents(o),
          TRACK_START: [
            { guard: and(['hasCdq', 'logging']), actions: answer('SUCCESS', 'D29') },
            { guard: and(['hasCdq', 'eventRoom']), actions: 'trackStart' },
          ],
          TRACK_STOP: [
            { guard: and(['hasCdq', 'logging', 'eventRoom']), actions: 'trackStop' },
            { guard: and(['hasCdq', not('logging')]), actions: answer('SUCCESS', 'D29') },
          ],
          WRITE: { guard: 'eventRoom', actions: 'change' },
          READ: { actions: 'read' },
          SUSPEND: { guard: 'eventRoom', target: 'suspended', actions: 'suspend' },
          SUSPEND_DUDMQ: { guard: and(['hasCdq', 'eventRoom']), target: 'suspended', actions: 'suspendDeleting' },
          RESUME: { actions: answer('CONTROLLER_NOT_SUSPENDED', 'D23') },
          FLR: { actions: 'vfReset' },
          PF_RESET: { actions: 'pfReset' },
        },
      },
      suspended: {
        on: {
          ...queueEvents(o),
          TRACK_START: { guard: 'hasCdq', actions: answer('CONTROLLER_SUSPENDED', 'D29') },
          TRACK_STOP: { guard: 'hasCdq', actions: answer('CONTROLLER_SUSPENDED', 'D29') },
          SUSPEND: { actions: answer('SUCCESS', 'D22') },
          RESUME: { guard: 'eventRoom', target: 'active', actions: 'resume' },
          FLR: { target: 'active', actions: 'vfReset' },
          PF_RESET: { target: 'active', actions: 'pfReset' },
        },
      },
    },
  } as UdmqConfig;
}
