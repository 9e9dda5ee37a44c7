// What the fuzzer holds about commands it submitted and have not completed,
// and the rule for when a command may still lack its completion (I2 and the
// D1 drop, D11 suspension and deferred-I/O exceptions).
import type { HostCq, HostSq } from './host.ts';
import { HMLM_OPCODES } from '../wire/opcodes.ts';

export type Origin = 'host' | 'random' | 'corrupted' | 'lm';

export interface Outstanding {
  key: string;
  fn: number;
  sqid: number;
  cid: number;
  /** the CQ its completion must appear on, and its SQ's size (for the SQ head in the CQE) */
  cqid: number;
  sqSize: number;
  /** the SQE as submitted (after the host set CID and PRPs) */
  sqe: Uint8Array;
  admin: boolean;
  /** opcode 0xC4-0xD5 on an admin queue */
  lmOpcode: boolean;
  origin: Origin;
  /** D1 with vfQueuePolicy drop: an LM opcode on a VF admin queue may get no completion at all */
  mayDrop: boolean;
  /** NVM I/O on a VF I/O queue with ioCompletion deferred: may stay in flight until completeIo or a SAVE drain */
  deferrable: boolean;
  /**
   * A SAVE on the PF admin queue for this VF: D12 lets it wait while the VF
   * has fetched I/O in flight (it completes once they have), or drain them itself.
   */
  drainsVf?: number;
  /** fetched by the device and held in flight (only deferrable commands are) */
  fetched: boolean;
  /** host data pages this command holds */
  pages: number[];
  /** where its data buffer starts (PRP1 before corruption) and how long it is, when the host built one */
  buffer?: { pages: number[]; offset: number };
  step: number;
  /** set by the host for its own well-formed commands: the spec says they succeed */
  mustSucceed?: string;
  /** D7: a mutated image must be refused */
  mustFail?: string;
  /** what the host learns from the completion (queues it created) */
  creates?: { sq?: HostSq; cq?: HostCq };
  /** D7: the image a LOAD carries, and whether it is the VF's own unchanged SAVE */
  image?: { bytes: Uint8Array; real: boolean };
  /** an Asynchronous Event Request (tp4159): it completes when an event occurs (D33), maybe never */
  waitsForEvent?: boolean;
}

export function keyOf(fn: number, sqid: number, cid: number): string {
  return `${fn}:${sqid}:${cid}`;
}

/** LM opcodes (spec section 1). */
export const LM_OPCODE_SET: ReadonlySet<number> = new Set([0xc4, 0xc8, 0xcc, 0xd2, 0xd5]);

/** D17: the profiles whose PF executes their management opcodes (lm, reserved as a later revision; tp4159 its own, D19). */
export const EXECUTES_LM: Readonly<Record<string, boolean>> = { lm: true, reserved: true, 'no-lm': false, foreign: false, tp4159: true };

/** The opcodes a profile manages VFs with: only the PF's admin queue may run them (D1, D19). */
export function managementOpcodes(profile: string): ReadonlySet<number> {
  // D19: the opcodes only the PF's admin queue manages with
  return profile === 'tp4159' ? HMLM_OPCODES : LM_OPCODE_SET;
}
