// What a controller shares with the device around it, and the records it
// hands out (traces, commands in flight). Types only.
import type { DeviceConfig } from './options.ts';
import type { HostMemory } from './hostMemory.ts';
import type { RamNamespace } from './namespace.ts';
import type { LmView } from './acceptance.ts';
import type { Controller } from './controller.ts';

/** A VF's live-migration state (D5). The PF is always running. */
export type LmState = 'running' | 'suspended' | 'saved' | 'loaded';

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

/** What a controller needs from the device around it. */
export interface DeviceContext {
  readonly memory: HostMemory;
  readonly namespace: RamNamespace;
  readonly config: DeviceConfig;
  controller(fn: number): Controller;
  /** read-only view for the LM acceptance checks */
  readonly lmView: LmView;
  /** D18: a PF controller reset resets every VF */
  resetAllVfs(): void;
  trace: ((e: CommandTrace) => void) | undefined;
}

/** A fetched NVM command held until `completeIo` (ioCompletion: 'deferred'). */
export interface InFlight {
  sqid: number;
  cid: number;
  /** a private copy: the host may reuse the SQ slot once it sees a later SQ head */
  sqe: DataView;
}
