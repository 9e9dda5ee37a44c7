// The tp4159 lifecycle specification's vocabulary: options, the event
// alphabet, the context (the migratable controller and what its guest sees)
// and the observation a tester must see after each event.
import type { TpCompletion } from '../status.ts';

/**
 * What Get/Set Controller State carry (D25). `format0`: the NVMe state alone
 * (I/O queues with heads, tails, sizes, attributes): no admin queue, no
 * controller registers. `vendor`: format 0 plus the project's vendor-specific
 * section (CSUUIDI != 0, sized by VSS) carrying CC, AQA, ASQ, ACQ and the
 * admin SQ head/tail and CQ head/phase.
 */
export type StateFormat = 'format0' | 'vendor';

/** D26: a controller that accumulates SEQIND 1/0/2 parts, or one that takes only SEQIND 3. */
type SeqindSupport = 'parts' | 'whole-only';

export interface TpLifecycleOptions {
  stateFormat: StateFormat;
  seqind: SeqindSupport;
  /** bound on I/O queue pairs the guest creates */
  maxIoQueues: number;
  /** bound on I/O the guest keeps submitted and not completed */
  maxOutstanding: number;
}

/** Suspension (D22): `suspending` is Suspend's drain, between the command and its completion. */
export type TpLmState = 'active' | 'suspending' | 'suspended';
export const TP_LM_STATES: readonly TpLmState[] = ['active', 'suspending', 'suspended'];

/** The guest's one admin command at a time: create or delete an I/O queue pair. */
export type AdminOp = 'none' | 'create' | 'delete';

/**
 * The host's migration of this guest: `saved` = Get State taken while
 * suspended (the VM is stopped); `moved` = the VM continues on a fresh VF of
 * the destination, whose state is not set yet; `loaded` = Set State applied.
 * RESUME ends it (`none`), as does any reset (D34: VFIO state RUNNING).
 */
export type Migration = 'none' | 'saved' | 'moved' | 'loaded';

/** Set Controller State parts accumulated (D26): after a first (SEQIND 1), after a middle (SEQIND 0). */
type Parts = 'none' | 'first' | 'middle';

/** The admin queue holds 2 entries (the least NVMe allows); positions count mod 2 x 2 (slot and phase). */
const ADMIN_QUEUE_ENTRIES = 2;
export const ADMIN_POSITIONS = 2 * ADMIN_QUEUE_ENTRIES;

// ---------------------------------------------------------------------------
// Events. None carries a payload.

/** What the migration management controller (the PF) sends for this VF, with valid fields. */
export const TP_HOST_EVENT_TYPES = [
  /** Migration Send SEL 0 STYPE 1 */
  'SUSPEND',
  /** Migration Send SEL 0 STYPE 0: a notice, success, no change (D22) */
  'SUSPEND_NOTICE',
  /** Migration Send SEL 1 */
  'RESUME',
  /** Migration Receive SEL 0 (CSVI 1, and the vendor section with profile option vendor) */
  'GET_STATE',
  /** Set Controller State SEQIND 3 with the state the host holds */
  'SET_STATE',
  /** Set Controller State of the held state in parts: SEQIND 1, 0, 2 */
  'SET_STATE_FIRST',
  'SET_STATE_MIDDLE',
  'SET_STATE_LAST',
  /** Set Controller State SEQIND 3 with data failing a D26 check */
  'SET_STATE_CORRUPT',
  /** the VM continues on a fresh VF of the destination PF (the hand-over; see machine.ts) */
  'MIGRATE',
  /** format0 only: the VMM re-creates the admin queue from the registers it recorded (AQA, ASQ, ACQ, CC.EN 0->1) */
  'VMM_ENABLE',
  /** a function-level reset of the VF (D34) */
  'FLR',
] as const;

/** What a well-behaved guest driver does, through the VF's BAR0 and queues. */
export const TP_GUEST_EVENT_TYPES = ['ENABLE', 'DISABLE', 'CREATE_IO_QUEUE', 'DELETE_IO_QUEUE', 'SUBMIT_IO'] as const;

/** The device completes the oldest fetched I/O. */
export const TP_DEVICE_EVENT_TYPES = ['IO_COMPLETE'] as const;

type TpHostEventType = (typeof TP_HOST_EVENT_TYPES)[number];
export type TpLifecycleEventType = TpHostEventType | (typeof TP_GUEST_EVENT_TYPES)[number] | 'IO_COMPLETE';
export type TpLifecycleEvent = { type: TpLifecycleEventType };

export const SET_STATE_EVENT_TYPES: readonly TpLifecycleEventType[] = [
  'SET_STATE',
  'SET_STATE_FIRST',
  'SET_STATE_MIDDLE',
  'SET_STATE_LAST',
  'SET_STATE_CORRUPT',
];

// ---------------------------------------------------------------------------
// Context.

/** What Get Controller State returns, in the model's terms (the bytes are a function of it). */
export interface TpState {
  /** I/O SQ/CQ pairs in the NVMe state (NIOSQ = NIOCQ) */
  ioQueues: number;
  /** SQ entries between a saved head and tail: written, doorbell rung, not fetched (D25) */
  latched: number;
  /** the vendor section (stateFormat vendor), else null: format 0 carries no admin queue */
  vendor: { enabled: boolean; adminPos: number; adminLatched: boolean } | null;
}

/** The state the host holds, plus what its VMM recorded of the guest's registers (not part of the state). */
export interface TpImage extends TpState {
  vmmEnabled: boolean;
}

export interface TpLifecycleContext {
  // the migratable controller
  /** CC.EN, and CSTS.RDY with it */
  enabled: boolean;
  ioQueues: number;
  /** I/O fetched and not completed */
  outstanding: number;
  /** I/O SQ tails written while the controller does not fetch (D22: latched, never lost) */
  latched: number;
  /** the admin SQ tail written while the controller does not fetch */
  adminLatched: boolean;
  /** the controller's admin SQ head / CQ tail and phase, as one position mod ADMIN_POSITIONS */
  ctrlAdminPos: number;
  parts: Parts;
  // the guest (its memory travels with the VM)
  /** where the guest writes its next admin command and expects its completion */
  guestAdminPos: number;
  /** the admin command the guest waits for (submitted, completion not seen) */
  guestAdmin: AdminOp;
  /** I/O the guest submitted and has not seen completed */
  guestIo: number;
  // the host
  mig: Migration;
  image: TpImage | null;
  last: TpObservation;
}

export interface TpObservation {
  event: TpLifecycleEventType | 'init';
  /** the completion of the event's own command; 'none' when it gets none in this step */
  completion: TpCompletion | 'none';
  /** a Suspend pending since an earlier step completes now, at the end of its drain (D22) */
  suspendCompleted: TpCompletion | 'none';
  /** Get State: CQE DW0 CSUP (D24) and the state returned; else null */
  csup: boolean | null;
  got: TpState | null;
  /** latched I/O fetched in this step (RESUME, D23) */
  ioFetched: number;
  ioCompleted: number;
  /** the guest's admin command completed where the guest looks for it, in this step */
  adminCompleted: AdminOp;
  /** guest work discarded by a reset in this step (D34) */
  ioDropped: number;
  adminDropped: AdminOp;
}
