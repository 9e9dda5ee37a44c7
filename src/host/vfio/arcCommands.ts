// The seam between the VFIO state machine (migration.ts, one copy for every
// profile) and a profile's NVMe commands. An arc's plan (arcs.ts) names
// abstract steps; a profile says what each step sends: the vendor profile
// `lm` one LM command each (this file), the standard's profile tp4159 the
// sequence of its section 6 (tp4159Arcs.ts).
import type { Cqe } from '../../wire/cqe.ts';
import { encodeLmCommand } from '../../wire/lmCommands.ts';
import { LM } from '../../wire/opcodes.ts';
import type { AsyncEvents } from '../asyncEvents.ts';
import type { HostDevice } from '../device.ts';
import type { DmaBuffer } from '../prp.ts';
import type { UserDataLog } from '../userDataLog.ts';

/** What a step may use: one admin command at a time (the state machine checks for resets around each), and DMA memory. */
export interface ArcIo {
  submit(sqe: Uint8Array): Promise<Cqe>;
  readonly device: HostDevice;
  /** the PF's asynchronous events (D33), where the driver keeps an AER outstanding; absent: logs poll */
  readonly events?: AsyncEvents;
}

/** A profile's commands for the steps of an arc; `vfIndex` is the 1-based VF number (the kernel's VF id + 1). */
export interface ArcCommands {
  readonly profile: string;
  /** stop the VF: it fetches nothing more and its fetched commands have completed */
  suspend(io: ArcIo, vfIndex: number): Promise<void>;
  /** let the VF run again */
  resume(io: ArcIo, vfIndex: number): Promise<void>;
  /** bytes the next save will deliver (a positive number) */
  query(io: ArcIo, vfIndex: number): Promise<number>;
  /** fill `buffer`'s first `bytes` (QUERY's answer) with the VF's state */
  save(io: ArcIo, vfIndex: number, buffer: DmaBuffer, bytes: number): Promise<void>;
  /** load the first `bytes` of `buffer` into the (suspended) VF */
  load(io: ArcIo, vfIndex: number, buffer: DmaBuffer, bytes: number): Promise<void>;
  /**
   * PRE_COPY with user data logging (tp4159 section 6): the log the pre-copy
   * stream carries, started when it opens. A profile without one leaves this
   * out and its pre-copy stream carries no log.
   */
  startLog?(io: ArcIo, vfIndex: number): Promise<UserDataLog>;
}

/** The vendor profile: one LM command per step (D4, D5, D16). */
export const LM_ARC_COMMANDS: ArcCommands = Object.freeze({
  profile: 'lm',
  async suspend(io: ArcIo, vfIndex: number) {
    await io.submit(encodeLmCommand({ opcode: LM.SUSPEND, vfIndex }));
  },
  async resume(io: ArcIo, vfIndex: number) {
    await io.submit(encodeLmCommand({ opcode: LM.RESUME, vfIndex }));
  },
  async query(io: ArcIo, vfIndex: number) {
    return (await io.submit(encodeLmCommand({ opcode: LM.QUERY, vfIndex }))).dw0 >>> 0;
  },
  async save(io: ArcIo, vfIndex: number, buffer: DmaBuffer, bytes: number) {
    const p = await buffer.prps(bytes);
    await io.submit(encodeLmCommand({ opcode: LM.SAVE, vfIndex, prp1: p.prp1, prp2: p.prp2 }));
  },
  async load(io: ArcIo, vfIndex: number, buffer: DmaBuffer, bytes: number) {
    const p = await buffer.prps(bytes);
    await io.submit(encodeLmCommand({ opcode: LM.LOAD, vfIndex, prp1: p.prp1, prp2: p.prp2, size: bytes }));
  },
});
