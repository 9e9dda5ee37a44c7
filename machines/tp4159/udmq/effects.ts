// What each step does to the UDMQ, as pure functions of the context. The
// controller's flow control (D31): a controller data queue is full, as every
// NVMe queue, when its head is one more than its tail, so one slot always
// stays empty and an N-entry queue holds N-1 entries. Every entry but ESA 7
// needs two free slots; when an entry is due and one slot is left, ESA 7
// goes there and logging stops. So the queue never takes an entry into a
// slot the host has not released, and every log ends with exactly one entry
// (ESA 2, 3 or 7).
import { tpCompletion, type TpDecision, type TpStatusName } from '../status.ts';
import type { EntryKind, OneShotReport, Phase, UdmqContext, UdmqEventType, UdmqObservation, UdmqOptions } from './types.ts';

type Ctx = Omit<UdmqContext, 'last'>;

const QUIET: Omit<UdmqObservation, 'event'> = { completion: 'none', posted: [], changeCompleted: false, read: null, reported: [] };

/** Written as literals: on Node 20's V8 a spread that adds fields (`{ ...next, last }`) costs microseconds, at every transition explored. */
function step(next: Ctx, event: UdmqEventType, seen: Partial<UdmqObservation>): UdmqContext {
  const last: UdmqObservation = { completion: QUIET.completion, posted: QUIET.posted, changeCompleted: QUIET.changeCompleted, read: QUIET.read, reported: QUIET.reported, event };
  Object.assign(last, seen);
  const n = next;
  return {
    cdq: n.cdq,
    slots: n.slots,
    tail: n.tail,
    ctrlPhase: n.ctrlPhase,
    head: n.head,
    hostPhase: n.hostPhase,
    used: n.used,
    logging: n.logging,
    suspended: n.suspended,
    etpt: n.etpt,
    tpt: n.tpt,
    aers: n.aers,
    queued: n.queued,
    last,
  };
}

function state(c: UdmqContext): Ctx {
  const { last: _last, ...rest } = c;
  return rest;
}

const freshSlots = (o: UdmqOptions): Phase[] => Array.from({ length: o.entries }, (): Phase => 0);

/** No queue: the ring as a new one would start (so deleted queues merge into one state). */
function noQueue(o: UdmqOptions): Pick<Ctx, 'cdq' | 'slots' | 'tail' | 'ctrlPhase' | 'head' | 'hostPhase' | 'used' | 'logging' | 'etpt' | 'tpt'> {
  return { cdq: false, slots: freshSlots(o), tail: 0, ctrlPhase: 1, head: 0, hostPhase: 1, used: 0, logging: false, etpt: false, tpt: 0 };
}

export function initialUdmqContext(o: UdmqOptions): UdmqContext {
  return { ...noQueue(o), suspended: false, aers: 0, queued: [], last: { ...QUIET, event: 'init' } };
}

const flip = (p: Phase): Phase => (p === 0 ? 1 : 0);

/** Slots the controller may still write: the one kept empty (NVMe Full Queue) is not among them. */
export const free = (c: Pick<Ctx, 'used' | 'slots'>): number => c.slots.length - 1 - c.used;

/**
 * Report raised events to outstanding AERs, oldest first; the rest wait (D33:
 * never masked, each occurrence reported), in the order raised.
 */
function deliver(c: Ctx, raised: OneShotReport[]): { next: Ctx; reported: OneShotReport[] } {
  const queued = [...c.queued, ...raised];
  const n = Math.min(c.aers, queued.length);
  return { next: { ...c, queued: queued.slice(n), aers: c.aers - n }, reported: queued.slice(0, n) };
}

/**
 * Write one entry at the tail (the caller checked there is room). An entry
 * that reaches the trigger and fills the queue raises both events at once:
 * D33 does not order them, so they are 'either' and 'other'.
 */
function write(c: Ctx, kind: EntryKind): { next: Ctx; raised: OneShotReport[] } {
  const slots = c.slots.map((p, i): Phase => (i === c.tail ? c.ctrlPhase : p));
  const wrapped = c.tail + 1 === c.slots.length;
  const tail = wrapped ? 0 : c.tail + 1;
  const ctrlPhase: Phase = wrapped ? flip(c.ctrlPhase) : c.ctrlPhase;
  const tailEvent = c.etpt && tail === c.tpt;
  const fullEvent = c.etpt && kind === 'full';
  const raised: OneShotReport[] = tailEvent && fullEvent ? ['either', 'other'] : tailEvent ? ['tail'] : fullEvent ? ['full'] : [];
  return { next: { ...c, slots, tail, ctrlPhase, used: c.used + 1 }, raised };
}

/** Post an entry under D31's flow control: ESA 7 instead when only one slot is left (logging stops). */
export function post(c: Ctx, kind: EntryKind, logging: boolean): { next: Ctx; posted: EntryKind[]; raised: OneShotReport[] } {
  const actual: EntryKind = free(c) >= 2 ? kind : 'full';
  const { next, raised } = write(c, actual);
  return { next: { ...next, logging: actual === 'full' ? false : logging }, posted: [actual], raised };
}

function finish(c: Ctx, event: UdmqEventType, posted: EntryKind[], raised: OneShotReport[], seen: Partial<UdmqObservation>): UdmqContext {
  const { next, reported } = deliver(c, raised);
  return step(next, event, { posted, reported, ...seen });
}

export function reply(c: UdmqContext, event: UdmqEventType, status: TpStatusName, decision: TpDecision): UdmqContext {
  return step(state(c), event, { completion: tpCompletion(status, decision) });
}

export function createCdq(c: UdmqContext, event: UdmqEventType, o: UdmqOptions): UdmqContext {
  return step({ ...state(c), ...noQueue(o), cdq: true }, event, { completion: tpCompletion('SUCCESS', 'D28') });
}

export function deleteCdq(c: UdmqContext, event: UdmqEventType, o: UdmqOptions): UdmqContext {
  return step({ ...state(c), ...noQueue(o) }, event, { completion: tpCompletion('SUCCESS', 'D28') });
}

/** LACT 1 (D29): ESA 1 and logging on; with fewer than two free slots the queue is full (1/3Bh), nothing posted. */
export function trackStart(c: UdmqContext, event: UdmqEventType): UdmqContext {
  if (free(c) < 2) return reply(c, event, 'CDQ_FULL', 'D31');
  const { next, posted, raised } = post(state(c), 'first', true);
  return finish(next, event, posted, raised, { completion: tpCompletion('SUCCESS', 'D29') });
}

/** LACT 0 (D29): the log's last entry, ESA 2, and logging off. */
export function trackStop(c: UdmqContext, event: UdmqEventType): UdmqContext {
  const { next, posted, raised } = post(state(c), 'stopped', false);
  return finish(next, event, posted, raised, { completion: tpCompletion('SUCCESS', 'D29') });
}

/** A change completes; while logging, its range is posted before its completion (D30, D31). */
export function change(c: UdmqContext, event: UdmqEventType): UdmqContext {
  if (!c.logging) return step(state(c), event, { changeCompleted: true });
  const { next, posted, raised } = post(state(c), 'range', true);
  return finish(next, event, posted, raised, { changeCompleted: true });
}

export function read(c: UdmqContext, event: UdmqEventType): UdmqContext {
  return step(state(c), event, {});
}

/** The host reads the entry at its head and releases its slot (Set Features 21h HP). */
export function hostRelease(c: UdmqContext, event: UdmqEventType): UdmqContext {
  const wrapped = c.head + 1 === c.slots.length;
  const next: Ctx = { ...state(c), head: wrapped ? 0 : c.head + 1, hostPhase: wrapped ? flip(c.hostPhase) : c.hostPhase, used: c.used - 1 };
  return step(next, event, { completion: tpCompletion('SUCCESS', 'D31'), read: c.slots[c.head] });
}

export function setTrigger(c: UdmqContext, event: UdmqEventType): UdmqContext {
  const tpt = (c.tail + 1) % c.slots.length;
  return step({ ...state(c), etpt: true, tpt }, event, { completion: tpCompletion('SUCCESS', 'D33') });
}

export function submitAer(c: UdmqContext, event: UdmqEventType): UdmqContext {
  const { next, reported } = deliver({ ...state(c), aers: c.aers + 1 }, []);
  return step(next, event, { reported });
}

/** Suspend (D32): ESA 3 after every logged change; with DUDMQ the queue is then deleted. */
export function suspend(c: UdmqContext, event: UdmqEventType, o: UdmqOptions, deleteQueue: boolean): UdmqContext {
  const base: Ctx = { ...state(c), suspended: true };
  const logged = c.logging ? post(base, 'suspended', true) : { next: base, posted: [] as EntryKind[], raised: [] as OneShotReport[] };
  const next = deleteQueue ? { ...logged.next, ...noQueue(o) } : logged.next;
  return finish(next, event, logged.posted, logged.raised, { completion: tpCompletion('SUCCESS', 'D32') });
}

/** Resume with logging still on posts ESA 1 (D32). */
export function resume(c: UdmqContext, event: UdmqEventType): UdmqContext {
  const base: Ctx = { ...state(c), suspended: false };
  const logged = c.logging ? post(base, 'first', true) : { next: base, posted: [] as EntryKind[], raised: [] as OneShotReport[] };
  return finish(logged.next, event, logged.posted, logged.raised, { completion: tpCompletion('SUCCESS', 'D23') });
}

/** FLR or CC.EN 1->0 (D34): logging stops (nothing posted), the suspension clears; the queue is the PF's and stays. */
export function vfReset(c: UdmqContext, event: UdmqEventType): UdmqContext {
  return step({ ...state(c), logging: false, suspended: false }, event, {});
}

/** A PF reset (D34): every CDQ deleted, the controller reset, the PF's outstanding AERs and pending events gone. */
export function pfReset(c: UdmqContext, event: UdmqEventType, o: UdmqOptions): UdmqContext {
  return step({ ...noQueue(o), suspended: false, aers: 0, queued: [] }, event, {});
}
