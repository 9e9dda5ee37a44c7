// A deliberately broken QEMU: an Adapter in front of a real one that watches
// the queues the tester sets up (admin queues from AQA/ASQ/ACQ writes, I/O
// queues from the Create commands it sees written into an admin SQ) and
// changes completions as the tester reads them from host memory:
//
// | break          | what the tester sees                                                        |
// |----------------|-----------------------------------------------------------------------------|
// | none           | exactly what the device posted                                              |
// | vf-c4-success  | 0xC4 on a VF admin queue completes with success instead of Invalid Command Opcode (D1, D17) |
// | drop-vf-write  | the first NVM Write completion on a VF I/O queue after each reset never appears (I2) |
//
// test/verify/qemu/proxy.ts serves it over JSON lines in front of
// `nvme-lm serve --qemu`, so verify meets it as a separate program.
import type { Adapter, ResetOptions } from '../../../src/target/adapter.ts';
import { CQE_SIZE } from '../../../src/wire/cqe.ts';
import { SQE_SIZE } from '../../../src/wire/sqe.ts';
import { ADMIN, LM, NVM } from '../../../src/wire/opcodes.ts';
import { REG } from '../../../src/wire/registers.ts';

export const BREAKS = ['none', 'vf-c4-success', 'drop-vf-write'] as const;
export type Break = (typeof BREAKS)[number];

interface Ring {
  fn: number;
  qid: number;
  base: bigint;
  entries: number;
}

interface AdminRegs {
  aqa: number;
  asq: bigint;
  acq: bigint;
}

/** Completion status bits in CQE bytes 15:14 (DW3 31:17 shifted down by 16): SC 8:1, SCT 11:9, DNR 15. */
const STATUS_MASK = 0xfffe;
const INVALID_COMMAND_OPCODE = 0x01;

const u16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number): bigint => BigInt(u32(b, at)) | (BigInt(u32(b, at + 4)) << 32n);

export class BreakingAdapter implements Adapter {
  private readonly regs = new Map<number, AdminRegs>();
  private readonly sqs = new Map<string, Ring>();
  private readonly cqs = new Map<string, Ring>();
  /** the opcode last written with each CID on each queue: `fn/sqid/cid` */
  private readonly opcodes = new Map<string, number>();
  /** the completion drop-vf-write hides: its CQ slot and command */
  private dropped: { slot: bigint; command: string } | null = null;
  /** completions changed or hidden so far (a test can see the break fired) */
  changed = 0;

  constructor(
    private readonly inner: Adapter,
    readonly mode: Break,
  ) {
    if (inner.completeIo) this.completeIo = inner.completeIo.bind(inner);
  }

  completeIo?: (fn: number, count?: number) => Promise<number>;

  async reset(o: ResetOptions): Promise<void> {
    this.regs.clear();
    this.sqs.clear();
    this.cqs.clear();
    this.opcodes.clear();
    this.dropped = null;
    await this.inner.reset(o);
  }

  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    const r = this.regs.get(fn) ?? { aqa: 0, asq: 0n, acq: 0n };
    const dwords: Array<[number, bigint]> = [[offset, value & 0xffff_ffffn]];
    if (width === 8) dwords.push([offset + 4, value >> 32n]);
    for (const [at, v] of dwords) {
      if (at === REG.AQA) r.aqa = Number(v);
      else if (at === REG.ASQ) r.asq = (r.asq & ~0xffff_ffffn) | v;
      else if (at === REG.ASQ + 4) r.asq = (r.asq & 0xffff_ffffn) | (v << 32n);
      else if (at === REG.ACQ) r.acq = (r.acq & ~0xffff_ffffn) | v;
      else if (at === REG.ACQ + 4) r.acq = (r.acq & 0xffff_ffffn) | (v << 32n);
    }
    this.regs.set(fn, r);
    if (r.asq === 0n || r.acq === 0n) return this.inner.regWrite(fn, offset, width, value);
    this.sqs.set(`${fn}/0`, { fn, qid: 0, base: r.asq & ~0xfffn, entries: (r.aqa & 0xfff) + 1 });
    this.cqs.set(`${fn}/0`, { fn, qid: 0, base: r.acq & ~0xfffn, entries: ((r.aqa >>> 16) & 0xfff) + 1 });
    await this.inner.regWrite(fn, offset, width, value);
  }

  regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    return this.inner.regRead(fn, offset, width);
  }

  /** Learn the commands written into submission queues (and the I/O queues an admin queue creates). */
  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    for (const sq of this.sqs.values()) {
      for (const { at } of slots(sq, SQE_SIZE, addr, data.length)) {
        const sqe = data.subarray(at, at + SQE_SIZE);
        if (sqe.every((b) => b === 0)) continue; // queue memory being cleared
        const opcode = sqe[0];
        this.opcodes.set(`${sq.fn}/${sq.qid}/${u16(sqe, 2)}`, opcode);
        if (sq.qid !== 0 || (opcode !== ADMIN.CREATE_IO_CQ && opcode !== ADMIN.CREATE_IO_SQ)) continue;
        const cdw10 = u32(sqe, 40);
        const ring: Ring = { fn: sq.fn, qid: cdw10 & 0xffff, base: u64(sqe, 24), entries: (cdw10 >>> 16) + 1 };
        (opcode === ADMIN.CREATE_IO_CQ ? this.cqs : this.sqs).set(`${sq.fn}/${ring.qid}`, ring);
      }
    }
    await this.inner.memWrite(addr, data);
  }

  /** Completions read from a completion queue, changed as the break says. */
  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    const data = await this.inner.memRead(addr, len);
    if (this.mode === 'none') return data;
    const out = new Uint8Array(data);
    for (const cq of this.cqs.values()) {
      for (const { at, slot } of slots(cq, CQE_SIZE, addr, len)) {
        const cqe = out.subarray(at, at + CQE_SIZE);
        const sqid = u16(cqe, 10);
        const command = `${cq.fn}/${sqid}/${u16(cqe, 12)}`;
        const opcode = this.opcodes.get(command);
        if (this.mode === 'vf-c4-success' && cq.fn >= 1 && sqid === 0 && opcode === LM.QUERY && isInvalidOpcode(cqe)) {
          succeed(cqe);
          this.changed++;
        }
        if (this.mode === 'drop-vf-write' && cq.fn >= 1 && sqid !== 0 && opcode === NVM.WRITE) {
          this.dropped ??= { slot, command };
          if (this.dropped.slot === slot && this.dropped.command === command) {
            cqe[14] ^= 1; // the phase tag of an entry not yet posted: the completion never arrives
            this.changed++;
          }
        }
      }
    }
    return out;
  }

  /** The convenience op, broken the same way. */
  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    const raw = await this.inner.submit(fn, qid, sqe);
    if (raw === null || fn === 0) return raw;
    const cqe = new Uint8Array(raw);
    if (this.mode === 'vf-c4-success' && qid === 0 && sqe[0] === LM.QUERY && isInvalidOpcode(cqe)) {
      succeed(cqe);
      this.changed++;
    }
    if (this.mode === 'drop-vf-write' && qid !== 0 && sqe[0] === NVM.WRITE && this.dropped === null) {
      this.dropped = { slot: -1n, command: `${fn}/${qid}/${u16(sqe, 2)}` };
      this.changed++;
      return null;
    }
    return cqe;
  }

  flr(fn: number): Promise<void> {
    return this.inner.flr(fn);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** SCT 0, SC 0x01: Invalid Command Opcode (DNR aside). */
function isInvalidOpcode(cqe: Uint8Array): boolean {
  return (u16(cqe, 14) & 0x0ffe) === INVALID_COMMAND_OPCODE << 1;
}

/** Successful Completion: clear SC, SCT, CRD, More and DNR, keep the phase tag. */
function succeed(cqe: Uint8Array): void {
  const status = u16(cqe, 14) & ~STATUS_MASK;
  cqe[14] = status & 0xff;
  cqe[15] = status >> 8;
}

/** The ring slots of `ring` that [addr, addr + len) covers whole: offset into the data and slot address. */
function slots(ring: Ring, size: number, addr: bigint, len: number): Array<{ at: number; slot: bigint }> {
  const out: Array<{ at: number; slot: bigint }> = [];
  const end = addr + BigInt(len);
  const ringEnd = ring.base + BigInt(ring.entries * size);
  if (ring.entries <= 0 || end <= ring.base || addr >= ringEnd) return out;
  const first = addr <= ring.base ? 0n : (addr - ring.base + BigInt(size - 1)) / BigInt(size);
  for (let i = first; ; i++) {
    const slot = ring.base + i * BigInt(size);
    if (slot + BigInt(size) > end || slot >= ringEnd) break;
    out.push({ at: Number(slot - addr), slot });
  }
  return out;
}
