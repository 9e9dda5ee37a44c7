// What a controller shares with the device around it, and the records it
// hands out (traces, commands in flight). Types only.
import type { DeviceConfig } from './options.ts';
import type { HostMemory } from './hostMemory.ts';
import type { RamNamespace } from './namespace.ts';
import type { LmView } from './acceptance.ts';
import type { Controller } from './controller.ts';
import type { ProfileExecutors } from './executors.ts';
import type { CompletionQueue, SubmissionQueue } from './queues.ts';

/**
 * A VF's live-migration state (D5). The PF is always running. `saving`: a
 * SAVE accepted while fetched I/O was still in flight (ioCompletion
 * 'deferred') waits for that I/O to complete before it captures (D12); the
 * VF fetches nothing meanwhile, as when suspended.
 */
export type LmState = 'running' | 'suspended' | 'saving' | 'saved' | 'loaded';

/** What the emulator did with one command; delivered to `trace` when set. */
export interface CommandTrace {
  fn: number;
  sqid: number;
  cid: number;
  opcode: number;
  outcome: 'completed' | 'dropped' | 'in-flight';
  status?: { sct: number; sc: number; dnr: boolean };
  dw0?: number;
  /** the spec rule behind a rejection or an LM outcome (D1..D18, or NVMe) */
  decision?: string;
  reason?: string;
}

/**
 * How a controller writes the completion of a command fetched from `sq` into
 * `cq` (a slot was reserved at fetch): queues.ts's POST_COMPLETION, which a
 * queue-level mutant wraps from outside (mutants.ts). False when the CQ's
 * memory is gone.
 */
export type PostCompletion = (c: Controller, cq: CompletionQueue, sq: SubmissionQueue, cid: number, status: number, dw0: number, dw1: number) => boolean;

/** What a controller needs from the device around it. */
export interface DeviceContext {
  readonly memory: HostMemory;
  readonly namespace: RamNamespace;
  readonly config: DeviceConfig;
  controller(fn: number): Controller;
  /** read-only view for the LM acceptance checks */
  readonly lmView: LmView;
  /** what fetched commands do: the profile's executor set (with the mutant, if any) */
  readonly executors: ProfileExecutors;
  /** how completions are written (with the mutant, if any) */
  readonly post: PostCompletion;
  /** D18: a PF controller reset resets every VF */
  resetAllVfs(): void;
  trace: ((e: CommandTrace) => void) | undefined;
}

/** A SAVE held on the VF it saves until the VF's fetched I/O has drained (D12). */
export interface HeldSave {
  /** the function whose admin queue fetched the SAVE: the PF (a VF only with the acceptLmOnVfQueue mutant) */
  issuer: number;
  /** the SAVE's CID; its CQE goes to the issuer's admin CQ, whose slot was reserved at fetch */
  cid: number;
  /** the data buffer, as the PRPs were walked at acceptance */
  segments: number[];
  /** bytes to write: QUERY's size at acceptance (the VF's queue count cannot change while it does not fetch) */
  length: number;
  /**
   * Set for a held command other than the lm SAVE (tp4159's Suspend, D22):
   * what it does once the drain ends, and its opcode for the trace.
   */
  drained?: { opcode: number; finish: (vf: Controller) => { status: number; decision: string; reason: string } };
}

/** A fetched NVM command held until `completeIo` (ioCompletion: 'deferred'). */
export interface InFlight {
  sqid: number;
  cid: number;
  /** a private copy: the host may reuse the SQ slot once it sees a later SQ head */
  sqe: DataView;
}
