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

/** A device that reports the SQ head one entry too far in its first completion (the command behind it not even written yet). */
class AheadDevice extends BatchingDevice {
  private first = true;
  override async regWrite(f: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    await super.regWrite(f, offset, width, value);
    if (this.first && offset === 0x1000) {
      // the first completion, in CQ memory at slot 0: SQHD one further
      this.first = false;
      this.mem[0x20000 + 8] += 1;
    }
  }
}

describe('a run of commands (QueueTracker.submitRun)', () => {
  const cids = (got: ReadonlyArray<Uint8Array | null>): number[] => got.map((c) => (c === null ? -1 : cqeCid(c)));

  it('I2: on a synchronous target, as many as the CQ holds without a head doorbell go as one batch, each with its own completion', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0); // 4 entries: 3 completions fit before a head doorbell
    dev.batches.length = 0;
    const got = await t.submitRun(0, 0, [1, 2, 3, 4, 5].map((cid) => sqe(0x06, cid)));
    expect(cids(got)).toEqual([1, 2, 3, 4, 5]);
    // 3 + 2 commands: two batches of SQE, doorbell and CQ read each (the head doorbell rides with the next)
    const runs = dev.batches.filter((b) => b.includes('memWrite'));
    expect(runs.map((b) => b.filter((op) => op === 'memWrite').length)).toEqual([3, 2]);
    // the device was told every completion was consumed, and the queue goes on
    expect(dev.fn(0).cqs.get(0)!.hostHead).toBe(5 % 4);
    expect(cqeCid((await t.submit(0, 0, sqe(0x06, 6)))!)).toBe(6);
  });

  it('I2: each completion of a run is judged against its SQ as its own doorbell left it (an SQ head the device cannot have reached yet is a fault)', async () => {
    const one = new QueueTracker(new AheadDevice(), { timeoutMs: 0 });
    await enable(one, 0);
    await expect(one.submit(0, 0, sqe(0x06, 1))).rejects.toThrow(/SQHD expected 1, got 2/);
    const run = new QueueTracker(new AheadDevice(), { timeoutMs: 0 });
    await enable(run, 0);
    await expect(run.submitRun(0, 0, [sqe(0x06, 1), sqe(0x06, 2)])).rejects.toThrow(/SQHD expected 1, got 2/);
  });

  it('D1: a command of a run that gets no completion gives null, the ones after it still get theirs, and the queue goes on', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    expect(cids(await t.submitRun(0, 0, [sqe(0x06, 1), sqe(0xff, 2), sqe(0x06, 3)]))).toEqual([1, -1, 3]);
    expect(cqeCid((await t.submit(0, 0, sqe(0x06, 4)))!)).toBe(4);
    expect(await t.reap(0)).toEqual([]);
  });

  it('I2: Create I/O CQ then SQ as one run makes the pair usable, as two submits do', async () => {
    const t = new QueueTracker(new BatchingDevice(), { timeoutMs: 0 });
    await enable(t, 0);
    const got = await t.submitRun(0, 0, [sqe(0x05, 1, { prp1: 0x30000, cdw10: (3 << 16) | 1, cdw11: 1 }), sqe(0x01, 2, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: (1 << 16) | 1 })]);
    expect(cids(got)).toEqual([1, 2]);
    expect(cqeCid((await t.submit(0, 1, sqe(0x02, 3)))!)).toBe(3);
  });

  it('a target without batch gets a run one command at a time, as submits (each completion\'s head doorbell before the next SQE)', async () => {
    const dev = new RecordingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    dev.ops.length = 0;
    expect(cids(await t.submitRun(0, 0, [sqe(0x06, 1), sqe(0x06, 2)]))).toEqual([1, 2]);
    const doorbells = dev.ops.filter((op) => op.startsWith('regWrite 0 0x100'));
    expect(doorbells).toEqual(['regWrite 0 0x1000=1', 'regWrite 0 0x1004=1', 'regWrite 0 0x1000=2', 'regWrite 0 0x1004=2']);
  });

  it('an asynchronous target (a completion timeout) gets a run one command at a time, as submits', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 50 });
    await enable(t, 0);
    dev.batches.length = 0;
    expect(cids(await t.submitRun(0, 0, [sqe(0x06, 1), sqe(0x06, 2)]))).toEqual([1, 2]);
    expect(dev.batches.filter((b) => b.includes('memWrite'))).toHaveLength(2);
  });
});

describe('memory read with a completion (QueueTracker.submitReading)', () => {
  it('I2: a command\'s data is read in its own batch after its CQ read, and returned when the completion came at once', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    await dev.memWrite(0x50000n, Uint8Array.of(1, 2, 3, 4));
    dev.batches.length = 0;
    const { cqe, data } = await t.submitReading(0, 0, sqe(0x06, 1), [{ addr: 0x50000n, len: 4 }]);
    expect(cqeCid(cqe!)).toBe(1);
    expect(data).toEqual([Uint8Array.of(1, 2, 3, 4)]);
    expect(dev.batches[0]).toEqual(['memWrite', 'regWrite', 'memRead', 'memRead']);
  });

  it('D1: no data when no completion came (the caller reads once it has one)', async () => {
    const t = new QueueTracker(new BatchingDevice(), { timeoutMs: 0 });
    await enable(t, 0);
    expect(await t.submitReading(0, 0, sqe(0xff, 1), [{ addr: 0x50000n, len: 4 }])).toEqual({ cqe: null, data: null });
  });

  it('a completion that came later (an asynchronous device) gives no data: what was read with the doorbell may be stale', async () => {
    const t = new QueueTracker(new BatchingDevice(0, 2), { timeoutMs: 500 });
    await enable(t, 0);
    const { cqe, data } = await t.submitReading(0, 0, sqe(0x06, 7), [{ addr: 0x50000n, len: 4 }]);
    expect(cqeCid(cqe!)).toBe(7);
    expect(data).toBeNull();
  });
});
