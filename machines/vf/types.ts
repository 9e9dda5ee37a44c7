// The VF lifecycle specification's vocabulary: options, the event alphabet,
// the context (what the VF holds) and the observation (what a tester must see
// after each event). The byte bindings in models/ realise these names; the
// spec stands alone, so it defines its own status constants (status.ts).
import type { Completion } from './status.ts';

/** D1: an LM opcode on the VF's own admin queue is rejected, or gets no completion at all. */
export type VfQueuePolicy = 'reject' | 'drop';

/**
 * `immediate`: a fetched I/O completes in the same step (devices whose
 * completion timing a host cannot control). `deferred`: a fetched I/O stays in
 * flight until an explicit IO_COMPLETE event, so commands in flight exist.
 */
export type IoCompletion = 'immediate' | 'deferred';

export interface VfLifecycleOptions {
  /**
   * The PF executes the five LM commands (profile `lm`). `false` is a device
   * without live migration (profile `no-lm`, QEMU): the five opcodes are
   * unknown on the PF and on the VF alike, Invalid Command Opcode, DNR, and
   * nothing changes, so the LM state stays running (D17).
   */
  lm: boolean;
  vfQueuePolicy: VfQueuePolicy;
  ioCompletion: IoCompletion;
  /** bound on I/O queue pairs the guest creates */
  maxIoQueues: number;
  /** bound on I/O the guest keeps submitted and not completed (fetched + latched): its queue depth */
  maxOutstanding: number;
}

/**
 * The LM state is the machine's state value (D5). `saving` is the transient
 * state of a SAVE that drains fetched I/O before it captures (D12); it exists
 * only with ioCompletion 'deferred' (immediate mode never has I/O to drain).
 */
export type VfLmState = 'running' | 'suspended' | 'saving' | 'saved' | 'loaded';
export const VF_LM_STATES: readonly VfLmState[] = ['running', 'suspended', 'saving', 'saved', 'loaded'];

/** An admin command pair the guest latched while the VF did not fetch (D11): create or delete one I/O queue pair. */
export type AdminOp = 'none' | 'create' | 'delete';

// ---------------------------------------------------------------------------
// Events. None carries a payload: each name is one concrete action a binding
// realises in bytes through the adapter (reset, register write/read on the
// VF's BAR0, host memory write/read, submit an SQE on a queue, FLR).

/** The five LM commands sent by the PF for this VF, with valid fields, plus the failing transfers (D5-D8). */
export const PF_LM_EVENT_TYPES = [
  'LM_QUERY',
  'LM_SUSPEND',
  'LM_RESUME',
  'LM_SAVE',
  /** SAVE whose PRPs point at unmapped host memory: Data Transfer Error, nothing changes */
  'LM_SAVE_UNMAPPED',
  /** LOAD with the image of the last SAVE (enabled only while the host holds one) */
  'LM_LOAD',
  /** LOAD with data that fails D7's checks (bad magic, checksum, size or geometry): Invalid Field, nothing changes */
  'LM_LOAD_CORRUPT',
  /** LOAD whose PRPs point at unmapped host memory: Data Transfer Error, nothing changes */
  'LM_LOAD_UNMAPPED',
] as const;

/** The same five opcodes submitted on the VF's OWN admin queue by a hostile guest (D1). */
export const VF_QUEUE_LM_EVENT_TYPES = ['VF_LM_QUERY', 'VF_LM_SUSPEND', 'VF_LM_RESUME', 'VF_LM_SAVE', 'VF_LM_LOAD'] as const;

/** What a well-behaved guest driver does. */
export const GUEST_EVENT_TYPES = [
  /** CC.EN 0->1 (admin queue registers set first); CSTS.RDY becomes 1 */
  'ENABLE',
  /** CC.EN 1->0: a reset to power-on (D13) */
  'DISABLE',
  /** Create I/O CQ then Create I/O SQ on the admin queue: one more I/O queue pair */
  'CREATE_IO_QUEUE',
  /** Delete I/O SQ then Delete I/O CQ of the highest pair (a guest deletes only idle queues) */
  'DELETE_IO_QUEUE',
  /** write one NVM I/O SQE and ring the SQ tail doorbell */
  'SUBMIT_IO',
] as const;

type PfLmEventType = (typeof PF_LM_EVENT_TYPES)[number];
type VfQueueLmEventType = (typeof VF_QUEUE_LM_EVENT_TYPES)[number];
type GuestEventType = (typeof GUEST_EVENT_TYPES)[number];
export type VfEventType = PfLmEventType | VfQueueLmEventType | GuestEventType | 'IO_COMPLETE' | 'FLR';
export type VfEvent = { type: VfEventType };

export function isVfQueueLmEvent(type: string): type is VfQueueLmEventType {
  return (VF_QUEUE_LM_EVENT_TYPES as readonly string[]).includes(type);
}

export function isPfLmEvent(type: string): type is PfLmEventType {
  return (PF_LM_EVENT_TYPES as readonly string[]).includes(type);
}

// ---------------------------------------------------------------------------
// Context.

/** The migration image the host holds after a successful SAVE: what LOAD restores (D6, D7, D12). */
export interface VfImage {
  enabled: boolean;
  ioQueues: number;
  /** I/O doorbells latched and not fetched when SAVE captured; SAVE drained every fetched one (D12) */
  latched: number;
  adminLatched: AdminOp;
}

export interface VfContext {
  /** CC.EN, and CSTS.RDY with it */
  enabled: boolean;
  /** I/O queue pairs that exist (0..maxIoQueues) */
  ioQueues: number;
  /** I/O fetched and not yet completed (always 0 with ioCompletion 'immediate') */
  outstanding: number;
  /** I/O whose SQ doorbell was written while the VF did not fetch (D11) */
  latched: number;
  /** an admin command pair latched while the VF did not fetch (D11) */
  adminLatched: AdminOp;
  /** the image the host holds from the last successful SAVE; dropped by a reset (D13) */
  image: VfImage | null;
  /** what a tester must observe for the last event (not part of the state's identity) */
  last: VfObservation;
}

/**
 * The observation of one step. Every field is always present, so a binding
 * compares all of them. A step that is no transition (the event is not
 * enabled) leaves `last` as it was.
 */
export interface VfObservation {
  /** the event that produced it ('init' before any) */
  event: VfEventType | 'init';
  /**
   * The completion of the event's OWN command. 'none' when it gets none in
   * this step: latched (D11), in flight (deferred I/O, a draining SAVE),
   * dropped (D1 policy drop), or the event is not a command (ENABLE,
   * DISABLE, FLR, IO_COMPLETE).
   */
  completion: Completion | 'none';
  /** QUERY: the I/O queue count its DW0 size is a function of (D8). SAVE success: the queue count the image holds (the bytes written equal QUERY's size for that count). Else null. */
  sizeQueues: number | null;
  /** the SAVE pending since an earlier step completes now, at the end of its drain (D12) */
  saveCompleted: Completion | 'none';
  /** the event's SQE was written and its doorbell latched, to be fetched after RESUME (D11) */
  latched: boolean;
  /** latched I/O fetched in this step (RESUME, D11) */
  ioFetched: number;
  /** earlier-submitted I/O whose completions are posted in this step (IO_COMPLETE, a drain, or latched I/O fetched and completed at RESUME in immediate mode) */
  ioCompleted: number;
  /** a latched admin command pair fetched and completed (SUCCESS) in this step */
  adminCompleted: AdminOp;
  /** I/O discarded without completion by a reset in this step (D13: allowed only for FLR and CC.EN 1->0) */
  ioDropped: number;
  /** a latched admin command pair discarded by a reset in this step (D13) */
  adminDropped: AdminOp;
  /** CSTS.RDY after the step */
  rdy: boolean;
}
