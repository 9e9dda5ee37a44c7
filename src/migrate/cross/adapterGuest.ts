// A guest on VF k of a target behind an Adapter, driving its own rings with
// plain memory and doorbell writes (no tracker): the queues it uses on the
// destination were made by Set State, which no adapter's tracker saw. One
// I/O queue pair; every write carries a stamp so a read-back proves it.
import type { Adapter } from '../../target/adapter.ts';
import { CQE_SIZE, decodeCqe } from '../../wire/cqe.ts';
import { sqeFor } from '../../wire/adminCommands.ts';
import { CC_ENABLE, cqHeadDoorbell, REG, sqTailDoorbell } from '../../wire/registers.ts';
import { SQE_SIZE } from '../../wire/sqe.ts';

const PAGE = 0x1000n;
const ADMIN_ENTRIES = 16;
/** I/O queue entries: one page of SQEs */
export const IO_ENTRIES = 64;
const BLOCK = 512;
const NSID = 1;
const POLL_MS = 1000;
/** how long outstanding I/O may take to complete (QEMU completes through its own event loop) */
const DRAIN_MS = 300;

/** The guest's memory: admin SQ/CQ, I/O SQ/CQ, then one data page per I/O command slot (CID = slot). */
export function guestPages(base: bigint): { asq: bigint; acq: bigint; iosq: bigint; iocq: bigint; data: bigint; bytes: number } {
  return { asq: base, acq: base + PAGE, iosq: base + 2n * PAGE, iocq: base + 3n * PAGE, data: base + 4n * PAGE, bytes: Number((4n + BigInt(IO_ENTRIES)) * PAGE) };
}

interface Ring {
  qid: number;
  sq: bigint;
  cq: bigint;
  entries: number;
  tail: number;
  head: number;
  phase: number;
}

export interface GuestWrite {
  cid: number;
  lba: number;
  stamp: number;
  /** completions seen for this command: exactly one is right */
  completions: number;
  status?: number;
  /** the side whose CQ its completion was reaped from */
  reapedOn?: string;
}

export class AdapterGuest {
  private readonly mem: ReturnType<typeof guestPages>;
  private readonly admin: Ring;
  private readonly io: Ring;
  private nextStamp = 1;
  private adminCid = 0;
  readonly writes: GuestWrite[] = [];
  /** completions for a CID nothing was outstanding on */
  readonly strays: string[] = [];
  private outstanding = new Map<number, GuestWrite>();

  constructor(
    private target: Adapter,
    private sideName: string,
    readonly fn: number,
    base: bigint,
  ) {
    this.mem = guestPages(base);
    this.admin = { qid: 0, sq: this.mem.asq, cq: this.mem.acq, entries: ADMIN_ENTRIES, tail: 0, head: 0, phase: 1 };
    this.io = { qid: 1, sq: this.mem.iosq, cq: this.mem.iocq, entries: IO_ENTRIES, tail: 0, head: 0, phase: 1 };
  }

  get memory(): { base: bigint; bytes: number } {
    return { base: this.mem.asq, bytes: this.mem.bytes };
  }

  /** CC.EN = 1 on the guest's admin queue (at slot 0), as a guest driver does at boot. */
  async enable(target: Adapter = this.target): Promise<void> {
    const n = ADMIN_ENTRIES - 1;
    await target.memWrite(this.mem.asq, new Uint8Array(2 * Number(PAGE)));
    await target.regWrite(this.fn, REG.AQA, 4, BigInt((n << 16) | n));
    await target.regWrite(this.fn, REG.ASQ, 8, this.mem.asq);
    await target.regWrite(this.fn, REG.ACQ, 8, this.mem.acq);
    await target.regWrite(this.fn, REG.CC, 4, CC_ENABLE);
    const deadline = Date.now() + POLL_MS;
    while (((await target.regRead(this.fn, REG.CSTS, 4)) & 1n) !== 1n) {
      if (Date.now() > deadline) throw new Error(`VF ${this.fn} did not become ready after CC.EN=1: is it online?`);
    }
  }

  /** Boot: enable, then one I/O CQ/SQ pair. */
  async boot(): Promise<void> {
    await this.enable();
    await this.target.memWrite(this.io.sq, new Uint8Array(2 * Number(PAGE)));
    await this.adminCommand(sqeFor.createIoCq(0, 1, IO_ENTRIES, this.io.cq));
    await this.adminCommand(sqeFor.createIoSq(0, 1, IO_ENTRIES, this.io.sq, 1));
  }

  private async adminCommand(sqe: Uint8Array): Promise<void> {
    const cid = ++this.adminCid;
    sqe[2] = cid & 0xff;
    sqe[3] = cid >> 8;
    await this.push(this.admin, sqe);
    await this.ring(this.admin);
    const deadline = Date.now() + POLL_MS;
    for (;;) {
      const cqes = await this.poll(this.admin);
      const mine = cqes.find((c) => c.cid === cid);
      if (mine) {
        if (mine.sc !== 0 || mine.sct !== 0) throw new Error(`VF ${this.fn} admin opcode 0x${sqe[0].toString(16)} failed: SCT ${mine.sct} SC 0x${mine.sc.toString(16)}`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`VF ${this.fn} admin opcode 0x${sqe[0].toString(16)} never completed`);
    }
  }

  /** Queue `count` stamped writes on the I/O SQ (not yet rung); the LBAs follow on from the last. */
  async queueWrites(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      if (this.outstanding.size >= IO_ENTRIES - 1) throw new Error(`the guest's I/O queue holds ${IO_ENTRIES - 1} commands at most`);
      const cid = this.freeCid();
      const w: GuestWrite = { cid, lba: this.writes.length, stamp: this.nextStamp++, completions: 0 };
      const page = this.mem.data + BigInt(cid) * PAGE;
      await this.target.memWrite(page, stampBlock(w.stamp));
      await this.push(this.io, sqeFor.write(cid, NSID, BigInt(w.lba), 1, page));
      this.writes.push(w);
      this.outstanding.set(cid, w);
    }
  }

  /** Ring the I/O SQ's tail doorbell: the controller may fetch (or, suspended, latch it: D11). */
  ringIo(): Promise<void> {
    return this.ring(this.io);
  }

  /** Reap every completion the I/O CQ holds, counting each against its command. */
  async reapIo(): Promise<number> {
    const cqes = await this.poll(this.io);
    for (const c of cqes) {
      const w = this.outstanding.get(c.cid);
      if (!w) {
        this.strays.push(`${this.sideName}: CID ${c.cid} completed with nothing outstanding (a duplicate or an invented completion)`);
        continue;
      }
      w.completions++;
      w.status = (c.sct << 8) | c.sc;
      w.reapedOn = this.sideName;
      this.outstanding.delete(c.cid);
    }
    return cqes.length;
  }

  /** Reap until nothing is outstanding or `ms` pass. */
  async drainIo(ms = DRAIN_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.outstanding.size > 0 && Date.now() < deadline) await this.reapIo();
  }

  get inFlight(): number {
    return this.outstanding.size;
  }

  /** The guest now runs on `target` (its memory was copied there). */
  moveTo(target: Adapter, sideName: string): void {
    this.target = target;
    this.sideName = sideName;
  }

  /** Read `w`'s block back on the current side: true when it holds the stamp written. */
  async readBack(w: GuestWrite): Promise<boolean> {
    const cid = this.freeCid();
    const page = this.mem.data + BigInt(cid) * PAGE;
    await this.target.memWrite(page, new Uint8Array(BLOCK));
    const probe: GuestWrite = { cid, lba: w.lba, stamp: 0, completions: 0 };
    this.outstanding.set(cid, probe);
    await this.push(this.io, sqeFor.read(cid, NSID, BigInt(w.lba), 1, page));
    await this.ring(this.io);
    await this.drainIo();
    if (probe.completions !== 1 || probe.status !== 0) return false;
    const got = await this.target.memRead(page, BLOCK);
    return Buffer.from(got).equals(Buffer.from(stampBlock(w.stamp)));
  }

  private freeCid(): number {
    for (let cid = 1; cid < IO_ENTRIES; cid++) if (!this.outstanding.has(cid)) return cid;
    throw new Error('no free CID: reap completions first');
  }

  private async push(r: Ring, sqe: Uint8Array): Promise<void> {
    await this.target.memWrite(r.sq + BigInt(r.tail * SQE_SIZE), sqe);
    r.tail = (r.tail + 1) % r.entries;
  }

  private ring(r: Ring): Promise<void> {
    return this.target.regWrite(this.fn, sqTailDoorbell(r.qid), 4, BigInt(r.tail));
  }

  private async poll(r: Ring): Promise<ReturnType<typeof decodeCqe>[]> {
    const out: ReturnType<typeof decodeCqe>[] = [];
    for (;;) {
      const c = decodeCqe(await this.target.memRead(r.cq + BigInt(r.head * CQE_SIZE), CQE_SIZE));
      if (c.phase !== r.phase) break;
      out.push(c);
      r.head = (r.head + 1) % r.entries;
      if (r.head === 0) r.phase ^= 1;
    }
    if (out.length > 0) await this.target.regWrite(this.fn, cqHeadDoorbell(r.qid), 4, BigInt(r.head));
    return out;
  }
}

/** One block whose every dword is the stamp: a read-back of another write, or of nothing, differs. */
function stampBlock(stamp: number): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = new DataView(b.buffer);
  for (let i = 0; i < BLOCK; i += 4) v.setUint32(i, stamp ^ i, true);
  return b;
}
