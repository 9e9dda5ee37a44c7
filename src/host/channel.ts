// The driver's only way to the PF's admin queue. It numbers commands (CID),
// records every command it sends in a log (I7: tests read the log to show
// which opcodes reached the device), and holds the guards: no opcode in
// 0xC4-0xD5 leaves it unless the probe accepted the device (D3), and no
// tp4159 management opcode unless the tp4159 guard did (D21).
import type { Cqe } from '../wire/cqe.ts';
import { adminOpcodeName, HMLM_OPCODES } from '../wire/opcodes.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { decodeTp4159 } from '../wire/tp4159/commandCodec.ts';
import { isSuccess, type Status } from '../wire/status.ts';
import type { HostDevice, PciId } from './device.ts';
import { HostError, NvmeCommandError } from './errors.ts';

/** Every opcode in this range is vendor-specific to the RFC; I7 forbids all of them on a refused device, not just the five. */
const LM_OPCODE_FIRST = 0xc4;
const LM_OPCODE_LAST = 0xd5;

function inLmOpcodeRange(opcode: number): boolean {
  return opcode >= LM_OPCODE_FIRST && opcode <= LM_OPCODE_LAST;
}

/** What the tp4159 guard hands over when the PF is a migration management controller with a state format the driver reads (D21). */
export interface HmlmPermit {
  readonly pciId: PciId;
  readonly hmlms: true;
  /** CSVI of format 0000h in CNS 20h */
  readonly csvi: number;
}

/** What the probe hands over when a device passes both checks (D3). */
export interface LmPermit {
  readonly pciId: PciId;
  readonly lmByte: 0x01;
}

export interface CommandLogEntry {
  /** position in the log, from 0 */
  seq: number;
  opcode: number;
  name: string;
  cid: number;
  /** CDW10 15:0 of an LM command: the 1-based VF index */
  vfIndex?: number;
  /** CDW11 15:0 of a tp4159 management command: the CNTLID it names (D20) */
  cntlid?: number;
  /** filled when the command finishes: its status and DW0, or 'timeout' */
  outcome?: { status: Status; dw0: number } | 'timeout';
}

export class AdminChannel {
  /** Every command handed to the device, in order. */
  readonly log: CommandLogEntry[] = [];
  private nextCid = 1;
  private permit: LmPermit | undefined;
  private hmlmPermit: HmlmPermit | undefined;
  /** posted commands whose completion has not come (post) */
  private readonly waiting = new Map<number, CommandLogEntry>();

  constructor(readonly device: HostDevice) {}

  /** Allow LM opcodes; only a probe that accepted the device calls this. */
  permitLm(permit: LmPermit): void {
    if (permit.lmByte !== 0x01) throw new HostError('EPERM', `refusing an LM permit with capability byte ${permit.lmByte}; only 0x01 means supported (D2)`);
    this.permit = permit;
  }

  /** Allow the tp4159 management opcodes; only the tp4159 guard that accepted the PF calls this. */
  permitHmlm(permit: HmlmPermit): void {
    if (permit.hmlms !== true || permit.csvi < 1) throw new HostError('EPERM', 'refusing a tp4159 permit without HMLMS = 1 and a readable state format (D21)');
    this.hmlmPermit = permit;
  }

  /** Take back every permit: no LM and no tp4159 management opcode leaves the channel. */
  revokeLm(): void {
    this.permit = undefined;
    this.hmlmPermit = undefined;
  }

  get lmPermitted(): boolean {
    return this.permit !== undefined;
  }

  /** Opcodes sent so far, in order (I7 evidence). */
  sentOpcodes(): number[] {
    return this.log.map((e) => e.opcode);
  }

  /**
   * Send one admin command. The channel writes its own CID into the SQE.
   * Resolves with the completion on success; throws NvmeCommandError on an
   * error status or a missing completion, HostError EPERM if the guard refuses.
   */
  async submit(sqe: Uint8Array): Promise<Cqe> {
    const { out, entry } = this.prepare(sqe);
    const cqe = await this.device.adminCommand(out);
    if (cqe === null) {
      entry.outcome = 'timeout';
      throw new NvmeCommandError(entry.opcode, entry.cid, undefined, entry.vfIndex);
    }
    return this.finish(entry, cqe);
  }

  /** Whether the device can hold a command without the driver waiting for it (post). */
  get canPost(): boolean {
    return this.device.postAdminCommand !== undefined && this.device.postedCompletion !== undefined;
  }

  /**
   * Send a command that completes later, if ever (an Asynchronous Event
   * Request, D33): guarded and logged as submit; its CID, for posted().
   */
  async post(sqe: Uint8Array): Promise<number> {
    if (!this.device.postAdminCommand) throw new HostError('EINVAL', 'this device cannot hold an admin command without the driver waiting for it; poll instead');
    const { out, entry } = this.prepare(sqe);
    this.waiting.set(entry.cid, entry);
    await this.device.postAdminCommand(out);
    return entry.cid;
  }

  /** The completion of a posted command, once it came; throws NvmeCommandError on an error status. */
  async posted(cid: number): Promise<Cqe | undefined> {
    const entry = this.waiting.get(cid);
    if (!entry) throw new HostError('EINVAL', `CID ${cid} names no posted command still waiting`);
    const cqe = await this.device.postedCompletion?.(cid);
    if (!cqe) return undefined;
    this.waiting.delete(cid);
    return this.finish(entry, cqe);
  }

  /** Forget posted commands a PF reset dropped (D18): no completion will come. */
  dropPosted(): void {
    this.waiting.clear();
  }

  /** Check the guards, number the command and log it. */
  private prepare(sqe: Uint8Array): { out: Uint8Array; entry: CommandLogEntry } {
    if (sqe.length !== SQE_SIZE) throw new RangeError(`an SQE is ${SQE_SIZE} bytes, got ${sqe.length}`);
    const opcode = sqe[0];
    if (inLmOpcodeRange(opcode) && !this.permit) {
      throw new HostError(
        'EPERM',
        `not sending ${adminOpcodeName(opcode)} (0x${opcode.toString(16)}): this PF did not pass the live-migration probe (allowlisted PCI ID and Identify byte 3072 == 0x01, D3); run the probe and fix what it reports`,
      );
    }
    if (HMLM_OPCODES.has(opcode) && !this.hmlmPermit) {
      throw new HostError(
        'EPERM',
        `not sending ${adminOpcodeName(opcode)} (0x${opcode.toString(16)}): this PF did not pass the tp4159 guard (OACS.HMLMS = 1 and Identify CNS 20h listing version 0000h, D21); attach with the tp4159 profile and fix what it reports`,
      );
    }
    const cid = this.nextCid;
    this.nextCid = (this.nextCid + 1) & 0xffff || 1; // CID 0 is left unused so a zeroed CQE never matches
    const out = new Uint8Array(sqe);
    out[2] = cid & 0xff;
    out[3] = cid >> 8;
    // a management command is named by its operation too (Migration Send / Suspend), since one opcode carries several
    const name = (HMLM_OPCODES.has(opcode) && decodeTp4159(out)?.layout.name) || adminOpcodeName(opcode);
    const entry: CommandLogEntry = { seq: this.log.length, opcode, name, cid };
    if (inLmOpcodeRange(opcode)) entry.vfIndex = out[40] | (out[41] << 8);
    if (HMLM_OPCODES.has(opcode)) entry.cntlid = out[44] | (out[45] << 8);
    this.log.push(entry);
    return { out, entry };
  }

  /** Record the outcome; the completion on success, else NvmeCommandError. */
  private finish(entry: CommandLogEntry, cqe: Cqe): Cqe {
    const status: Status = { sct: cqe.sct, sc: cqe.sc, dnr: cqe.dnr };
    entry.outcome = { status, dw0: cqe.dw0 };
    if (cqe.cid !== entry.cid) {
      throw new HostError('EIO', `completion for CID ${cqe.cid} arrived while waiting for CID ${entry.cid} (${entry.name}); the device mixed up completions, reset the PF`);
    }
    if (!isSuccess(cqe)) throw new NvmeCommandError(entry.opcode, entry.cid, status, entry.vfIndex);
    return cqe;
  }
}

