// Which queues a suite used and which of them wrapped, seen from the target's
// side: every doorbell write goes through this adapter. A queue is used once
// its doorbell is written. An SQ wrapped when its tail doorbell was written 0
// (a tail moves back to 0 only by passing the ring's last slot: a new queue
// starts at 0 and its first doorbell write is 1). A CQ wrapped when the host
// consumed a completion the controller posted after wrapping it: the slot a
// head doorbell write hands back carries phase tag 0 (the first pass posts 1,
// and the host never consumes a slot still holding the old tag), so the
// phase tag's inversion was checked; a head doorbell written 0 alone is not a
// wrap. The CQ's ring is where ACQ or a Create I/O CQ the host wrote into the
// function's admin SQ put it. Snapshot restores and re-created queues are
// never taken for a wrap. Doorbells at BAR0 0x1000 with stride 4 (CAP.DSTRD
// 0, as the emulator has it).
import type { Adapter } from '../../src/target/adapter.ts';
import { queueChange } from '../../src/target/queueCommands.ts';
import { CQE_SIZE, decodeCqe } from '../../src/wire/cqe.ts';
import { PAGE_MASK } from '../../src/wire/page.ts';
import { decodeDoorbell, REG } from '../../src/wire/registers.ts';
import { SQE_SIZE } from '../../src/wire/sqe.ts';

const LO = 0xffffffffn;

/** A 64-bit register written whole or as two dwords. */
function register(old: bigint, offset: number, at: number, width: 4 | 8, value: bigint): bigint {
  if (offset === at) return width === 8 ? value : (old & ~LO) | (value & LO);
  return offset === at + 4 ? (old & LO) | ((value & LO) << 32n) : old;
}

export class DoorbellWatch {
  readonly used = new Set<string>();
  readonly wrapped = new Set<string>();
  /** per function: the admin SQ's base (where Create I/O CQ commands are read) and every CQ's base by CQ id */
  private readonly asq = new Map<number, bigint>();
  private readonly cqBase = new Map<string, bigint>();

  /** `inner` with its doorbell writes recorded (no batch: every write passes one by one). */
  adapter(inner: Adapter): Adapter {
    const a: Adapter = {
      reset: (o) => inner.reset(o),
      regWrite: async (fn, offset, width, value) => {
        if (offset >= REG.ACQ - 8 && offset < REG.ACQ + 8) this.learnAdmin(fn, offset, width, value);
        if (offset >= 0x1000) await this.record(inner, fn, offset, value);
        return inner.regWrite(fn, offset, width, value);
      },
      regRead: (fn, offset, width) => inner.regRead(fn, offset, width),
      memWrite: (addr, data) => {
        if (data.length === SQE_SIZE) this.learnCq(addr, data);
        return inner.memWrite(addr, data);
      },
      memRead: (addr, len) => inner.memRead(addr, len),
      submit: (fn, qid, sqe) => inner.submit(fn, qid, sqe),
      flr: (fn) => inner.flr(fn),
      close: () => inner.close(),
    };
    if (inner.completeIo) a.completeIo = inner.completeIo.bind(inner);
    if (inner.snapshot && inner.restore) {
      a.snapshot = inner.snapshot.bind(inner);
      a.restore = inner.restore.bind(inner);
    }
    return a;
  }

  /** Used queues that never wrapped, e.g. `function 0 SQ 0`. */
  unwrapped(): string[] {
    return [...this.used].filter((q) => !this.wrapped.has(q)).sort();
  }

  private learnAdmin(fn: number, offset: number, width: 4 | 8, value: bigint): void {
    this.asq.set(fn, register(this.asq.get(fn) ?? 0n, offset, REG.ASQ, width, value));
    const acq = register(this.cqBase.get(`${fn}:0`) ?? 0n, offset, REG.ACQ, width, value);
    this.cqBase.set(`${fn}:0`, acq & PAGE_MASK);
  }

  /** An SQE written into a function's admin SQ (its page) that creates an I/O CQ: where that CQ's ring is. */
  private learnCq(addr: bigint, sqe: Uint8Array): void {
    for (const [fn, asq] of this.asq) {
      const base = asq & PAGE_MASK;
      if (addr < base || addr >= base + 0x1000n) continue;
      const change = queueChange(sqe);
      if (change?.kind === 'create-cq') this.cqBase.set(`${fn}:${change.qid}`, change.base);
    }
  }

  private async record(inner: Adapter, fn: number, offset: number, value: bigint): Promise<void> {
    const bell = decodeDoorbell(offset);
    if (!bell) return;
    const queue = `function ${fn} ${bell.kind === 'sq' ? 'SQ' : 'CQ'} ${bell.qid}`;
    this.used.add(queue);
    if (bell.kind === 'sq') {
      if (value === 0n) this.wrapped.add(queue);
      return;
    }
    // the slot just consumed (value 0 hands back the last one, which the write of 1 before it preceded on this pass)
    const base = this.cqBase.get(`${fn}:${bell.qid}`);
    if (base === undefined || value === 0n) return;
    const slot = await inner.memRead(base + (value - 1n) * BigInt(CQE_SIZE), CQE_SIZE);
    if (decodeCqe(slot).phase === 0) this.wrapped.add(queue);
  }
}
