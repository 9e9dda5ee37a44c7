// The tp4159 lifecycle machine: one migratable controller (a VF) of a PF that
// offers host-managed live migration, as its management controller (the PF's
// admin queue) and its guest (the VF's own BAR0 and queues) see it.
//
// State value = the suspension (D22): active, suspending (Suspend's drain),
// suspended. Context = the controller, the guest's view and the host's
// migration (types.ts); effects.ts has every rule.
//
// Environment assumptions (an event that selects no edge is "not enabled"):
// - the guest acts only while the VM runs (migration `none`): from the Get
//   State the host keeps until RESUME the VM is stopped; CC.EN 0->1 only
//   while active; one admin command at a time; deletes only idle queues;
//   submits only to existing queues, at most maxOutstanding at once;
// - the host sends nothing for this VF while a Suspend drains except Get
//   State (D24: any state); it moves the VM (MIGRATE) only once it holds a
//   state taken while suspended; it sets only the state it holds, and
//   resumes a destination only after that state is set;
// - MIGRATE is the hand-over: the VM continues on a fresh VF of the
//   destination (the controller at power-on), the guest's memory and the
//   host's state travel. The source is not followed further (the vendor
//   profile's machine models LOAD over the same VF likewise);
// - with format0 the host re-creates the guest's admin queue (VMM_ENABLE)
//   before it sets the state, as it must: the state carries no registers;
// - a guest admin command whose position the controller does not share is
//   never seen completed; what the controller fetches instead (a stale slot,
//   or nothing) is not followed (D25's finding needs only the first).
import { and, assign, setup } from 'xstate';
import type { TpStatusName } from '../status.ts';
import {
  acceptPart,
  adminNow,
  applyState,
  completeIo,
  enable,
  finishDrain,
  getState,
  initialTpContext,
  latchAdmin,
  migrate,
  rejectSetState,
  reply,
  reset,
  resume,
  startDrain,
  submitFetched,
  submitLatched,
  suspendNow,
  vmmEnable,
} from './effects.ts';
import type { TpLifecycleContext, TpLifecycleEvent, TpLifecycleOptions } from './types.ts';

export const TP_LIFECYCLE_MACHINE_ID = 'tp4159Lifecycle';

type ReplyParams = { status: TpStatusName; decision: 'D22' | 'D23' };

export function tpLifecycleSetup(o: TpLifecycleOptions) {
  return setup({
    types: { context: {} as TpLifecycleContext, events: {} as TpLifecycleEvent },
    guards: {
      mayEnable: ({ context }) => context.mig === 'none' && !context.enabled,
      mayDisable: ({ context }) => context.mig === 'none' && context.enabled,
      canCreateQueue: ({ context: c }) => c.mig === 'none' && c.enabled && c.guestAdmin === 'none' && c.ioQueues < o.maxIoQueues,
      canDeleteQueue: ({ context: c }) => c.mig === 'none' && c.enabled && c.guestAdmin === 'none' && c.ioQueues > 0 && c.guestIo === 0,
      canSubmitIo: ({ context: c }) =>
        c.mig === 'none' && c.enabled && c.ioQueues > 0 && c.guestAdmin !== 'delete' && c.guestIo < o.maxOutstanding,
      hasOutstanding: ({ context }) => context.outstanding > 0,
      lastOutstanding: ({ context }) => context.outstanding === 1,
      nothingToDrain: ({ context }) => context.outstanding === 0,
      /** the host sets only the state it holds; with format0 only after re-creating the admin queue (header) */
      hostSetsState: ({ context: c }) =>
        c.image !== null && c.mig !== 'none' && (o.stateFormat === 'vendor' || c.enabled === c.image.vmmEnabled),
      hasIoQueues: ({ context }) => context.ioQueues > 0,
      partsOpen: ({ context }) => context.parts !== 'none',
      /** the host resumes a destination only after its state is set */
      hostResumes: ({ context }) => context.mig !== 'moved',
      mayMigrate: ({ context }) => context.mig === 'saved',
      mayVmmEnable: ({ context: c }) => c.mig === 'moved' && !c.enabled && c.image !== null && c.image.vmmEnabled,
    },
    actions: {
      reply: assign(({ context, event }, p: ReplyParams) => reply(context, event.type, p.status, p.decision)),
      rejectSetState: assign(({ context, event }, p: { status: TpStatusName }) => rejectSetState(context, event.type, p.status)),
      applyState: assign(({ context, event }) => applyState(context, event.type)),
      acceptFirst: assign(({ context, event }) => acceptPart(context, event.type, 'first')),
      acceptMiddle: assign(({ context, event }) => acceptPart(context, event.type, 'middle')),
      getActive: assign(({ context, event }) => getState(context, event.type, o.stateFormat, false)),
      getSuspended: assign(({ context, event }) => getState(context, event.type, o.stateFormat, true)),
      suspendNow: assign(({ context, event }) => suspendNow(context, event.type)),
      startDrain: assign(({ context, event }) => startDrain(context, event.type)),
      completeIo: assign(({ context, event }) => completeIo(context, event.type)),
      finishDrain: assign(({ context, event }) => finishDrain(context, event.type)),
      resume: assign(({ context, event }) => resume(context, event.type)),
      reset: assign(({ context, event }) => reset(context, event.type, false)),
      resetDraining: assign(({ context, event }) => reset(context, event.type, true)),
      migrate: assign(({ context, event }) => migrate(context, event.type)),
      enable: assign(({ context, event }) => enable(context, event.type)),
      vmmEnable: assign(({ context, event }) => vmmEnable(context, event.type)),
      createNow: assign(({ context, event }) => adminNow(context, event.type, 'create')),
      deleteNow: assign(({ context, event }) => adminNow(context, event.type, 'delete')),
      latchCreate: assign(({ context, event }) => latchAdmin(context, event.type, 'create')),
      latchDelete: assign(({ context, event }) => latchAdmin(context, event.type, 'delete')),
      submitFetched: assign(({ context, event }) => submitFetched(context, event.type)),
      submitLatched: assign(({ context, event }) => submitLatched(context, event.type)),
    },
  });
}

type TpLifecycleSetup = ReturnType<typeof tpLifecycleSetup>;
export type TpLifecycleConfig = Parameters<TpLifecycleSetup['createMachine']>[0];

const NOTICE = { type: 'reply', params: { status: 'SUCCESS', decision: 'D22' } } as const;
const NOT_SUSPENDED_RESUME = { type: 'reply', params: { status: 'CONTROLLER_NOT_SUSPENDED', decision: 'D23' } } as const;
const setFail = (status: TpStatusName) => ({ type: 'rejectSetState', params: { status } }) as const;
const NOT_SUSPENDED_SET = setFail('CONTROLLER_NOT_SUSPENDED');
const INVALID_SET = setFail('INVALID_FIELD');

/** Set State on a suspended VF (D26): no I/O queues, no open parts before a whole state or a first, then the data. */
function setStateSuspended(o: TpLifecycleOptions) {
  const held = { guard: 'hostSetsState', actions: INVALID_SET } as const;
  const withQueues = { guard: and(['hostSetsState', 'hasIoQueues']), actions: INVALID_SET } as const;
  const restart = { guard: and(['hostSetsState', 'partsOpen']), actions: INVALID_SET } as const;
  const parts =
    o.seqind === 'whole-only'
      ? { SET_STATE_FIRST: held, SET_STATE_MIDDLE: held, SET_STATE_LAST: held }
      : {
          SET_STATE_FIRST: [withQueues, restart, { guard: 'hostSetsState', actions: 'acceptFirst' }],
          SET_STATE_MIDDLE: [{ guard: and(['hostSetsState', 'partsOpen']), actions: 'acceptMiddle' }, held],
          SET_STATE_LAST: [{ guard: and(['hostSetsState', 'partsOpen']), actions: 'applyState' }, held],
        };
  return {
    // only a controller that accumulates parts can have them open (D26)
    SET_STATE: o.seqind === 'parts' ? [withQueues, restart, { guard: 'hostSetsState', actions: 'applyState' }] : [withQueues, { guard: 'hostSetsState', actions: 'applyState' }],
    SET_STATE_CORRUPT: held,
    ...parts,
  } as const;
}

/** The guest's own events while the controller fetches or not. */
function guest(fetching: boolean) {
  return {
    CREATE_IO_QUEUE: { guard: 'canCreateQueue', actions: fetching ? 'createNow' : 'latchCreate' },
    DELETE_IO_QUEUE: { guard: 'canDeleteQueue', actions: fetching ? 'deleteNow' : 'latchDelete' },
    SUBMIT_IO: { guard: 'canSubmitIo', actions: fetching ? 'submitFetched' : 'submitLatched' },
  } as const;
}

export function tpLifecycleConfig(o: TpLifecycleOptions): TpLifecycleConfig {
  const setWhileActive = { guard: 'hostSetsState', actions: NOT_SUSPENDED_SET } as const;
  // a part where only a whole state is taken is a field of the command itself,
  // refused before its target's state is looked at (D26; the order of checks
  // is the acceptance machine's: fields, target, the target's state)
  const partWhileActive = o.seqind === 'whole-only' ? ({ guard: 'hostSetsState', actions: INVALID_SET } as const) : setWhileActive;
  const vmm = o.stateFormat === 'format0' ? { VMM_ENABLE: { guard: 'mayVmmEnable', actions: 'vmmEnable' } } : {};
  return {
    id: TP_LIFECYCLE_MACHINE_ID,
    initial: 'active',
    context: initialTpContext,
    states: {
      active: {
        on: {
          SUSPEND: [
            { guard: 'nothingToDrain', target: 'suspended', actions: 'suspendNow' },
            { target: 'suspending', actions: 'startDrain' },
          ],
          SUSPEND_NOTICE: { actions: NOTICE },
          RESUME: { guard: 'hostResumes', actions: NOT_SUSPENDED_RESUME },
          GET_STATE: { actions: 'getActive' },
          SET_STATE: setWhileActive,
          SET_STATE_FIRST: partWhileActive,
          SET_STATE_MIDDLE: partWhileActive,
          SET_STATE_LAST: partWhileActive,
          SET_STATE_CORRUPT: setWhileActive,
          ...vmm,
          FLR: { actions: 'reset' },
          ENABLE: { guard: 'mayEnable', actions: 'enable' },
          DISABLE: { guard: 'mayDisable', actions: 'reset' },
          ...guest(true),
          IO_COMPLETE: { guard: 'hasOutstanding', actions: 'completeIo' },
        },
      },
      suspending: {
        on: {
          GET_STATE: { actions: 'getActive' },
          IO_COMPLETE: [
            { guard: 'lastOutstanding', target: 'suspended', actions: 'finishDrain' },
            { guard: 'hasOutstanding', actions: 'completeIo' },
          ],
          // a draining VF has fetched I/O, so a guest that deletes only idle queues deletes none
          CREATE_IO_QUEUE: { guard: 'canCreateQueue', actions: 'latchCreate' },
          SUBMIT_IO: { guard: 'canSubmitIo', actions: 'submitLatched' },
          FLR: { target: 'active', actions: 'resetDraining' },
          DISABLE: { guard: 'mayDisable', target: 'active', actions: 'resetDraining' },
        },
      },
      suspended: {
        on: {
          SUSPEND: { actions: NOTICE },
          SUSPEND_NOTICE: { actions: NOTICE },
          RESUME: { guard: 'hostResumes', target: 'active', actions: 'resume' },
          GET_STATE: { actions: 'getSuspended' },
          ...setStateSuspended(o),
          MIGRATE: { guard: 'mayMigrate', target: 'active', actions: 'migrate' },
          FLR: { target: 'active', actions: 'reset' },
          DISABLE: { guard: 'mayDisable', target: 'active', actions: 'reset' },
          ...guest(false),
        },
      },
    },
  } as TpLifecycleConfig;
}
