// The user data migration queue's vocabulary (D28-D33): one migratable
// controller, the one UDMQ the PF created for it (CQS = its CNTLID), the
// host consuming entries, and the asynchronous events of the queue.
import type { TpCompletion } from '../status.ts';

export interface UdmqOptions {
  /** the queue's size in entries (CDQSIZE / 32 bytes); it holds one fewer (D31) */
  entries: number;
  /** model the tail-pointer trigger, One-Shot events and AERs (D33) */
  oneShot: boolean;
}

/** An entry's kind by its ESA (D29-D32): 0 a logged range, 1 first, 2 last (stopped), 3 last (suspended), 7 last (full). */
export type EntryKind = 'range' | 'first' | 'stopped' | 'suspended' | 'full';
export const ESA: Record<EntryKind, number> = { range: 0, first: 1, stopped: 2, suspended: 3, full: 7 };
/** Entries that end a log (I10: every logged range comes before one of them). */
export const LOG_ENDS: readonly EntryKind[] = ['stopped', 'suspended', 'full'];

/**
 * A slot as the host sees it before reading: its phase tag (attributes bit
 * 0). The host initialises 0; the controller's first pass writes 1 and
 * inverts on each wrap. What an entry says (its ESA) is in the observation
 * of the step that posts it; the ring keeps only what decides whether the
 * host takes a slot for new.
 */
export type Phase = 0 | 1;

/** One-Shot events (type 4h): info 0 tail reached the trigger, info 1 queue full (D33). */
export type OneShot = 'tail' | 'full';
/**
 * An event as the machine queues and reports it: one of its own, or one of
 * the two a single entry raises when it both reaches the trigger and fills
 * the queue. D33 leaves the order of those two to the controller: 'either'
 * is the one it reports first (tail or full), 'other' the one it did not.
 */
export type OneShotReport = OneShot | 'either' | 'other';

export interface UdmqContext {
  cdq: boolean;
  slots: Phase[];
  /** the controller's next slot and the phase of its current pass */
  tail: number;
  ctrlPhase: 0 | 1;
  /** the host's head (Set Features 21h HP), the phase it expects there, and the entries written and not released */
  head: number;
  hostPhase: 0 | 1;
  used: number;
  logging: boolean;
  suspended: boolean;
  /** Set Features 21h ETPT and TPT */
  etpt: boolean;
  tpt: number;
  /** Asynchronous Event Requests outstanding (the host keeps at most one) */
  aers: number;
  /** One-Shot events raised and not yet reported, in the order raised (every occurrence, D33) */
  queued: OneShotReport[];
  last: UdmqObservation;
}

export const UDMQ_EVENT_TYPES = [
  /** Controller Data Queue Create, QT 0, CQS = this controller (D28) */
  'CREATE_CDQ',
  'DELETE_CDQ',
  /** Track Send SEL 0 LACT 1 / LACT 0 (D29) */
  'TRACK_START',
  'TRACK_STOP',
  /** a command changing user data completes on the migratable controller (D30) */
  'WRITE',
  /** a Read completes: never logged (D30) */
  'READ',
  /** the host reads the entry at its head and releases it: Set Features 21h HP = head + 1 (D31) */
  'HOST_RELEASE',
  /** Set Features 21h with ETPT = 1, TPT = the slot after the next entry (D33) */
  'SET_TRIGGER',
  /** the host submits an Asynchronous Event Request */
  'AER',
  /** Migration Send Suspend, STYPE 1, DUDMQ 0 / 1 (D32) */
  'SUSPEND',
  'SUSPEND_DUDMQ',
  'RESUME',
  /** FLR or CC.EN 1->0 of the migratable controller (D34) */
  'FLR',
  /** a reset of the PF: every CDQ deleted (D34) */
  'PF_RESET',
] as const;
export type UdmqEventType = (typeof UDMQ_EVENT_TYPES)[number];
export type UdmqEvent = { type: UdmqEventType };

export interface UdmqObservation {
  event: UdmqEventType | 'init';
  completion: TpCompletion | 'none';
  /** entries the controller wrote in this step, in order (before the event's own completion) */
  posted: EntryKind[];
  /** a user-data change completed in this step */
  changeCompleted: boolean;
  /** HOST_RELEASE: the phase tag the host found in the slot at its head */
  read: Phase | null;
  /** One-Shot events reported to an AER (completing it) in this step */
  reported: OneShotReport[];
}
