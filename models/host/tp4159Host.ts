// The host's side of a tp4159 migration: the standard's management commands
// on the PF's admin queue (Suspend, Resume, Get and Set Controller State),
// addressed by the VF's CNTLID from the Secondary Controller List, with the
// migration buffers of the memory plan. Get State goes into a buffer
// pre-filled with the canary (as SAVE does, D8), so the binding sees exactly
// how many bytes the controller wrote (D24: the transfer is the state's
// length, no more).
import type { Adapter } from '../../src/target/adapter.ts';
import { CNS_CONTROLLER } from '../../src/wire/identify.ts';
import { encodeTp4159, type Tp4159Command } from '../../src/wire/tp4159/commandCodec.ts';
import { chooseStateFormat, tp4159Commands as cmd } from '../../src/wire/tp4159/hostCommands.ts';
import { CNS_SECONDARY_CONTROLLER_LIST, CNS_SUPPORTED_STATE_FORMATS, decodeSecondaryControllerList, decodeSupportedStateFormats, readMigrationIdentify } from '../../src/wire/tp4159/identify.ts';
import { toHex } from '../../src/wire/hex.ts';
import { FunctionDriver, type Posted } from './guest.ts';
import { migrationBuffers, MIGRATION_OFFSET, prpListBytes, prpsFor, type MigrationBuffer } from './hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { canaryByte, CANARY_TAIL, type Sent } from './pfHost.ts';
import { Mismatch } from '../engine/suite.ts';

/**
 * The most state a Get State asks for: more than a suite's VF state (a few
 * hundred bytes), so the transfer is the state's own length (D24), and within
 * PRP1's page rest plus one page, so PRP2 is a data page, never a list.
 */
export const GET_STATE_BYTES = PAGE - MIGRATION_OFFSET + PAGE;

/** What the save buffer holds before a Get State: the canary throughout (made once: every step of a suite takes states). */
const GET_STATE_FILL = Uint8Array.from({ length: GET_STATE_BYTES + CANARY_TAIL }, (_, i) => canaryByte(i));

export { SEQIND } from '../../src/wire/tp4159/hostCommands.ts';

/** What the PF offers, learnt at reset (D21): the indexes a host names the formats by. */
export interface TpOffer {
  /** CNTLID of each VF, by VF number (Secondary Controller List) */
  cntlid: ReadonlyMap<number, number>;
  /** CSVI of format 0000h (1-based into CNS 20h's versions) */
  csvi: number;
  /** CSUUIDI of the project's vendor section (1-based into CNS 20h's UUIDs), 0 when not listed */
  csuuidi: number;
}

export interface GotState {
  sent: Sent;
  /** the bytes up to the first canary byte left untouched past them (empty without a successful completion) */
  bytes: Uint8Array;
}

export class TpHost {
  readonly driver: FunctionDriver;
  private offer: TpOffer | null = null;

  constructor(
    readonly adapter: Adapter,
    timeoutMs: number,
  ) {
    this.driver = new FunctionDriver(adapter, 0, timeoutMs);
  }

  /** Read what the PF offers (D21): HMLMS, CNS 20h's formats, the VFs' CNTLIDs. A PF without them cannot run a tp4159 suite. */
  async learn(label: string): Promise<TpOffer> {
    const id = readMigrationIdentify(await this.driver.identify(CNS_CONTROLLER, 'Identify Controller'));
    if (!id.hmlms) throw new Mismatch(`${label}: PF Identify Controller OACS bit 11 HMLMS (D21)`, '1', '0');
    const formats = decodeSupportedStateFormats(await this.driver.identify(CNS_SUPPORTED_STATE_FORMATS, 'Identify CNS 20h (D21)'));
    const format = chooseStateFormat(formats);
    if (!format) throw new Mismatch(`${label}: PF Identify CNS 20h versions (D21)`, 'version 0000h listed', formats.versions.length ? formats.versions.map((v) => v.toString(16)).join(', ') : 'none');
    const list = decodeSecondaryControllerList(await this.driver.identify(CNS_SECONDARY_CONTROLLER_LIST, 'Identify CNS 15h, the Secondary Controller List'));
    const cntlid = new Map(list.map((c) => [c.vfn, c.scid]));
    this.offer = { cntlid, ...format };
    return this.offer;
  }

  private known(): TpOffer {
    if (this.offer === null) throw new Error('TpHost: learn() the PF\'s offer before sending management commands');
    return this.offer;
  }

  /** The CNTLID of VF `vf` (D20: the management commands name it). */
  cntlidOf(vf: number): number {
    const id = this.known().cntlid.get(vf);
    if (id === undefined) throw new Mismatch(`the Secondary Controller List of the PF (tp4159 section 1)`, `an entry for VF ${vf}`, `VFs ${[...this.known().cntlid.keys()].join(', ') || 'none'}`);
    return id;
  }

  /** One tp4159 command on the PF admin queue. */
  async send(make: (cid: number) => Tp4159Command): Promise<Sent> {
    const cid = this.driver.cid();
    const cqe = await this.driver.submit(0, encodeTp4159(make(cid)));
    return { cid, cqe };
  }

  suspend(vf: number, stype: 0 | 1, dudmq = false): Promise<Sent> {
    return this.send((cid) => cmd.suspend(cid, this.cntlidOf(vf), stype, dudmq));
  }

  resume(vf: number): Promise<Sent> {
    return this.send((cid) => cmd.resume(cid, this.cntlidOf(vf)));
  }

  /** Controller Data Queue Create, QT 0 (a UDMQ), physically contiguous, CQS = the VF's CNTLID, `entries` of 32 bytes at `ring` (D28). */
  cdqCreate(vf: number, ring: bigint, entries: number): Promise<Sent> {
    return this.send((cid) => cmd.cdqCreate(cid, this.cntlidOf(vf), ring, entries));
  }

  cdqDelete(cdqid: number): Promise<Sent> {
    return this.send((cid) => cmd.cdqDelete(cid, cdqid));
  }

  /** Track Send SEL 0: LACT 1 starts logging into the queue, 0 stops (D29). */
  track(cdqid: number, lact: 0 | 1): Promise<Sent> {
    return this.send((cid) => cmd.track(cid, cdqid, lact));
  }

  /** Set Features FID 21h: the host's head (HP, in entries, D31), and the tail-pointer trigger (D33). */
  setCdq(cdqid: number, hp: number, trigger: { etpt: boolean; tpt: number }): Promise<Sent> {
    return this.send((cid) => cmd.setCdq(cid, cdqid, hp, trigger));
  }

  private async place(b: MigrationBuffer, length: number): Promise<{ prp1: bigint; prp2: bigint }> {
    const p = prpsFor(b, length);
    if (p.listEntries.length > 0) await this.adapter.memWrite(b.list, prpListBytes(p.listEntries));
    return { prp1: p.prp1, prp2: p.prp2 };
  }

  /** Get Controller State (CSVI of format 0, the vendor section when `vendor`) into the VF's save buffer, canary beyond. */
  async getState(vf: number, vendor: boolean): Promise<GotState> {
    const { save } = migrationBuffers(vf);
    await this.adapter.memWrite(save.start, GET_STATE_FILL);
    const prps = await this.place(save, GET_STATE_BYTES);
    const format = this.known();
    const sent = await this.send((cid) => cmd.getState(cid, { cntlid: this.cntlidOf(vf), format, vendor, offset: 0, bytes: GET_STATE_BYTES, ...prps }));
    if (sent.cqe === null || sent.cqe.sc !== 0 || sent.cqe.sct !== 0) return { sent, bytes: new Uint8Array(0) };
    return { sent, bytes: await this.adapter.memRead(save.start, GET_STATE_BYTES + CANARY_TAIL) };
  }

  /** Set Controller State of `part` (at byte `offset` of the whole state), SEQIND as given, from the VF's load buffer (D26, D27: 0-based NUMD). */
  async setState(vf: number, part: Uint8Array, offset: number, seqind: number, vendor: boolean): Promise<Sent> {
    const { load } = migrationBuffers(vf);
    await this.adapter.memWrite(load.start, part);
    const prps = await this.place(load, part.length);
    const format = this.known();
    return this.send((cid) => cmd.setState(cid, seqind, { cntlid: this.cntlidOf(vf), format, vendor, offset, bytes: part.length, ...prps }));
  }
}

/**
 * The state a Get State wrote: `length` bytes (the header's own account),
 * and nothing past them (the canary intact, D24: transfer = the bytes left).
 */
export function stateWritten(label: string, buffer: Uint8Array, length: number): Uint8Array {
  for (let i = length; i < buffer.length; i++) {
    if (buffer[i] !== (i < GET_STATE_FILL.length ? GET_STATE_FILL[i] : canaryByte(i))) {
      throw new Mismatch(`${label}: Get Controller State writes the state's ${length} bytes and no more (D24)`, `bytes ${length}.. untouched`, `byte ${i} written (${toHex(buffer.subarray(length, Math.min(buffer.length, length + 32)))})`);
    }
  }
  return buffer.slice(0, length);
}

/** The CQE's DW0 as a readable value for messages. */
export function dw0Text(c: Posted): string {
  return `DW0 0x${c.dw0.toString(16).padStart(8, '0')}`;
}
