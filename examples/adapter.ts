// A worked example of `nvme-lm verify --adapter`: the adapter a firmware or
// emulator team writes for their own controller. Here the "controller" is the
// project's emulated device, reached only through register and memory
// access, as yours would be (replace the four raw operations with your
// simulator's or your hardware access library's).
//
//   npx nvme-lm verify --adapter examples/adapter.ts --profile lm
import { EmulatedDevice } from '../src/emulator/device.ts';
import { QueueTracker } from '../src/target/queueTracker.ts';
import type { Adapter, ResetInfo, ResetOptions } from '../src/target/adapter.ts';
import { emulatorProfile } from '../src/verify/emulatorAdapter.ts';

class ExampleAdapter implements Adapter {
  private device = new EmulatedDevice({ vfs: 2 });
  // QueueTracker implements `submit` on top of register and memory access.
  private tracker = new QueueTracker(
    {
      regWrite: async (fn, offset, width, value) => this.device.regWrite(fn, offset, width, value),
      regRead: async (fn, offset, width) => this.device.regRead(fn, offset, width),
      memWrite: async (addr, data) => this.device.memory.write(addr, data),
      memRead: async (addr, len) => this.device.memory.read(addr, len),
    },
    { timeoutMs: 0 },
  );

  async reset(o: ResetOptions): Promise<ResetInfo> {
    // power-on: a fresh controller with the VFs and profile asked for
    // with the choices the suite asks the device to have made (for tp4159: whether the vendor state
    // UUID is listed, Set State in parts or whole only, CDQs in pieces): a device that ignored them
    // would fail the suites of the other choices
    this.device = new EmulatedDevice({ vfs: o.vfs, profile: emulatorProfile(o.profile), strict: o.strict, vfQueuePolicy: o.vfQueuePolicy, ioCompletion: o.ioCompletion, tp4159: o.tp4159 });
    this.tracker.forgetAll();
    // This controller completes what a doorbell write fetches before the write
    // returns, so verify need not wait out a timeout for a completion that must
    // not come. A controller that posts completions later returns {} here.
    // Over the JSON-lines protocol (verify --exec) a program may also say
    // "batch": true here and answer {"op":"batch"} requests (docs/protocol.md);
    // an in-process adapter has no round trips to save and leaves batch out
    // (Adapter.batch is optional: the queue driver then goes one operation at
    // a time).
    return { synchronous: true };
  }
  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    await this.tracker.regWrite(fn, offset, width, value);
  }
  async regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    return this.device.regRead(fn, offset, width);
  }
  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    this.device.memory.write(addr, data);
  }
  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    return this.device.memory.read(addr, len);
  }
  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    return this.tracker.submit(fn, qid, sqe);
  }
  async flr(fn: number): Promise<void> {
    this.device.flr(fn);
    this.tracker.forgetFunction(fn);
  }
  async completeIo(fn: number, count?: number): Promise<number> {
    return this.device.completeIo(fn, count);
  }
  async close(): Promise<void> {}
}

export function createAdapter(): Adapter {
  return new ExampleAdapter();
}
