// Which queues a suite used and which of them wrapped, seen from the target's
// side: every doorbell write goes through this adapter. A queue is used once
// its doorbell is written; it wrapped when its doorbell was written 0 (a tail
// or head moves back to 0 only by passing the ring's last slot: a new queue
// starts at 0 and its first doorbell write is 1). So a snapshot restore or a
// re-created queue is never taken for a wrap. Doorbells at BAR0 0x1000 with
// stride 4 (CAP.DSTRD 0, as the emulator has it).
import type { Adapter } from '../../src/target/adapter.ts';

const DOORBELLS = 0x1000;

export class DoorbellWatch {
  readonly used = new Set<string>();
  readonly wrapped = new Set<string>();

  /** `inner` with its doorbell writes recorded (no batch: every write passes one by one). */
  adapter(inner: Adapter): Adapter {
    const a: Adapter = {
      reset: (o) => inner.reset(o),
      regWrite: (fn, offset, width, value) => {
        if (offset >= DOORBELLS) this.record(fn, offset, value);
        return inner.regWrite(fn, offset, width, value);
      },
      regRead: (fn, offset, width) => inner.regRead(fn, offset, width),
      memWrite: (addr, data) => inner.memWrite(addr, data),
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

  private record(fn: number, offset: number, value: bigint): void {
    const n = (offset - DOORBELLS) / 4;
    const queue = `function ${fn} ${n % 2 === 0 ? 'SQ' : 'CQ'} ${Math.floor(n / 2)}`;
    this.used.add(queue);
    if (value === 0n) this.wrapped.add(queue);
  }
}
