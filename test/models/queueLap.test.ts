// A lap runs a fresh queue round with no-ops at set-up (queueLap.ts): to
// the CQ's wrap, or one completion past it; a target that never inverts the
// phase tag fails it; a Flush held by deferred I/O is released with
// completeIo.
import { describe, expect, it } from 'vitest';
import { lapQueue, type LapEnd } from '../../models/host/queueLap.ts';
import { VfGuest } from '../../models/host/vfGuest.ts';
import { functionPlan } from '../../models/host/hostPlan.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import { QueueTracker } from '../../src/target/queueTracker.ts';
import { runEach, type RawAnswer, type RawRequest } from '../../src/target/batch.ts';
import { CC_ENABLE, REG } from '../../src/wire/registers.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { DoorbellWatch } from './doorbellWatch.ts';
import { FakeDevice } from '../target/fakeQueueDevice.ts';

/** A device with the PF's admin queue of 2 entries enabled through a queue driver of our own. */
async function pfQueue(o: Partial<ResetOptions> = {}, mutant?: Mutant): Promise<{ adapter: Adapter; watch: DoorbellWatch; tracker: QueueTracker }> {
  const watch = new DoorbellWatch();
  const adapter = watch.adapter(new EmulatorAdapter(mutant ? { mutant } : {}));
  await adapter.reset({ vfs: 1, profile: 'lm', ...o });
  const tracker = new QueueTracker(adapter, { timeoutMs: 0 });
  await tracker.regWrite(0, REG.AQA, 4, 0x0001_0001n);
  await tracker.regWrite(0, REG.ASQ, 8, ASQ);
  await tracker.regWrite(0, REG.ACQ, 8, ACQ);
  await tracker.regWrite(0, REG.CC, 4, CC_ENABLE);
  return { adapter, watch, tracker };
}

const { asq: ASQ, acq: ACQ } = functionPlan(0);
let cids = 0;
const lap = (tracker: QueueTracker, until: LapEnd) => lapQueue(tracker, 0, 0, { cid: () => ++cids, nsid: 1, label: 'set-up of the PF', until });
const cq0 = (tracker: QueueTracker) => {
  const { head, phase } = tracker.view(0).cq[0];
  return { head, phase };
};

describe('queue laps: a fresh queue run round at set-up', () => {
  it("NVMe phase tag: 'wrapped' stops where the next completion carries the inverted tag, 'checked' one completion later", async () => {
    const { watch, tracker } = await pfQueue();
    await lap(tracker, 'wrapped');
    expect(cq0(tracker)).toEqual({ head: 0, phase: 0 });
    expect(watch.wrapped.has('function 0 CQ 0')).toBe(false);
    await lap(tracker, 'checked');
    expect(cq0(tracker)).toEqual({ head: 1, phase: 0 });
    expect(watch.wrapped.has('function 0 CQ 0')).toBe(true);
  });

  it('NVMe phase tag: with noPhaseInvert the lap fails at the no-op after the wrap', async () => {
    const { tracker } = await pfQueue({}, 'noPhaseInvert');
    await expect(lap(tracker, 'checked')).rejects.toThrow(/previous pass's phase tag/);
    expect(cq0(tracker)).toEqual({ head: 0, phase: 0 });
  });

  it('NVMe phase tag: on a synchronous batch target, once the first no-op completed at once the rest go as runs (as many as the CQ holds), and the lap ends where it did', async () => {
    const emulator = new EmulatorAdapter();
    const runs: number[] = [];
    const adapter = Object.assign(emulator, {
      batch: (requests: readonly RawRequest[]): Promise<RawAnswer[]> => {
        runs.push(requests.filter((r) => r.op === 'memWrite').length);
        return runEach(emulator, requests);
      },
    });
    await adapter.reset({ vfs: 1, profile: 'lm' });
    const tracker = new QueueTracker(adapter, { timeoutMs: 0 });
    await tracker.regWrite(0, REG.AQA, 4, 0x0007_0007n);
    await tracker.regWrite(0, REG.ASQ, 8, ASQ);
    await tracker.regWrite(0, REG.ACQ, 8, ACQ);
    await tracker.regWrite(0, REG.CC, 4, CC_ENABLE);
    runs.length = 0;
    await lap(tracker, 'checked');
    expect(cq0(tracker)).toEqual({ head: 1, phase: 0 });
    // 9 no-ops: the first alone, then 7 (an 8-entry CQ holds 7 without a head doorbell), then 1
    expect(runs.filter((n) => n > 0)).toEqual([1, 7, 1]);
  });

  it('a device that stops completing fails the lap at the first no-op without a completion, as one by one (the run stops there)', async () => {
    /** completes its first command, then drops every one (an SQE written with opcode 0xFF) */
    class StopsDevice extends FakeDevice {
      private sqes = 0;
      override async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
        const sqe = addr >= 0x10000n && addr < 0x11000n && data.length === 64;
        if (sqe && this.sqes++ > 0) data = Uint8Array.from(data, (b, i) => (i === 0 ? 0xff : b));
        return super.memWrite(addr, data);
      }
      async batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
        return runEach(this, requests);
      }
    }
    const tracker = new QueueTracker(new StopsDevice(), { timeoutMs: 0 });
    await tracker.regWrite(0, REG.AQA, 4, 0x0007_0007n);
    await tracker.regWrite(0, REG.ASQ, 8, 0x10000n);
    await tracker.regWrite(0, REG.ACQ, 8, 0x20000n);
    await tracker.regWrite(0, REG.CC, 4, CC_ENABLE);
    await expect(lap(tracker, 'checked')).rejects.toThrow(/a no-op running the new queue round\): expected Successful Completion, observed no completion/);
  });

  it('D11, D12: with deferred I/O the guest releases each held Flush with completeIo, and its new pair wraps', async () => {
    const { adapter, watch } = await pfQueue({ ioCompletion: 'deferred' });
    const g = new VfGuest(adapter, 1, 0, 1, { admin: 4, io: 3 }, 'checked');
    await g.enable();
    const { cqes } = await g.createPair();
    expect(cqes.every((c) => c !== null && c.sct === 0 && c.sc === 0)).toBe(true);
    expect(watch.wrapped.has('function 1 CQ 1')).toBe(true);
    expect(watch.wrapped.has('function 1 SQ 1')).toBe(true);
    expect(await g.driver.reap()).toEqual([]);
  });
});
