// Host side for the emulator tests: sets up admin and I/O queues in host
// memory and submits through SQ memory + doorbells, collecting completions by
// phase tag as a host driver does. Nothing here reaches into the emulator's
// internals: only regWrite/regRead, memory, and the device's public API.
// Slots, wraps, phase tags and claiming come from src/target/ring.ts.
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { DeviceOptions } from '../../src/emulator/options.ts';
import { decodeCqe, type Cqe } from '../../src/wire/cqe.ts';
import { CC_ENABLE, cqHeadDoorbell, REG, sqTailDoorbell } from '../../src/wire/registers.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { encodeLmCommand, type LmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { isSuccess } from '../../src/wire/status.ts';
import { claimCompletion, cqTake, newCq, newSq, sqeCid, sqPush, type CqRing, type SqRing } from '../../src/target/ring.ts';
import { PageBump } from '../../src/target/pageBump.ts';

interface HostSq extends SqRing {
  base: number;
  cqid: number;
}
interface HostCq extends CqRing {
  base: number;
}

/** A completion together with where it was found. */
export interface Completion extends Cqe {
  fn: number;
  cqid: number;
}

export class Host {
  private readonly memory: PageBump;
  private sqs = new Map<string, HostSq>();
  private cqs = new Map<string, HostCq>();
  /** completions reaped but not returned by `submit` (e.g. posted late, after RESUME) */
  readonly stray: Completion[] = [];
  private cid = 1;

  constructor(
    readonly dev: EmulatedDevice,
    /** where this host allocates memory (two hosts on one memory keep apart) */
    base = 0x10_0000,
  ) {
    this.memory = new PageBump(base);
  }

  /** Allocate and map page-aligned host memory. */
  alloc(bytes: number): number {
    const { at, len } = this.memory.take(bytes);
    this.dev.memory.map(at, len);
    return at;
  }

  nextCid(): number {
    this.cid = (this.cid % 0xfffe) + 1;
    return this.cid;
  }

  /** Program AQA/ASQ/ACQ and set CC.EN. */
  enable(fn: number, entries = 32): void {
    const asq = this.alloc(entries * 64);
    const acq = this.alloc(entries * 16);
    this.dev.regWrite(fn, REG.AQA, 4, BigInt(((entries - 1) << 16) | (entries - 1)));
    this.dev.regWrite(fn, REG.ASQ, 8, BigInt(asq));
    this.dev.regWrite(fn, REG.ACQ, 8, BigInt(acq));
    this.dev.regWrite(fn, REG.CC, 4, CC_ENABLE);
    this.sqs.set(`${fn}:0`, { ...newSq(entries), base: asq, cqid: 0 });
    this.cqs.set(`${fn}:0`, { ...newCq(entries), base: acq });
  }

  /** Forget a function's queues (after FLR or a controller reset the host starts over). */
  forget(fn: number): void {
    for (const k of [...this.sqs.keys()]) if (k.startsWith(`${fn}:`)) this.sqs.delete(k);
    for (const k of [...this.cqs.keys()]) if (k.startsWith(`${fn}:`)) this.cqs.delete(k);
  }

  /**
   * The guest of function `fn` moves to another device (live migration): a
   * host on `dev` that knows `fn`'s queues exactly as this one does.
   */
  guestOn(dev: EmulatedDevice, fn: number, base: number): Host {
    const h = new Host(dev, base);
    h.cid = this.cid;
    for (const [k, q] of this.sqs) if (k.startsWith(`${fn}:`)) h.sqs.set(k, { ...q });
    for (const [k, q] of this.cqs) if (k.startsWith(`${fn}:`)) h.cqs.set(k, { ...q });
    return h;
  }

  /** Create I/O CQ then SQ `qid` (bound to CQ `cqid`, default the same id) through the admin queue. */
  createIoPair(fn: number, qid: number, entries = 16, cqid = qid): void {
    if (!this.cqs.has(`${fn}:${cqid}`)) {
      const cqBase = this.alloc(entries * 16);
      const c = this.submit(fn, 0, sqeFor.createIoCq(this.nextCid(), cqid, entries, BigInt(cqBase)));
      if (!c || !isSuccess(c)) throw new Error(`Create I/O CQ ${cqid} on function ${fn} failed: ${JSON.stringify(c)}`);
      this.cqs.set(`${fn}:${cqid}`, { ...newCq(entries), base: cqBase });
    }
    const sqBase = this.alloc(entries * 64);
    const s = this.submit(fn, 0, sqeFor.createIoSq(this.nextCid(), qid, entries, BigInt(sqBase), cqid));
    if (!s || !isSuccess(s)) throw new Error(`Create I/O SQ ${qid} on function ${fn} failed: ${JSON.stringify(s)}`);
    this.sqs.set(`${fn}:${qid}`, { ...newSq(entries), base: sqBase, cqid });
  }

  /** Write the SQE at the tail and ring the doorbell; returns the CID in the SQE. */
  post(fn: number, qid: number, sqe: Uint8Array): number {
    const sq = this.sqs.get(`${fn}:${qid}`);
    if (!sq) throw new Error(`function ${fn} has no SQ ${qid} in this host`);
    this.dev.memory.write(sq.base + sq.tail * 64, sqe);
    const pushed = sqPush(sq);
    this.sqs.set(`${fn}:${qid}`, pushed);
    this.dev.regWrite(fn, sqTailDoorbell(qid), 4, BigInt(pushed.tail));
    return sqeCid(sqe);
  }

  /** Read every new completion of CQ `cqid` (phase tag) and ring its head doorbell. */
  reap(fn: number, cqid: number): Completion[] {
    const known = this.cqs.get(`${fn}:${cqid}`);
    if (!known) return [];
    let cq: HostCq = known;
    const out: Completion[] = [];
    for (;;) {
      const bytes = this.dev.memory.read(cq.base + cq.head * 16, 16);
      const next = cqTake(cq, bytes);
      if (!next) break;
      out.push({ ...decodeCqe(bytes), fn, cqid });
      cq = next;
    }
    this.cqs.set(`${fn}:${cqid}`, cq);
    if (out.length > 0) this.dev.regWrite(fn, cqHeadDoorbell(cqid), 4, BigInt(cq.head));
    return out;
  }

  /** Reap every CQ of every function this host knows. */
  reapAll(): Completion[] {
    const out: Completion[] = [];
    for (const k of this.cqs.keys()) {
      const [fn, cqid] = k.split(':').map(Number);
      out.push(...this.reap(fn, cqid));
    }
    return out;
  }

  /**
   * Submit and return the completion carrying this SQE's CID and SQ id, or
   * null if none arrived (dropped, latched while suspended, or in flight).
   * Other completions reaped on the way go to `stray`.
   */
  submit(fn: number, qid: number, sqe: Uint8Array): Completion | null {
    const cid = this.post(fn, qid, sqe);
    return this.claim(this.reap(fn, this.sqs.get(`${fn}:${qid}`)!.cqid), qid, cid);
  }

  /** The completion of (sqid, cid) among `reaped`, or null; the others go to `stray`. */
  private claim(reaped: Completion[], sqid: number, cid: number): Completion | null {
    const { hit, rest } = claimCompletion(reaped, sqid, cid, (c) => c);
    this.stray.push(...rest);
    return hit ?? null;
  }

  /** An LM command on the PF admin queue. */
  lm(cmd: Omit<LmCommand, 'cid'> & { cid?: number }): Completion | null {
    return this.submit(0, 0, encodeLmCommand({ cid: this.nextCid(), ...cmd }));
  }

  suspend(vf: number): Completion | null {
    return this.lm({ opcode: LM.SUSPEND, vfIndex: vf });
  }
  resume(vf: number): Completion | null {
    return this.lm({ opcode: LM.RESUME, vfIndex: vf });
  }
  query(vf: number): Completion | null {
    return this.lm({ opcode: LM.QUERY, vfIndex: vf });
  }

  /**
   * SAVE VF `vf` into a fresh buffer; returns the completion and the bytes
   * QUERY said it would write. A SAVE of a VF with I/O in flight (deferred)
   * is held until that I/O completes (D12): `cqe` is then null, unless
   * `drain` is set, which completes the VF's I/O (as the device would in
   * time) and collects the SAVE's completion from the PF admin queue.
   */
  save(vf: number, opts: { drain?: boolean } = {}): { cqe: Completion | null; data: Uint8Array; buffer: number; held: boolean } {
    const size = this.query(vf)!.dw0;
    const buffer = this.alloc(Math.max(size, 1) + PAGE);
    const cid = this.nextCid();
    let cqe = this.submit(0, 0, encodeLmCommand({ opcode: LM.SAVE, cid, vfIndex: vf, prp1: BigInt(buffer), prp2: BigInt(buffer + PAGE) }));
    const held = cqe === null;
    if (held && opts.drain) {
      this.dev.completeIo(vf);
      cqe = this.claim(this.reap(0, 0), 0, cid);
    }
    return { cqe, data: this.dev.memory.read(buffer, size), buffer, held };
  }

  /** LOAD `data` into VF `vf` from a fresh buffer (size defaults to data.length). */
  load(vf: number, data: Uint8Array, size = data.length): Completion | null {
    const buffer = this.alloc(Math.max(data.length, 1) + PAGE);
    this.dev.memory.write(buffer, data);
    return this.lm({ opcode: LM.LOAD, vfIndex: vf, prp1: BigInt(buffer), prp2: BigInt(buffer + PAGE), size });
  }

  /** Write `blocks` LBAs of `fill` bytes from a fresh buffer through I/O queue `qid`. */
  write(fn: number, qid: number, slba: number, blocks: number, fill: number): Completion | null {
    const buf = this.alloc(blocks * 512);
    this.dev.memory.write(buf, new Uint8Array(blocks * 512).fill(fill));
    return this.submit(fn, qid, sqeFor.write(this.nextCid(), 1, BigInt(slba), blocks, BigInt(buf), BigInt(buf + PAGE)));
  }

  /** Read `blocks` LBAs into a fresh buffer; returns the completion and the data. */
  read(fn: number, qid: number, slba: number, blocks: number): { cqe: Completion | null; data: Uint8Array } {
    const buf = this.alloc(blocks * 512);
    const cqe = this.submit(fn, qid, sqeFor.read(this.nextCid(), 1, BigInt(slba), blocks, BigInt(buf), BigInt(buf + PAGE)));
    return { cqe, data: this.dev.memory.read(buf, blocks * 512) };
  }
}

/** A device plus a host with the PF and the given VFs enabled. */
export function setup(options: DeviceOptions = {}, enableVfs = true): { dev: EmulatedDevice; host: Host } {
  const dev = new EmulatedDevice(options);
  const host = new Host(dev);
  host.enable(0);
  if (enableVfs) for (let vf = 1; vf <= dev.vfs; vf++) host.enable(vf);
  return { dev, host };
}

/** Compact status for assertions: { sct, sc, dnr }. */
export function status(c: Cqe | null): { sct: number; sc: number; dnr: boolean } | null {
  return c === null ? null : { sct: c.sct, sc: c.sc, dnr: c.dnr };
}
