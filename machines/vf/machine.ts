// The VF lifecycle machine: one VF of an LM-capable PF, as the host (through
// the PF) and the guest (through the VF's own BAR0 and queues) see it.
//
// State value = the LM state (D5). Context = what the guest and the host can
// observe of the VF (effects.ts has every rule). The config is built for one
// set of options, so every edge it contains is reachable under them: the
// `saving` state and IO_COMPLETE exist only with ioCompletion 'deferred'.
//
// The alphabet is what a well-behaved guest and host do, plus the hostile
// VF-queue LM opcodes. An event that selects no edge is "not enabled" in that
// state (the checker treats it as no transition), which is how the model
// says what the environment never does:
// - the guest acts (ENABLE, DISABLE, queue pairs, I/O) only in running and
//   suspended: from SAVE until RESUME the VM is stopped for stop-copy;
//   CC.EN 0->1 only while running (the spec has no decision for enabling a
//   suspended VF);
// - the guest keeps one admin pair at a time, deletes only idle queues,
//   submits only to existing queues and at most maxOutstanding at once;
// - the VF-queue LM opcodes are modelled where the VF fetches them at once
//   (running, controller enabled); while it does not fetch they would be
//   latched like any admin command and rejected after RESUME the same way;
// - the host sends nothing else for this VF while a SAVE drains (`saving`
//   takes only IO_COMPLETE), and LOADs only the image of the last SAVE, and
//   only over a VF that holds no guest work of its own (a fresh destination,
//   or the drained source the image came from);
// - LOAD over a VF is a hand-over: the VM continues from the image.
import { assign, setup } from 'xstate';
import {
  changeQueues,
  completeIo,
  enable,
  finishSave,
  initialVfContext,
  latchAdmin,
  load,
  noCompletion,
  powerOn,
  query,
  reply,
  resume,
  save,
  submitCompleted,
  submitFetched,
  submitLatched,
} from './effects.ts';
import { inFlight } from './snapshot.ts';
import type { VfDecision, VfStatusName } from './status.ts';
import type { VfContext, VfEvent, VfLifecycleOptions } from './types.ts';

export const VF_MACHINE_ID = 'vfLifecycle';

type ReplyParams = { status: VfStatusName; decision: VfDecision };


export function vfSetup(o: VfLifecycleOptions) {
  return setup({
    types: { context: {} as VfContext, events: {} as VfEvent },
    guards: {
      controllerEnabled: ({ context }) => context.enabled,
      controllerDisabled: ({ context }) => !context.enabled,
      canCreateQueue: ({ context }) => context.enabled && context.adminLatched === 'none' && context.ioQueues < o.maxIoQueues,
      canDeleteQueue: ({ context }) =>
        context.enabled && context.adminLatched === 'none' && context.ioQueues > 0 && inFlight(context) === 0,
      canSubmitIo: ({ context }) =>
        context.enabled && context.ioQueues > 0 && context.adminLatched !== 'delete' && inFlight(context) < o.maxOutstanding,
      hasOutstanding: ({ context }) => context.outstanding > 0,
      lastOutstanding: ({ context }) => context.outstanding === 1,
      nothingToDrain: ({ context }) => context.outstanding === 0,
      hostHoldsImage: ({ context }) => context.image !== null,
      /** the host LOADs only over a VF without guest work of its own (see the header) */
      mayLoadOver: ({ context }) => context.image !== null && inFlight(context) === 0 && context.adminLatched === 'none',
    },
    actions: {
      reply: assign(({ context, event }, p: ReplyParams) => reply(context, event.type, p.status, p.decision)),
      rejectVfQueueLm: assign(({ context, event }) => reply(context, event.type, 'INVALID_OPCODE', 'D1')),
      unknownOpcode: assign(({ context, event }) => reply(context, event.type, 'INVALID_OPCODE', 'D17')),
      dropVfQueueLm: assign(({ context, event }) => noCompletion(context, event.type)),
      query: assign(({ context, event }) => query(context, event.type)),
      save: assign(({ context, event }) => save(context, event.type)),
      startSave: assign(({ context, event }) => noCompletion(context, event.type)),
      drainOne: assign(({ context, event }) => completeIo(context, event.type)),
      finishSave: assign(({ context, event }) => finishSave(context, event.type)),
      load: assign(({ context, event }) => load(context, event.type)),
      resume: assign(({ context, event }) => resume(context, event.type, o.ioCompletion)),
      powerOn: assign(({ context, event }) => powerOn(context, event.type)),
      enable: assign(({ context, event }) => enable(context, event.type)),
      createQueue: assign(({ context, event }) => changeQueues(context, event.type, 1)),
      deleteQueue: assign(({ context, event }) => changeQueues(context, event.type, -1)),
      latchCreate: assign(({ context, event }) => latchAdmin(context, event.type, 'create')),
      latchDelete: assign(({ context, event }) => latchAdmin(context, event.type, 'delete')),
      submitCompleted: assign(({ context, event }) => submitCompleted(context, event.type)),
      submitFetched: assign(({ context, event }) => submitFetched(context, event.type)),
      submitLatched: assign(({ context, event }) => submitLatched(context, event.type)),
      completeIo: assign(({ context, event }) => completeIo(context, event.type)),
    },
  });
}

export type VfSetup = ReturnType<typeof vfSetup>;
export type VfConfig = Parameters<VfSetup['createMachine']>[0];

const SUCCESS_D5 = { type: 'reply', params: { status: 'SUCCESS', decision: 'D5' } } as const;
const SEQUENCE_D5 = { type: 'reply', params: { status: 'SEQUENCE_ERROR', decision: 'D5' } } as const;
const CORRUPT_D7 = { type: 'reply', params: { status: 'INVALID_FIELD', decision: 'D7' } } as const;
const UNMAPPED_D7 = { type: 'reply', params: { status: 'DATA_TRANSFER_ERROR', decision: 'D7' } } as const;

/** The machine config for one set of options. */
export function vfConfig(o: VfLifecycleOptions): VfConfig {
  return o.lm ? lmConfig(o) : noLmConfig(o);
}

/** The guest's own events in running (every profile alike). */
function guestInRunning(o: VfLifecycleOptions) {
  const deferred = o.ioCompletion === 'deferred';
  const ioComplete = deferred ? ({ IO_COMPLETE: { guard: 'hasOutstanding', actions: 'completeIo' } } as const) : {};
  return {
    ENABLE: { guard: 'controllerDisabled', actions: 'enable' },
    DISABLE: { guard: 'controllerEnabled', actions: 'powerOn' },
    CREATE_IO_QUEUE: { guard: 'canCreateQueue', actions: 'createQueue' },
    DELETE_IO_QUEUE: { guard: 'canDeleteQueue', actions: 'deleteQueue' },
    SUBMIT_IO: { guard: 'canSubmitIo', actions: deferred ? 'submitFetched' : 'submitCompleted' },
    ...ioComplete,
    FLR: { actions: 'powerOn' },
  } as const;
}

/**
 * D17, profile no-lm: the five opcodes are unknown on the PF and on the VF's
 * own queue (whatever vfQueuePolicy: it is an LM device's option), Invalid
 * Command Opcode, DNR, no change; the VF never leaves running. LM_LOAD needs
 * the image of a SAVE, and no SAVE succeeds, so it has no edge.
 */
function noLmConfig(o: VfLifecycleOptions): VfConfig {
  const unknown = { actions: 'unknownOpcode' } as const;
  const vfUnknown = { guard: 'controllerEnabled', actions: 'unknownOpcode' } as const;
  return {
    id: VF_MACHINE_ID,
    initial: 'running',
    context: initialVfContext,
    states: {
      running: {
        on: {
          LM_QUERY: unknown,
          LM_SUSPEND: unknown,
          LM_RESUME: unknown,
          LM_SAVE: unknown,
          LM_SAVE_UNMAPPED: unknown,
          LM_LOAD_CORRUPT: unknown,
          LM_LOAD_UNMAPPED: unknown,
          VF_LM_QUERY: vfUnknown,
          VF_LM_SUSPEND: vfUnknown,
          VF_LM_RESUME: vfUnknown,
          VF_LM_SAVE: vfUnknown,
          VF_LM_LOAD: vfUnknown,
          ...guestInRunning(o),
        },
      },
    },
  };
}

function lmConfig(o: VfLifecycleOptions): VfConfig {
  const deferred = o.ioCompletion === 'deferred';
  const vfQueueLm = { guard: 'controllerEnabled', actions: o.vfQueuePolicy === 'reject' ? 'rejectVfQueueLm' : 'dropVfQueueLm' } as const;
  const ioComplete = deferred ? { IO_COMPLETE: { guard: 'hasOutstanding', actions: 'completeIo' } } as const : {};

  // Saved and loaded answer every LM command alike (D5), and the guest is stopped in both.
  const stopped = {
    on: {
      LM_QUERY: { actions: 'query' },
      LM_SUSPEND: { actions: SUCCESS_D5 },
      LM_RESUME: { target: 'running', actions: 'resume' },
      LM_SAVE: { target: 'saved', actions: 'save' },
      LM_SAVE_UNMAPPED: { actions: UNMAPPED_D7 },
      LM_LOAD: { guard: 'hostHoldsImage', target: 'loaded', actions: 'load' },
      LM_LOAD_CORRUPT: { actions: CORRUPT_D7 },
      LM_LOAD_UNMAPPED: { actions: UNMAPPED_D7 },
      FLR: { target: 'running', actions: 'powerOn' },
    },
  } as const;

  return {
    id: VF_MACHINE_ID,
    initial: 'running',
    context: initialVfContext,
    states: {
      running: {
        on: {
          LM_QUERY: { actions: 'query' },
          LM_SUSPEND: { target: 'suspended', actions: SUCCESS_D5 },
          LM_RESUME: { actions: SUCCESS_D5 },
          LM_SAVE: { actions: SEQUENCE_D5 },
          LM_SAVE_UNMAPPED: { actions: SEQUENCE_D5 },
          LM_LOAD: { guard: 'hostHoldsImage', actions: SEQUENCE_D5 },
          LM_LOAD_CORRUPT: { actions: SEQUENCE_D5 },
          LM_LOAD_UNMAPPED: { actions: SEQUENCE_D5 },
          VF_LM_QUERY: vfQueueLm,
          VF_LM_SUSPEND: vfQueueLm,
          VF_LM_RESUME: vfQueueLm,
          VF_LM_SAVE: vfQueueLm,
          VF_LM_LOAD: vfQueueLm,
          ...guestInRunning(o),
        },
      },
      suspended: {
        on: {
          LM_QUERY: { actions: 'query' },
          LM_SUSPEND: { actions: SUCCESS_D5 },
          LM_RESUME: { target: 'running', actions: 'resume' },
          LM_SAVE: deferred
            ? [
                { guard: 'nothingToDrain', target: 'saved', actions: 'save' },
                { target: 'saving', actions: 'startSave' },
              ]
            : { target: 'saved', actions: 'save' },
          LM_SAVE_UNMAPPED: { actions: UNMAPPED_D7 },
          LM_LOAD: { guard: 'mayLoadOver', target: 'loaded', actions: 'load' },
          LM_LOAD_CORRUPT: { actions: CORRUPT_D7 },
          LM_LOAD_UNMAPPED: { actions: UNMAPPED_D7 },
          DISABLE: { guard: 'controllerEnabled', target: 'running', actions: 'powerOn' },
          CREATE_IO_QUEUE: { guard: 'canCreateQueue', actions: 'latchCreate' },
          DELETE_IO_QUEUE: { guard: 'canDeleteQueue', actions: 'latchDelete' },
          SUBMIT_IO: { guard: 'canSubmitIo', actions: 'submitLatched' },
          ...ioComplete,
          FLR: { target: 'running', actions: 'powerOn' },
        },
      },
      ...(deferred
        ? {
            saving: {
              on: {
                IO_COMPLETE: [
                  { guard: 'lastOutstanding', target: 'saved', actions: 'finishSave' },
                  { guard: 'hasOutstanding', actions: 'drainOne' },
                ],
              },
            },
          }
        : {}),
      saved: stopped,
      loaded: stopped,
    },
  };
}
