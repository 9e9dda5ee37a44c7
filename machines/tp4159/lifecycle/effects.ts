// What each step does to the migratable controller and its guest, as pure
// functions of the context; the machine's named actions wrap these. Every
// function returns the whole next context, `last` included.
import { tpCompletion, type TpCompletion, type TpDecision, type TpStatusName } from '../status.ts';
import {
  ADMIN_POSITIONS,
  type AdminOp,
  type StateFormat,
  type TpImage,
  type TpLifecycleContext,
  type TpLifecycleEventType,
  type TpObservation,
  type TpState,
} from './types.ts';

type Ctx = Omit<TpLifecycleContext, 'last'>;

const QUIET: Omit<TpObservation, 'event'> = {
  completion: 'none',
  suspendCompleted: 'none',
  csup: null,
  got: null,
  ioFetched: 0,
  ioCompleted: 0,
  adminCompleted: 'none',
  ioDropped: 0,
  adminDropped: 'none',
};

function step(next: Ctx, event: TpLifecycleEventType, seen: Partial<TpObservation>): TpLifecycleContext {
  return { ...next, last: { ...QUIET, event, ...seen } };
}

function state(c: TpLifecycleContext): Ctx {
  const { last: _last, ...rest } = c;
  return rest;
}

/** The controller at power-on: what a reset leaves, and a fresh destination VF. */
const CONTROLLER_POWER_ON = {
  enabled: false,
  ioQueues: 0,
  outstanding: 0,
  latched: 0,
  adminLatched: false,
  ctrlAdminPos: 0,
  parts: 'none',
} as const satisfies Partial<Ctx>;

const POWER_ON: Ctx = { ...CONTROLLER_POWER_ON, guestAdminPos: 0, guestAdmin: 'none', guestIo: 0, mig: 'none', image: null };

export function initialTpContext(): TpLifecycleContext {
  return { ...POWER_ON, last: { ...QUIET, event: 'init' } };
}

const ok = (decision: TpDecision): TpCompletion => tpCompletion('SUCCESS', decision);
const nextPos = (p: number): number => (p + 1) % ADMIN_POSITIONS;

/** A command answered at once that changes nothing (a notice, a repeated Suspend, a rejection). */
export function reply(c: TpLifecycleContext, event: TpLifecycleEventType, status: TpStatusName, decision: TpDecision): TpLifecycleContext {
  return step(state(c), event, { completion: tpCompletion(status, decision) });
}

/** A Set Controller State rejection: nothing of the VF changes, and accumulated parts are discarded (D26). */
export function rejectSetState(c: TpLifecycleContext, event: TpLifecycleEventType, status: TpStatusName): TpLifecycleContext {
  return step({ ...state(c), parts: 'none' }, event, { completion: tpCompletion(status, 'D26') });
}

/** What Get Controller State returns now (D24, D25). */
export function captureState(c: Ctx, format: StateFormat): TpState {
  return {
    ioQueues: c.ioQueues,
    latched: c.latched,
    vendor: format === 'vendor' ? { enabled: c.enabled, adminPos: c.ctrlAdminPos, adminLatched: c.adminLatched } : null,
  };
}

export function sameState(a: TpState | null, b: TpState | null): boolean {
  if (a === null || b === null) return a === b;
  const v = (s: TpState): string => (s.vendor === null ? '-' : `${s.vendor.enabled}.${s.vendor.adminPos}.${s.vendor.adminLatched}`);
  return a.ioQueues === b.ioQueues && a.latched === b.latched && v(a) === v(b);
}

/**
 * Get Controller State, allowed in any state (D24): CSUP says whether the VF
 * is suspended. The host keeps a state taken while suspended (and stops the
 * VM: stop-copy); one taken while not suspended it reads and drops.
 */
export function getState(c: TpLifecycleContext, event: TpLifecycleEventType, format: StateFormat, suspended: boolean): TpLifecycleContext {
  const got = captureState(c, format);
  const keep = suspended && c.mig === 'none';
  const image: TpImage | null = keep ? { ...got, vmmEnabled: c.enabled } : c.image;
  return step({ ...state(c), image, mig: keep ? 'saved' : c.mig }, event, { completion: ok('D24'), csup: suspended, got });
}

/** Set State applies every field of the held state at once (D26: all or nothing); format 0 leaves the admin queue as it is. */
export function applyState(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  const img = c.image;
  if (img === null) throw new Error('Set State without a held state: the machine must guard it with hostHoldsImage');
  const admin = img.vendor === null ? {} : { enabled: img.vendor.enabled, ctrlAdminPos: img.vendor.adminPos, adminLatched: img.vendor.adminLatched };
  const next: Ctx = { ...state(c), ioQueues: img.ioQueues, latched: img.latched, outstanding: 0, parts: 'none', mig: 'loaded', ...admin };
  return step(next, event, { completion: ok('D26') });
}

/** A first or middle part accepted and kept for the last (D26). */
export function acceptPart(c: TpLifecycleContext, event: TpLifecycleEventType, parts: 'first' | 'middle'): TpLifecycleContext {
  return step({ ...state(c), parts }, event, { completion: ok('D26') });
}

/** Suspend with nothing fetched in flight: suspended at once (D22). */
export function suspendNow(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step(state(c), event, { completion: ok('D22') });
}

/** Suspend that must drain: no completion until the last fetched command completes (D22). */
export function startDrain(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step(state(c), event, {});
}

/** One fetched I/O completes (suspending or not: fetched commands complete, D22). */
export function completeIo(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step({ ...state(c), outstanding: c.outstanding - 1, guestIo: c.guestIo - 1 }, event, { ioCompleted: 1 });
}

/** The last fetched I/O of a drain completes; then Suspend completes (D22). */
export function finishDrain(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  const done = completeIo(c, event);
  return { ...done, last: { ...done.last, suspendCompleted: ok('D22') } };
}

/** The guest's admin command against a fetching controller: completed where the guest looks only if both agree on the position. */
function fetchAdmin(c: Ctx, op: Exclude<AdminOp, 'none'>): { next: Ctx; completed: AdminOp } {
  if (c.ctrlAdminPos !== c.guestAdminPos) {
    // the controller's head is elsewhere: it fetches a stale slot or nothing,
    // and posts at its own CQ slot and phase; the guest never sees its completion (D25)
    return { next: { ...c, guestAdmin: op, adminLatched: false }, completed: 'none' };
  }
  const ioQueues = c.ioQueues + (op === 'create' ? 1 : -1);
  const pos = nextPos(c.ctrlAdminPos);
  return { next: { ...c, ioQueues, ctrlAdminPos: pos, guestAdminPos: pos, guestAdmin: 'none', adminLatched: false }, completed: op };
}

/** Resume (D23): active again, and every SQ whose tail differs from its head is fetched, the admin SQ included, with no doorbell write. */
export function resume(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  const base: Ctx = { ...state(c), outstanding: c.outstanding + c.latched, latched: 0, parts: 'none', mig: 'none', image: null };
  const admin = c.adminLatched && c.guestAdmin !== 'none' ? fetchAdmin(base, c.guestAdmin) : { next: base, completed: 'none' as AdminOp };
  return step(admin.next, event, { completion: ok('D23'), ioFetched: c.latched, adminCompleted: admin.completed });
}

/** FLR or CC.EN 1->0 (D34): the controller at power-on, the guest's work dropped, the migration abandoned. A pending Suspend ends with its drain. */
export function reset(c: TpLifecycleContext, event: TpLifecycleEventType, draining: boolean): TpLifecycleContext {
  return step(POWER_ON, event, {
    ioDropped: c.guestIo,
    adminDropped: c.guestAdmin,
    // D34: the reset ends the suspension before the drain did; the Suspend
    // completes (L5), but not with success: the VF is running again
    suspendCompleted: draining ? tpCompletion('SEQUENCE_ERROR', 'D34') : 'none',
  });
}

/** The VM continues on a fresh VF of the destination: the controller is at power-on; the guest and the host's state travel. */
export function migrate(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step({ ...state(c), ...CONTROLLER_POWER_ON, mig: 'moved' }, event, {});
}

/** CC.EN 0->1 by the guest: a fresh admin queue at slot 0 on both sides. */
export function enable(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step({ ...state(c), enabled: true, ctrlAdminPos: 0, guestAdminPos: 0 }, event, {});
}

/** format0: the VMM writes the recorded AQA/ASQ/ACQ and CC.EN 0->1: the controller's admin queue restarts at slot 0; the guest's does not. */
export function vmmEnable(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step({ ...state(c), enabled: true, ctrlAdminPos: 0 }, event, {});
}

export function adminNow(c: TpLifecycleContext, event: TpLifecycleEventType, op: Exclude<AdminOp, 'none'>): TpLifecycleContext {
  const { next, completed } = fetchAdmin(state(c), op);
  return step(next, event, completed === 'none' ? {} : { completion: ok('NVMe'), adminCompleted: completed });
}

/** The admin SQ tail written while the controller does not fetch: latched (D22). */
export function latchAdmin(c: TpLifecycleContext, event: TpLifecycleEventType, op: Exclude<AdminOp, 'none'>): TpLifecycleContext {
  return step({ ...state(c), adminLatched: true, guestAdmin: op }, event, {});
}

export function submitFetched(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step({ ...state(c), outstanding: c.outstanding + 1, guestIo: c.guestIo + 1 }, event, {});
}

export function submitLatched(c: TpLifecycleContext, event: TpLifecycleEventType): TpLifecycleContext {
  return step({ ...state(c), latched: c.latched + 1, guestIo: c.guestIo + 1 }, event, {});
}
