// The interface every implementation under test offers: our emulator, a
// user's JS/TS module (`verify --adapter`), a JSON-lines process
// (`verify --exec`) and QEMU through qtest (`verify --qemu`). It mirrors the
// JSON-lines protocol op for op (docs/protocol.md).
import type { RawAnswer, RawRequest } from './batch.ts';

/** What replayBatch performs again: a register or memory operation, or a completeIo. */
export type ReplayedRequest = RawRequest | { op: 'completeIo'; fn: number; count?: number };
/** ... and the answer each got: a raw operation's, or how many I/O a completeIo completed. */
export type ReplayedAnswer = RawAnswer | { op: 'completeIo'; completed: number };

/** Device profiles (spec D17; tp4159: the standard's host-managed live migration, D19-D34). */
export const PROFILES = ['lm', 'no-lm', 'reserved', 'foreign', 'tp4159'] as const;
export type Profile = (typeof PROFILES)[number];

/** What a VF does with an LM opcode on its own admin queue (spec D1). */
export type VfQueuePolicy = 'reject' | 'drop';

export interface ResetOptions {
  /** Number of SR-IOV VFs enabled after reset (VF k is function k, 1-based). */
  vfs: number;
  profile: Profile;
  /** D10: reject nonzero reserved bits and NSID. */
  strict?: boolean;
  vfQueuePolicy?: VfQueuePolicy;
  /**
   * `immediate` (default): a fetched I/O command completes at once.
   * `deferred`: fetched NVM I/O on VF I/O queues stays in flight until
   * `completeIo` is called (only implementations that can hold I/O support it).
   */
  ioCompletion?: 'immediate' | 'deferred';
  /** profile tp4159: what the device offers where the standard leaves a choice (absent: the defaults below) */
  tp4159?: Tp4159Capabilities;
}

/** The choices the standard leaves a tp4159 device, as a reset asks for them (D25, D26, D28). */
export interface Tp4159Capabilities {
  /** CNS 20h lists this project's vendor state UUID (D25); default true */
  vendorState?: boolean;
  /** D26: Set State in parts (SEQIND 1, 0, 2) or whole only (SEQIND 3); default 'parts' */
  seqind?: 'parts' | 'whole-only';
  /** D28: Create CDQ with PC = 0, the queue in a PRP list; default false */
  nonContiguousCdq?: boolean;
}

/** True when `c` asks for anything but the defaults. */
export function asksTp4159Choices(c: Tp4159Capabilities | undefined): boolean {
  return c !== undefined && (c.vendorState === false || c.seqind === 'whole-only' || c.nonContiguousCdq === true);
}

/**
 * What `reset` may tell about the implementation. `synchronous`: every
 * completion a register write causes (a doorbell) is in host memory before
 * that write returns, so one look decides whether a completion came and the
 * suites never wait out a timeout for one that should not come (drop policy,
 * latched doorbells, I/O held in flight). Claim it only when it is true: a
 * completion posted later is then reported as missing.
 */
export interface ResetInfo {
  synchronous?: boolean;
  /**
   * The target answers several register and memory operations sent as one
   * (the protocol's `batch` request) in one round trip. Only a target across
   * a process boundary gains from it; the driver then uses `Adapter.batch`.
   */
  batch?: boolean;
  /**
   * Whether snapshot and restore may be used until the next reset: false
   * from a target that has them only when it says so (a program across the
   * JSON-lines protocol whose reset answer did not offer them). Absent:
   * whenever the adapter has them.
   */
  snapshots?: boolean;
  /**
   * Set by a target whose VFs cannot be in their power-on state (CC.EN 0,
   * CSTS 0) while the PF is disabled, saying why: secondary controllers that
   * go offline on any PF reset (CSTS.CFS 1) and come back online only through
   * the enabled PF's admin queue (Virtualization Management), as QEMU's.
   * Suites report a VF observation made while the PF is disabled as not
   * realisable on such a target, never as passed.
   */
  vfsOfflineWhilePfDisabled?: string;
}

/**
 * Function numbers: 0 is the PF, k (1..vfs) is VF k. Register offsets are
 * BAR0 offsets (doorbells included). Addresses are host (guest-physical)
 * memory addresses.
 */
export interface Adapter {
  /** Power-on state: every controller disabled (CC.EN = 0), `vfs` VFs enabled, namespace zeroed. */
  reset(options: ResetOptions): Promise<ResetInfo | void>;
  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void>;
  regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint>;
  memWrite(addr: bigint, data: Uint8Array): Promise<void>;
  memRead(addr: bigint, len: number): Promise<Uint8Array>;
  /**
   * Write a 64-byte SQE at the tail of queue `qid` of function `fn`, ring the
   * doorbell and return the 16-byte CQE, or null when no completion arrives.
   * The queue must have been set up with register writes (admin queue) or a
   * Create I/O SQ/CQ command submitted through this adapter.
   */
  submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null>;
  /**
   * Optional: the completions on `fn`'s queues that came after submit stopped
   * waiting for them (an Asynchronous Event Request the controller held until
   * an event, D33; a command latched while suspended, D11), each handed over
   * once. A host that keeps an AER outstanding collects its event here.
   */
  reap?(fn: number): Promise<Uint8Array[]>;
  /**
   * Optional: perform raw operations in order and answer each (one answer
   * per request, of its kind), throwing at the first that fails. The host
   * queue driver sends the runs that need no answer in between this way
   * (SQE write, tail doorbell, the CQ read after it); without it they go one
   * operation at a time.
   */
  batch?(requests: readonly RawRequest[]): Promise<RawAnswer[]>;
  /**
   * Optional, with batch: perform again, in order, register and memory
   * operations and completeIo calls that were performed before (a replayed
   * path prefix, models/engine/replayRecord.ts), as batch and completeIo
   * would, throwing at the first that fails (a ReplayedRequestFailed with
   * the answers before it); `expected` holds the answers they got then. Returns 'same' when the target's answers are, as the
   * adapter can tell at once, exactly those (a JSON-lines target that
   * answered with the very same text); else the answers, for the caller to
   * compare. The same request and answer objects come again and again and
   * never change: the adapter may keep what it makes of them.
   */
  replayBatch?(requests: readonly ReplayedRequest[], expected: readonly ReplayedAnswer[]): Promise<ReplayedAnswer[] | 'same'>;
  /**
   * Optional: true when this adapter performs register and memory
   * operations, batches and completeIo in the order they are called, even
   * when one is called before the one before it has answered (a JSON-lines
   * target: its requests go in order on one pipe). An adapter that waits
   * inside a call before it acts leaves this unset.
   */
  readonly keepsCallOrder?: boolean;
  /**
   * Optional: adapters for further independent controllers of the same
   * implementation (a JSON-lines target's sessions), at most `most` - 1,
   * resolved once it said how many it offers; verify plays other suites on
   * them at the same time. Closing this adapter closes them.
   */
  sessions?(most: number): Promise<Adapter[]>;
  /** Function-level reset of function `fn` (0 = the PF); config space is restored afterwards, as a host does. */
  flr(fn: number): Promise<void>;
  /**
   * Optional: complete up to `count` (default all) in-flight I/O commands of
   * function `fn` (ioCompletion 'deferred'); returns how many completed.
   */
  completeIo?(fn: number, count?: number): Promise<number>;
  /** Optional: an opaque copy of the whole implementation state, for the prefix-sharing runner (only while the last reset's ResetInfo.snapshots is not false). */
  snapshot?(): Promise<unknown>;
  /** Optional: go back to a state `snapshot` returned (may be restored many times). */
  restore?(snapshot: unknown): Promise<void>;
  /** Optional, with snapshot: `snapshot` will not be restored again (a program may reuse what holds it). */
  release?(snapshot: unknown): void;
  /**
   * Optional: how many requests this adapter has sent to the implementation
   * and had answered so far (a batch is one). Only a target across a process
   * boundary has them; verify reports the count, the cost it cannot shrink.
   */
  roundTrips?(): number;
  /**
   * Optional, with roundTrips: milliseconds spent waiting for those answers
   * (the implementation's work and the way there and back). verify reports
   * it beside its own time, so a slow implementation shows as such.
   */
  waitedMs?(): number;
  /** Release every resource (processes, sockets, files). Safe to call twice. */
  close(): Promise<void>;
}
