// What each step does to the VF, as pure functions of the context. The
// machine's named actions are thin wrappers around these, so a test can read
// the rule without XState around it. Every function returns the whole next
// context, `last` included.
import { completion, type Completion, type VfDecision, type VfStatusName } from './status.ts';
import type { AdminOp, IoCompletion, VfContext, VfEventType, VfImage, VfObservation } from './types.ts';

const QUIET: Omit<VfObservation, 'event' | 'rdy'> = {
  completion: 'none',
  sizeQueues: null,
  saveCompleted: 'none',
  latched: false,
  ioFetched: 0,
  ioCompleted: 0,
  adminCompleted: 'none',
  ioDropped: 0,
  adminDropped: 'none',
};

/**
 * The context after a step: `next` plus the observation of `event` (fields
 * not given are quiet). Written as literals: on Node 20's V8 the spreads
 * `{ ...next, last }` and `{ ...QUIET, event }` (each adds fields) cost tens
 * of microseconds, at every transition the checker explores.
 */
function step(next: Omit<VfContext, 'last'>, event: VfEventType, seen: Partial<VfObservation>): VfContext {
  const q = QUIET;
  const last: VfObservation = {
    completion: q.completion,
    sizeQueues: q.sizeQueues,
    saveCompleted: q.saveCompleted,
    latched: q.latched,
    ioFetched: q.ioFetched,
    ioCompleted: q.ioCompleted,
    adminCompleted: q.adminCompleted,
    ioDropped: q.ioDropped,
    adminDropped: q.adminDropped,
    event,
    rdy: next.enabled,
  };
  Object.assign(last, seen);
  return { enabled: next.enabled, ioQueues: next.ioQueues, outstanding: next.outstanding, latched: next.latched, adminLatched: next.adminLatched, image: next.image, last };
}

function state(ctx: VfContext): Omit<VfContext, 'last'> {
  return {
    enabled: ctx.enabled,
    ioQueues: ctx.ioQueues,
    outstanding: ctx.outstanding,
    latched: ctx.latched,
    adminLatched: ctx.adminLatched,
    image: ctx.image,
  };
}

const POWER_ON: Omit<VfContext, 'last'> = {
  enabled: false,
  ioQueues: 0,
  outstanding: 0,
  latched: 0,
  adminLatched: 'none',
  image: null,
};

export function initialVfContext(): VfContext {
  return { ...POWER_ON, last: { ...QUIET, event: 'init', rdy: false } };
}

/** A command answered at once that changes nothing but the LM state value (SUSPEND, RESUME in running, every rejection). */
export function reply(ctx: VfContext, event: VfEventType, status: VfStatusName, decision: VfDecision): VfContext {
  return step(state(ctx), event, { completion: completion(status, decision) });
}

/** The command gets no completion in this step and changes nothing: D1 policy drop, or a SAVE that drains first (D12). */
export function noCompletion(ctx: VfContext, event: VfEventType): VfContext {
  return step(state(ctx), event, {});
}

/** QUERY: success; DW0 is a function of the I/O queue count (D8). */
export function query(ctx: VfContext, event: VfEventType): VfContext {
  return step(state(ctx), event, { completion: completion('SUCCESS', 'D8'), sizeQueues: ctx.ioQueues });
}

/** What SAVE captures. Nothing fetched is left: SAVE runs only once outstanding is 0 (D12). */
export function capture(ctx: Omit<VfContext, 'last'>): VfImage {
  return { enabled: ctx.enabled, ioQueues: ctx.ioQueues, latched: ctx.latched, adminLatched: ctx.adminLatched };
}

/** SAVE with nothing left to drain: capture; the VF itself keeps everything (D6: SAVE does not destroy). */
export function save(ctx: VfContext, event: VfEventType): VfContext {
  const image = capture(ctx);
  return step({ ...state(ctx), image }, event, { completion: completion('SUCCESS', 'D12'), sizeQueues: image.ioQueues });
}

/** One fetched I/O completes (D11: fetched commands complete normally, suspended or not). */
export function completeIo(ctx: VfContext, event: VfEventType): VfContext {
  return step({ ...state(ctx), outstanding: ctx.outstanding - 1 }, event, { ioCompleted: 1 });
}

/** The last fetched I/O of a draining SAVE completes; then SAVE captures and completes (D12). */
export function finishSave(ctx: VfContext, event: VfEventType): VfContext {
  const drained = { ...state(ctx), outstanding: ctx.outstanding - 1 };
  const image = capture(drained);
  const saved: Completion = completion('SUCCESS', 'D12');
  return step({ ...drained, image }, event, { ioCompleted: 1, saveCompleted: saved, sizeQueues: image.ioQueues });
}

/** LOAD: every field from the image at once (D7: all or nothing); the image stays with the host. */
export function load(ctx: VfContext, event: VfEventType): VfContext {
  const image = ctx.image;
  if (image === null) throw new Error('LOAD without an image: the machine must guard LM_LOAD with hostHoldsImage');
  const restored = { enabled: image.enabled, ioQueues: image.ioQueues, outstanding: 0, latched: image.latched, adminLatched: image.adminLatched };
  return step({ ...restored, image }, event, { completion: completion('SUCCESS', 'D7') });
}

/**
 * RESUME from a stopped state: fetch what was latched (D11). The admin pair
 * first (a guest submits I/O only to queues that exist, and deletes only idle
 * queues), then the I/O: completed at once, or in flight (deferred).
 */
export function resume(ctx: VfContext, event: VfEventType, mode: IoCompletion): VfContext {
  const ioQueues = ctx.ioQueues + (ctx.adminLatched === 'create' ? 1 : 0) - (ctx.adminLatched === 'delete' ? 1 : 0);
  const fetched = ctx.latched;
  const outstanding = mode === 'deferred' ? ctx.outstanding + fetched : ctx.outstanding;
  return step({ ...state(ctx), ioQueues, outstanding, latched: 0, adminLatched: 'none' }, event, {
    completion: completion('SUCCESS', 'D5'),
    adminCompleted: ctx.adminLatched,
    ioFetched: fetched,
    ioCompleted: mode === 'immediate' ? fetched : 0,
  });
}

/** FLR or CC.EN 1->0: power-on state; fetched and latched work is discarded, the host drops its image (D13). */
export function powerOn(ctx: VfContext, event: VfEventType): VfContext {
  return step(POWER_ON, event, { ioDropped: ctx.outstanding + ctx.latched, adminDropped: ctx.adminLatched });
}

export function enable(ctx: VfContext, event: VfEventType): VfContext {
  return step({ ...state(ctx), enabled: true }, event, {});
}

/** An admin pair fetched at once: one completion for the pair (the binding checks both CQEs succeed). */
export function changeQueues(ctx: VfContext, event: VfEventType, delta: 1 | -1): VfContext {
  return step({ ...state(ctx), ioQueues: ctx.ioQueues + delta }, event, { completion: completion('SUCCESS', 'NVMe') });
}

/** An admin pair written while the VF does not fetch: latched (D11). */
export function latchAdmin(ctx: VfContext, event: VfEventType, op: Exclude<AdminOp, 'none'>): VfContext {
  return step({ ...state(ctx), adminLatched: op }, event, { latched: true });
}

/** I/O submitted to a fetching VF, immediate mode: its completion is posted at once. */
export function submitCompleted(ctx: VfContext, event: VfEventType): VfContext {
  return step(state(ctx), event, { completion: completion('SUCCESS', 'NVMe') });
}

/** I/O submitted to a fetching VF, deferred mode: fetched, in flight. */
export function submitFetched(ctx: VfContext, event: VfEventType): VfContext {
  return step({ ...state(ctx), outstanding: ctx.outstanding + 1 }, event, {});
}

/** I/O submitted while the VF does not fetch: the doorbell is latched (D11). */
export function submitLatched(ctx: VfContext, event: VfEventType): VfContext {
  return step({ ...state(ctx), latched: ctx.latched + 1 }, event, { latched: true });
}
