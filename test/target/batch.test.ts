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

/** A device that reports the SQ head one entry too far in the completion of command `cid` (on the 4-entry admin CQ of enable()). */
class AheadDevice extends BatchingDevice {
  private bumped = false;
  constructor(private readonly cid = 1) {
    super();
  }
  override async regWrite(f: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    await super.regWrite(f, offset, width, value);
    for (let slot = 0; slot < 4 && !this.bumped && offset === 0x1000; slot++) {
      const at = 0x20000 + slot * 16;
      if ((this.mem[at + 12] | (this.mem[at + 13] << 8)) === this.cid) {
        this.mem[at + 8] += 1;
        this.bumped = true;
      }
    }
  }
}

/** A device that also posts a stray completion on I/O CQ 1 when it creates an I/O SQ (CQ 1 at 0x30000, SQ id 0, CID 0x77). */
class StrayOnNewCqDevice extends BatchingDevice {
  override async regWrite(f: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    const before = this.fn(f).sqs.size;
    await super.regWrite(f, offset, width, value);
    if (offset === 0x1000 && this.fn(f).sqs.size > before) {
      const dv = new DataView(this.mem.buffer, 0x30000, 16);
      dv.setUint16(10, 0, true);
      dv.setUint16(12, 0x77, true);
      dv.setUint16(14, 1, true);
    }
  }
}

const createCq1 = (cid: number, entries = 4): Uint8Array => sqe(0x05, cid, { prp1: 0x30000, cdw10: ((entries - 1) << 16) | 1, cdw11: 1 });
const createSq1 = (cid: number, entries = 4): Uint8Array => sqe(0x01, cid, { prp1: 0x40000, cdw10: ((entries - 1) << 16) | 1, cdw11: (1 << 16) | 1 });

describe('a run of commands (QueueTracker.submitRun)', () => {
  const cids = (got: ReadonlyArray<Uint8Array | null>): number[] => got.map((c) => (c === null ? -1 : cqeCid(c)));

  it('I2: on a synchronous target, as many as the CQ holds without a head doorbell go as one batch, each with its own completion', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0); // 4 entries: 3 completions fit before a head doorbell
    dev.batches.length = 0;
    const got = await t.submitRun(0, 0, [1, 2, 3, 4, 5].map((cid) => sqe(0x06, cid)));
    expect(cids(got)).toEqual([1, 2, 3, 4, 5]);
    // 3 + 2 commands: two batches of SQE, doorbell and CQ read each (the head doorbell rides with the next), and no other read
    expect(dev.batches.map((b) => b.filter((op) => op === 'memWrite').length)).toEqual([3, 2]);
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

  it('I2: the second command of a run is judged against its own doorbell too (its completion read where the first one\'s left the CQ)', async () => {
    const run = new QueueTracker(new AheadDevice(2), { timeoutMs: 0 });
    await enable(run, 0);
    await expect(run.submitRun(0, 0, [sqe(0x06, 1), sqe(0x06, 2), sqe(0x06, 3)])).rejects.toThrow(/SQHD expected 2, got 3/);
  });

  it('I2: after a command that got no completion, a later one is still judged against its own doorbell', async () => {
    const one = new QueueTracker(new AheadDevice(3), { timeoutMs: 0 });
    await enable(one, 0);
    expect(await one.submit(0, 0, sqe(0x06, 1))).not.toBeNull();
    expect(await one.submit(0, 0, sqe(0xff, 2))).toBeNull();
    await expect(one.submit(0, 0, sqe(0x06, 3))).rejects.toThrow(/SQHD expected 3, got 4/);
    const run = new QueueTracker(new AheadDevice(3), { timeoutMs: 0 });
    await enable(run, 0);
    await expect(run.submitRun(0, 0, [sqe(0x06, 1), sqe(0xff, 2), sqe(0x06, 3)])).rejects.toThrow(/SQHD expected 3, got 4/);
  });

  it('a run holds no more commands than the CQ takes without a head doorbell, when the CQ is the smaller queue', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    // I/O CQ 1 of 3 entries under an SQ of 4
    expect(cids(await t.submitRun(0, 0, [createCq1(1, 3), createSq1(2, 4)]))).toEqual([1, 2]);
    dev.batches.length = 0;
    expect(cids(await t.submitRun(0, 1, [3, 4, 5, 6].map((cid) => sqe(0x02, cid))))).toEqual([3, 4, 5, 6]);
    expect(dev.batches.filter((b) => b.includes('memWrite')).map((b) => b.filter((op) => op === 'memWrite').length)).toEqual([2, 2]);
  });

  it('I2: a new CQ is cleared right after its Create, before the Create SQ that points at it: a stale entry is never taken, a stray one is caught', async () => {
    const dev = new RecordingBatchDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    // a stale completion in CQ 1's memory from an earlier use, phase 1 as a new one would carry
    new DataView(dev.mem.buffer, 0x30000, 16).setUint16(14, 1, true);
    dev.ops.length = 0;
    expect(cids(await t.submitRun(0, 0, [createCq1(1), createSq1(2)]))).toEqual([1, 2]);
    const clear = dev.ops.indexOf('memWrite 0x30000+64');
    expect(clear).toBeGreaterThan(dev.ops.indexOf('regWrite 0 0x1000=1'));
    expect(clear).toBeLessThan(dev.ops.indexOf('regWrite 0 0x1000=2'));
    expect(cqeCid((await t.submit(0, 1, sqe(0x02, 3)))!)).toBe(3);

    const stray = new QueueTracker(new StrayOnNewCqDevice(), { timeoutMs: 0 });
    await enable(stray, 0);
    await stray.submitRun(0, 0, [createCq1(1), createSq1(2)]);
    await expect(stray.sweep()).rejects.toThrow(/SQ id/);
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

  it('D1: untilNull stops after the first command that got no completion; the rest of its batch waits, as a submit\'s command that got none', async () => {
    const dev = new BatchingDevice();
    const t = new QueueTracker(dev, { timeoutMs: 0 });
    await enable(t, 0);
    expect(cids(await t.submitRun(0, 0, [sqe(0x06, 1), sqe(0xff, 2), sqe(0x06, 3), sqe(0x06, 4), sqe(0x06, 5)], { untilNull: true }))).toEqual([1, -1]);
    // command 3 was in the same batch and completed: reaped, not lost; 4 and 5 were never sent
    expect((await t.reap(0)).map((c) => cqeCid(c))).toEqual([3]);
    expect(dev.doorbells.filter((d) => d.offset === 0x1000)).toHaveLength(3);
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
