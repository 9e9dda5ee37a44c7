// A small driver for one function (PF or VF) over the Adapter's raw
// operations, as a guest or host driver would write it: admin queue bring-up,
// I/O queue pairs, Write commands with checkable data, read-back. Queues are
// driven by a client-side QueueTracker (never Adapter.submit), so the same
// binding runs on the emulator, a JSON-lines process and QEMU.
//
// Everything the driver remembers (CIDs, queue pointers) can be saved and
// restored: the prefix-sharing runner needs it, and so does a migration,
// where the VM continues from the state its image was taken in.
import type { Adapter } from '../../src/target/adapter.ts';
import type { AfterRead, QueueTracker } from '../../src/target/queueTracker.ts';
import { together } from '../../src/target/batch.ts';
import { hostQueueTracker } from '../engine/queueWatch.ts';
import { decodeCqe, type Cqe } from '../../src/wire/cqe.ts';
import { CC_ENABLE, REG } from '../../src/wire/registers.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { CNS_CONTROLLER, IDENTIFY_SIZE, LM_CAPABILITY_OFFSET } from '../../src/wire/identify.ts';
import { toHex } from '../../src/wire/hex.ts';
import { describeStatus } from '../../src/wire/status.ts';
import { ADMIN_ENTRIES, BLOCK, DATA_SLOTS, functionPlan, IO_ENTRIES, type FunctionPlan } from './hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { Mismatch } from '../engine/suite.ts';
import { decisionNamedIn, statusDifferences, SUCCESSFUL, type CommandInfo, type MismatchDetail, type StatusExpectation } from '../engine/mismatchDetail.ts';
import { sqeCid } from '../../src/target/ring.ts';
import { lapQueue, type LapEnd, type ReleaseHeld } from './queueLap.ts';

/** How long CSTS.RDY may take to follow CC.EN at most (a target with a timeout of 0 answers at once). */
const READY_TIMEOUT_MS = 2000;

/** A completion as read from a CQ: its fields, its 16 bytes and, when it answers our submit, that command. */
export interface Posted extends Cqe {
  raw: Uint8Array;
  command?: CommandInfo;
}

export function posted(raw: Uint8Array, command?: CommandInfo): Posted {
  // the decoded fields' own object, not a spread copy of it: every completion of every step passes here
  const p: Posted = Object.assign(decodeCqe(raw), { raw });
  if (command) p.command = command;
  return p;
}

/**
 * The command a completion answers, its SQE spelled in hex only when read (a
 * failure report, JSON): most commands never are, and spelling every one
 * was 2% of the check. The bytes are copied, so the spelling is of the SQE
 * as submitted.
 */
function commandInfo(fn: number, qid: number, sqe: Uint8Array): CommandInfo {
  const bytes = sqe.slice();
  return {
    fn,
    qid,
    cid: sqeCid(sqe),
    get sqe(): string {
      return toHex(bytes);
    },
  };
}

/** e.g. `Invalid Command Opcode (SCT 0, SC 0x01, DNR), CID 7 on SQ 0 [cqe 00000000...]` */
export function describePosted(c: Posted): string {
  return `${describeStatus(c)}, CID ${c.cid} on SQ ${c.sqid} [cqe ${toHex(c.raw)}]`;
}

/**
 * What a Mismatch over completion `c` carries: the status fields that differ
 * from `expected` (default: Successful Completion), the command, the CQE
 * bytes and the decision `what` names.
 */
export function postedDetail(what: string, c: Posted, expected: StatusExpectation = SUCCESSFUL): MismatchDetail {
  const decision = decisionNamedIn(what);
  const differences = statusDifferences(expected, c);
  const raw = c.raw;
  return {
    ...(differences.length > 0 ? { differences } : {}),
    ...(decision ? { decision } : {}),
    ...(c.command ? { command: c.command } : {}),
    // spelled when a failure is reported: expectOwn asks for the differences of every completion
    get cqe(): string {
      return toHex(raw);
    },
  };
}

export function isOk(c: Posted): boolean {
  return c.sct === 0 && c.sc === 0;
}

/** A saved copy of a driver's memory of its function. */
export interface DriverState {
  nextCid: number;
  tracker: unknown;
}

/**
 * Queue depths a driver sets up. DEFAULT_DEPTHS, the PF's: a small admin
 * queue, so it wraps on the paths (the QEMU target's own commands on it right
 * after CC.EN = 1 leave it as a fresh one starts, or fit in one pass of the
 * CQ: see enable). A VF's guest takes VF_DEPTHS: small, so its queues wrap
 * on the paths (the SQ head and phase tag are checked across a wrap).
 */
export interface QueueDepths {
  /** admin SQ and CQ entries (2..ADMIN_ENTRIES) */
  admin: number;
  /** entries of every I/O SQ and CQ it creates (2..IO_ENTRIES) */
  io: number;
}

/** 4 admin entries: few enough to wrap on the paths, room for three commands in flight. */
export const DEFAULT_DEPTHS: QueueDepths = { admin: 4, io: IO_ENTRIES };

/**
 * A VF guest's queues: 8 admin entries (with vfQueuePolicy drop, a path sends
 * up to the five LM opcodes in a row that never complete, and a latched Create
 * pair may wait besides), 3 per I/O queue (two commands in flight fit).
 */
export const VF_DEPTHS: QueueDepths = { admin: 8, io: 3 };

export class FunctionDriver {
  readonly plan: FunctionPlan;
  private readonly tracker: QueueTracker;
  private nextCid = 1;

  constructor(
    readonly adapter: Adapter,
    readonly fn: number,
    private readonly timeoutMs: number,
    readonly depths: QueueDepths = DEFAULT_DEPTHS,
  ) {
    for (const [k, max] of [['admin', ADMIN_ENTRIES], ['io', IO_ENTRIES]] as const) {
      const v = depths[k];
      if (!Number.isInteger(v) || v < 2 || v > max) throw new RangeError(`${k} queue depth ${v}: use 2 to ${max} entries (one page of the plan)`);
    }
    this.plan = functionPlan(fn);
    this.tracker = hostQueueTracker(adapter, { timeoutMs });
  }

  /** A CID not in use: counts 1..0xfffe and wraps (the queues are far shallower). */
  cid(): number {
    const c = this.nextCid;
    this.nextCid = c >= 0xfffe ? 1 : c + 1;
    return c;
  }

  /**
   * CC.EN 0->1 with a fresh admin queue pair from the plan, as a host driver
   * does it: a controller found enabled (a target may hand one over running)
   * is disabled first, and completions already on the new admin CQ belong to
   * someone else (the QEMU target provisions its VFs through the PF's queue
   * right after CC.EN = 1): they are consumed and our SQ tail starts at the
   * device's head.
   */
  async enable(): Promise<void> {
    // CC (with CAP, read once) for the tracker's CC write too: it need not read CC again (one round trip less)
    let cc = await this.tracker.ccForEnable(this.fn);
    if ((cc & 1n) === 1n) {
      await this.disable();
      cc = 0n;
    }
    const zero = new Uint8Array(PAGE);
    await this.adapter.memWrite(this.plan.asq, zero);
    await this.adapter.memWrite(this.plan.acq, zero);
    const entries = BigInt(this.depths.admin - 1);
    await this.tracker.regWrite(this.fn, REG.AQA, 4, (entries << 16n) | entries);
    await this.tracker.regWrite(this.fn, REG.ASQ, 8, this.plan.asq);
    await this.tracker.regWrite(this.fn, REG.ACQ, 8, this.plan.acq);
    await this.tracker.regWrite(this.fn, REG.CC, 4, CC_ENABLE, cc);
    if (this.timeoutMs === 0) {
      // a synchronous target is ready, and has posted whatever it posts, within the CC write: the
      // look at the new admin CQ is asked with the CSTS read after it (one round trip on a batch target, the same reads in the same order)
      await together([this.waitReady(true), this.tracker.skipForeignCompletions(this.fn)]);
      return;
    }
    await this.waitReady(true);
    await this.tracker.skipForeignCompletions(this.fn);
  }

  /** CC.EN 1->0: a controller reset (D13; on the PF, D18). */
  async disable(): Promise<void> {
    await this.tracker.regWrite(this.fn, REG.CC, 4, 0n);
    await this.waitReady(false);
  }

  /** CSTS.RDY follows CC.EN within the timeout (at once on synchronous targets); CFS fails at once. */
  private async waitReady(rdy: boolean): Promise<void> {
    const deadline = Date.now() + Math.max(this.timeoutMs, READY_TIMEOUT_MS);
    for (;;) {
      const csts = await this.csts();
      if ((csts & 1) === (rdy ? 1 : 0) && (csts & 2) === 0) return;
      if ((csts & 2) !== 0 || Date.now() >= deadline) {
        throw new Mismatch(`CC.EN ${rdy ? '0->1' : '1->0'} on function ${this.fn}: CSTS`, `RDY ${rdy ? 1 : 0}, CFS 0`, `0x${csts.toString(16)}`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async csts(): Promise<number> {
    return Number(await this.adapter.regRead(this.fn, REG.CSTS, 4));
  }

  /** Submit on queue `qid`; the completion, or null when none came (latched, in flight, dropped). */
  async submit(qid: number, sqe: Uint8Array): Promise<Posted | null> {
    const raw = await this.tracker.submit(this.fn, qid, sqe);
    return raw === null ? null : posted(raw, commandInfo(this.fn, qid, sqe));
  }

  /** submit, and the memory the command writes read right after its completion (QueueTracker.submitReading; `data` null: read it yourself). */
  async submitReading(qid: number, sqe: Uint8Array, reads: readonly AfterRead[]): Promise<{ cqe: Posted | null; data: Uint8Array[] | null }> {
    const { cqe, data } = await this.tracker.submitReading(this.fn, qid, sqe, reads);
    return { cqe: cqe === null ? null : posted(cqe, commandInfo(this.fn, qid, sqe)), data };
  }

  /** Submit `sqes` on queue `qid` in order (as submit each; fewer round trips on a synchronous target: QueueTracker.submitRun). */
  async submitRun(qid: number, sqes: readonly Uint8Array[]): Promise<Array<Posted | null>> {
    const raws = await this.tracker.submitRun(this.fn, qid, sqes);
    return raws.map((raw, i) => (raw === null ? null : posted(raw, commandInfo(this.fn, qid, sqes[i]))));
  }

  /** Completions posted since, that no submit claimed. */
  async reap(): Promise<Posted[]> {
    return (await this.tracker.reap(this.fn)).map((raw) => posted(raw));
  }

  /** Run fresh queue `qid` round with no-ops until its CQ wrapped, or one completion past (queueLap.ts); `release` completes a held one. */
  async lap(qid: number, label: string, until: LapEnd, release?: ReleaseHeld): Promise<void> {
    await lapQueue(this.tracker, this.fn, qid, { cid: () => this.cid(), nsid: NSID, label, until, ...(release ? { release } : {}) });
  }

  /** The function was reset behind the tracker's back (FLR, or a PF reset taking its VFs along: D18). */
  forget(): void {
    this.tracker.forgetFunction(this.fn);
  }

  save(): DriverState {
    return { nextCid: this.nextCid, tracker: this.tracker.saveState() };
  }

  restore(s: DriverState): void {
    this.nextCid = s.nextCid;
    this.tracker.restoreState(s.tracker);
  }

  /** Learn from a Create/Delete I/O queue command whose success arrived through reap (latched, D11). */
  adopt(sqe: Uint8Array): void {
    this.tracker.adopt(this.fn, sqe);
  }

  /** Identify with CNS `cns` (4096 bytes) through this function's own admin queue; it must succeed. */
  async identify(cns: number, what = `Identify CNS ${cns.toString(16)}h`): Promise<Uint8Array> {
    await this.adapter.memWrite(this.plan.scratch, new Uint8Array(PAGE));
    const { cqe: c, data } = await this.submitReading(0, sqeFor.identify(this.cid(), cns, this.plan.scratch), [{ addr: this.plan.scratch, len: IDENTIFY_SIZE }]);
    if (c === null || !isOk(c)) throw new Mismatch(`${what} on function ${this.fn}`, 'Successful Completion', c === null ? 'no completion' : describePosted(c));
    return data?.[0] ?? this.adapter.memRead(this.plan.scratch, IDENTIFY_SIZE);
  }

  /** Identify Controller byte 3072 (D2), read through this function's own admin queue. */
  async capabilityByte(): Promise<number> {
    return (await this.identify(CNS_CONTROLLER, 'Identify Controller'))[LM_CAPABILITY_OFFSET];
  }

  /** The two commands that create I/O queue pair `qid` (CQ first), with the queue memory cleared. */
  async createPairCommands(qid: number): Promise<[Uint8Array, Uint8Array]> {
    await this.adapter.memWrite(this.plan.ioSq(qid), new Uint8Array(PAGE));
    await this.adapter.memWrite(this.plan.ioCq(qid), new Uint8Array(PAGE));
    return [sqeFor.createIoCq(this.cid(), qid, this.depths.io, this.plan.ioCq(qid)), sqeFor.createIoSq(this.cid(), qid, this.depths.io, this.plan.ioSq(qid), qid)];
  }

  /** The two commands that delete I/O queue pair `qid` (SQ first). */
  deletePairCommands(qid: number): [Uint8Array, Uint8Array] {
    return [sqeFor.deleteIoSq(this.cid(), qid), sqeFor.deleteIoCq(this.cid(), qid)];
  }
}

/** The only namespace (NVMe: NSID 1). */
export const NSID = 1;

/** LBAs of function fn: its own range, so VFs sharing the namespace never write each other's blocks. */
export const LBAS_PER_FUNCTION = 0x2000;

export function lbaOf(fn: number, seq: number): number {
  return fn * LBAS_PER_FUNCTION + (seq % LBAS_PER_FUNCTION);
}

/** The 512 bytes the guest writes to `lba`: the LBA itself first (readable in a dump), then a pattern. */
export function blockPattern(lba: number): Uint8Array {
  const b = new Uint8Array(BLOCK);
  new DataView(b.buffer).setUint32(0, lba, true);
  for (let i = 4; i < BLOCK; i++) b[i] = (lba * 131 + i * 7 + 0x5a) & 0xff;
  return b;
}

/** Write the pattern of `lba` into data slot `seq % DATA_SLOTS` and build the Write command. */
export async function writeCommand(d: FunctionDriver, seq: number, lba: number, cid: number): Promise<Uint8Array> {
  const buf = d.plan.data(seq % DATA_SLOTS);
  await d.adapter.memWrite(buf, blockPattern(lba));
  return sqeFor.write(cid, NSID, BigInt(lba), 1, buf);
}

/** The Read command that reads `lba` back into the function's read buffer (cleared first). */
export async function readCommand(d: FunctionDriver, lba: number, cid: number): Promise<Uint8Array> {
  await d.adapter.memWrite(d.plan.readBuffer, new Uint8Array(BLOCK));
  return sqeFor.read(cid, NSID, BigInt(lba), 1, d.plan.readBuffer);
}

/** The read buffer's bytes as a Read leaves them (readCommand), for submitReading to read with its completion. */
export function readBufferRead(d: FunctionDriver): AfterRead {
  return { addr: d.plan.readBuffer, len: BLOCK };
}

/** Compare the read buffer (`read`: its bytes, read with the completion; else read now) with `lba`'s pattern; a message naming the first differing byte, or null. */
export async function checkReadBack(d: FunctionDriver, lba: number, read?: Uint8Array): Promise<string | null> {
  const got = read ?? (await d.adapter.memRead(d.plan.readBuffer, BLOCK));
  const want = blockPattern(lba);
  const i = want.findIndex((b, k) => got[k] !== b);
  if (i < 0) return null;
  return `byte ${i} is 0x${got[i].toString(16).padStart(2, '0')}, written 0x${want[i].toString(16).padStart(2, '0')} (first 16 bytes read: ${toHex(got.subarray(0, 16))})`;
}
