// The batch seam of the host queue driver: which runs go as one batch, that
// a target without `batch` sees the same operations one by one, and that
// answers that do not fit their requests are refused naming the request.
import { describe, expect, it } from 'vitest';
import { batchMismatch, runBatch, runEach, type RawAnswer, type RawRequest } from '../../src/target/batch.ts';
import { QueueTracker } from '../../src/target/queueTracker.ts';
import { cqeCid, FakeDevice, sqe } from './fakeQueueDevice.ts';

/** The fake device with a `batch` that records each run it is given. */
class BatchingDevice extends FakeDevice {
  readonly batches: string[][] = [];

  async batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
    this.batches.push(requests.map((r) => r.op));
    return runEach(this, requests);
  }
}

/** The fake device that records every operation it performs, in order. */
class RecordingDevice extends FakeDevice {
  readonly ops: string[] = [];
  override async regWrite(f: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    this.ops.push(`regWrite ${f} 0x${offset.toString(16)}=${value}`);
    return super.regWrite(f, offset, width, value);
  }
  override async regRead(f: number, offset: number, width: 4 | 8): Promise<bigint> {
    this.ops.push(`regRead ${f} 0x${offset.toString(16)}`);
    return super.regRead(f, offset, width);
  }
  override async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    this.ops.push(`memWrite 0x${addr.toString(16)}+${data.length}`);
    return super.memWrite(addr, data);
  }
  override async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    this.ops.push(`memRead 0x${addr.toString(16)}+${len}`);
    return super.memRead(addr, len);
  }
}

class RecordingBatchDevice extends RecordingDevice {
  async batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
    return runEach(this, requests);
  }
}

async function enable(t: QueueTracker, fn: number): Promise<void> {
  await t.regWrite(fn, 0x24, 4, 0x30003n);
  await t.regWrite(fn, 0x28, 8, 0x10000n);
  await t.regWrite(fn, 0x30, 8, 0x20000n);
  await t.regWrite(fn, 0x14, 4, 0x460001n);
}

/** Enable, create I/O CQ 1 and SQ 1, submit one admin and one I/O command, reap: the driver's whole repertoire. */
async function session(t: QueueTracker): Promise<number[]> {
  await enable(t, 0);
  const cids: number[] = [];
  const collect = (c: Uint8Array | null): void => void cids.push(c === null ? -1 : cqeCid(c));
  collect(await t.submit(0, 0, sqe(0x05, 1, { prp1: 0x30000, cdw10: (3 << 16) | 1, cdw11: 1 })));
  collect(await t.submit(0, 0, sqe(0x01, 2, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: (1 << 16) | 1 })));
  collect(await t.submit(0, 1, sqe(0x02, 3)));
  collect(await t.submit(0, 0, sqe(0xff, 4))); // dropped: no completion
  await t.reap(0);
  return cids;
}

describe('batches of raw operations (the driver\'s side of the protocol\'s batch)', () => {
  it('I2: the SQE write, its tail doorbell and the CQ read after it go as one batch; the head doorbell follows', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    dev.batches.length = 0;
    expect(cqeCid((await t.submit(0, 0, sqe(0x06, 7)))!)).toBe(7);
    expect(dev.batches).toEqual([['memWrite', 'regWrite', 'memRead']]);
  });

  it('I2: a target with batch and one without see the same operations in the same order, and get the same completions', async () => {
    const plain = new RecordingDevice();
    const batching = new RecordingBatchDevice();
    const a = await session(new QueueTracker(plain, { timeoutMs: 0 }));
    const b = await session(new QueueTracker(batching, { timeoutMs: 0 }));
    expect(a).toEqual([1, 2, 3, -1]);
    expect(b).toEqual(a);
    expect(batching.ops).toEqual(plain.ops);
  });

  it('I2: reap looks at every CQ of the function in one batch', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await session(t);
    dev.batches.length = 0;
    await t.reap(0);
    expect(dev.batches).toEqual([['memRead', 'memRead']]);
  });

  it('answers that do not fit the requests are refused, naming the request (index and op)', async () => {
    const reqs: RawRequest[] = [
      { op: 'memWrite', addr: 0n, data: new Uint8Array(4) },
      { op: 'regWrite', fn: 0, offset: 0x1000, width: 4, value: 1n },
      { op: 'memRead', addr: 0n, len: 16 },
    ];
    const answers: RawAnswer[] = [{ op: 'memWrite' }, { op: 'regWrite' }, { op: 'memRead', data: new Uint8Array(16) }];
    expect(batchMismatch(reqs, answers)).toBeUndefined();
    expect(batchMismatch(reqs, answers.slice(0, 2))).toMatch(/request 2 \(memRead\) got no answer/);
    expect(batchMismatch(reqs, [answers[1], answers[0], answers[2]])).toMatch(/request 0 \(memWrite\) got a regWrite answer/);
    expect(batchMismatch(reqs, [...answers, { op: 'regWrite' }])).toMatch(/4 answers to 3 requests/);
    const liar = Object.assign(new FakeDevice(), { batch: async (): Promise<RawAnswer[]> => answers.slice(1) });
    await expect(runBatch(liar, reqs)).rejects.toThrow(/request 0 \(memWrite\)/);
  });
});
