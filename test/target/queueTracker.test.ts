import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { QueueTracker } from '../../src/target/queueTracker.ts';
import { cqeCid, cqeSc, cqeSqid, FakeDevice, sqe } from './fakeQueueDevice.ts';

const ASQ = 0x10000;
const ACQ = 0x20000;

async function enable(t: QueueTracker, fn: number, entries: number, width64 = false): Promise<void> {
  await t.regWrite(fn, 0x24, 4, BigInt(((entries - 1) << 16) | (entries - 1)));
  if (width64) {
    await t.regWrite(fn, 0x28, 8, BigInt(ASQ));
    await t.regWrite(fn, 0x30, 8, BigInt(ACQ));
  } else {
    await t.regWrite(fn, 0x28, 4, BigInt(ASQ));
    await t.regWrite(fn, 0x2c, 4, 0n);
    await t.regWrite(fn, 0x30, 4, BigInt(ACQ));
    await t.regWrite(fn, 0x34, 4, 0n);
  }
  await t.regWrite(fn, 0x14, 4, 0x460001n);
}

describe('QueueTracker', () => {
  it('I2: an admin command learned from AQA/ASQ/ACQ/CC gets its own completion (CID, SQ id)', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    const cqe = await t.submit(0, 0, sqe(0x06, 0x1234));
    expect(cqe).not.toBeNull();
    expect(cqeCid(cqe!)).toBe(0x1234);
    expect(cqeSqid(cqe!)).toBe(0);
    expect(dev.doorbells).toEqual([
      { fn: 0, offset: 0x1000, value: 1 },
      { fn: 0, offset: 0x1004, value: 1 },
    ]);
  });

  it('I2: 64-bit ASQ/ACQ writes are learned like two 32-bit halves', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 3, 8, true);
    const cqe = await t.submit(3, 0, sqe(0x06, 7));
    expect(cqeCid(cqe!)).toBe(7);
    expect(t.view(3).sq[0]).toMatchObject({ qid: 0, base: BigInt(ASQ), size: 8, tail: 1 });
  });

  it('I2: doorbells honour CAP.DSTRD (stride 4 << DSTRD), read once per function', async () => {
    const dev = new FakeDevice(2);
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    await t.submit(0, 0, sqe(0x06, 1));
    await t.submit(0, 0, sqe(0x06, 2));
    expect(dev.doorbells.map((d) => d.offset)).toEqual([0x1000, 0x1010, 0x1000, 0x1010]);
  });

  it('I2: every command returns its own completion across wraps, for any queue size, DSTRD and device delay', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0, 1),
        fc.integer({ min: 1, max: 30 }),
        async (entries, dstrd, delayMs, commands) => {
          const dev = new FakeDevice(dstrd, delayMs);
          const t = new QueueTracker(dev);
          await enable(t, 1, entries);
          for (let i = 0; i < commands; i++) {
            const cqe = await t.submit(1, 0, sqe(0x06, 100 + i));
            expect(cqe).not.toBeNull();
            expect(cqeCid(cqe!)).toBe(100 + i);
          }
          // The CQ head doorbell always tells the device exactly how far the host consumed.
          expect(dev.fn(1).cqs.get(0)!.hostHead).toBe(commands % entries);
          expect(t.view(1).cq[0].phase).toBe(Math.floor(commands / entries) % 2 === 0 ? 1 : 0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('I2: Create I/O CQ/SQ through submit makes the I/O queue usable; Delete forgets it', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    const cq = await t.submit(0, 0, sqe(0x05, 1, { prp1: 0x30000, cdw10: (3 << 16) | 1, cdw11: 1 }));
    expect(cqeSc(cq!)).toBe(0);
    const sq = await t.submit(0, 0, sqe(0x01, 2, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: (1 << 16) | 1 }));
    expect(cqeSc(sq!)).toBe(0);
    expect(t.view(0).sq.find((q) => q.qid === 1)).toMatchObject({ base: 0x40000n, size: 4, cqid: 1 });
    for (let i = 0; i < 6; i++) {
      const io = await t.submit(0, 1, sqe(0x02, 50 + i));
      expect(cqeCid(io!)).toBe(50 + i);
      expect(cqeSqid(io!)).toBe(1);
    }
    await t.submit(0, 0, sqe(0x00, 3, { cdw10: 1 }));
    await t.submit(0, 0, sqe(0x04, 4, { cdw10: 1 }));
    await expect(t.submit(0, 1, sqe(0x02, 9))).rejects.toThrow(/no submission queue 1/);
  });

  it('I3: a failed Create I/O SQ is not learned', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    // CQ 5 does not exist, so the fake device rejects the SQ.
    const sq = await t.submit(0, 0, sqe(0x01, 2, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: 5 << 16 }));
    expect(cqeSc(sq!)).toBe(0x02);
    await expect(t.submit(0, 1, sqe(0x02, 9))).rejects.toThrow(/no submission queue 1/);
  });

  it('D1: a dropped command gives null after the timeout, and the queue keeps working', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev, { timeoutMs: 50 });
    await enable(t, 0, 4);
    const started = Date.now();
    expect(await t.submit(0, 0, sqe(0xff, 1))).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    const next = await t.submit(0, 0, sqe(0x06, 2));
    expect(cqeCid(next!)).toBe(2);
  });

  it('D1: a queue whose commands are all dropped reports full instead of overwriting entries', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev, { timeoutMs: 5 });
    await enable(t, 0, 2);
    expect(await t.submit(0, 0, sqe(0xff, 1))).toBeNull();
    await expect(t.submit(0, 0, sqe(0x06, 2))).rejects.toThrow(/is full/);
  });

  it('D13: CC.EN 1->0 forgets every queue of that function, and re-enabling starts at slot 0', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    await t.submit(0, 0, sqe(0x05, 1, { prp1: 0x30000, cdw10: (3 << 16) | 1, cdw11: 1 }));
    await t.submit(0, 0, sqe(0x01, 2, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: 1 << 16 }));
    await t.regWrite(0, 0x14, 4, 0x460000n);
    expect(t.view(0)).toEqual({ sq: [], cq: [] });
    await expect(t.submit(0, 0, sqe(0x06, 3))).rejects.toThrow(/no submission queue 0/);
    await t.regWrite(0, 0x14, 4, 0x460001n);
    const cqe = await t.submit(0, 0, sqe(0x06, 4));
    expect(cqeCid(cqe!)).toBe(4);
    expect(t.view(0).sq).toHaveLength(1);
  });

  it('I2: a stale completion left in CQ memory by an earlier enable is never taken for a new one', async () => {
    const dev = new FakeDevice(0, 5); // the device answers 5 ms late, so a stale entry would be seen first
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    expect(cqeCid((await t.submit(0, 0, sqe(0x06, 1)))!)).toBe(1);
    await t.regWrite(0, 0x14, 4, 0x460000n);
    await t.regWrite(0, 0x14, 4, 0x460001n);
    expect(cqeCid((await t.submit(0, 0, sqe(0x06, 2)))!)).toBe(2);
    // Same for an I/O CQ created again over memory that held completions.
    for (let round = 0; round < 2; round++) {
      await t.submit(0, 0, sqe(0x05, 10, { prp1: 0x30000, cdw10: (3 << 16) | 1, cdw11: 1 }));
      await t.submit(0, 0, sqe(0x01, 11, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: 1 << 16 }));
      expect(cqeCid((await t.submit(0, 1, sqe(0x02, 20 + round)))!)).toBe(20 + round);
      await t.submit(0, 0, sqe(0x00, 12, { cdw10: 1 }));
      await t.submit(0, 0, sqe(0x04, 13, { cdw10: 1 }));
    }
  });

  it('D18: a controller the device disabled on its own is re-learned when the host enables it again', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 2, 4);
    await t.submit(2, 0, sqe(0x06, 1));
    dev.selfDisable(2); // as a PF reset does to its VFs; the tracker saw no write
    await t.regWrite(2, 0x14, 4, 0x460001n);
    const cqe = await t.submit(2, 0, sqe(0x06, 2));
    expect(cqeCid(cqe!)).toBe(2);
    expect(dev.doorbells.at(-2)).toEqual({ fn: 2, offset: 0x1000, value: 1 });
  });

  it('D13: a write that clears CC.EN forgets the queues without reading CC (no queue survives it, whatever CC was)', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    await t.submit(0, 0, sqe(0x06, 1));
    const reads: number[] = [];
    const read = dev.regRead.bind(dev);
    dev.regRead = (f, offset, width) => {
      reads.push(offset);
      return read(f, offset, width);
    };
    await t.regWrite(0, 0x14, 4, 0x460000n);
    expect(reads).toEqual([]);
    expect(t.view(0)).toEqual({ sq: [], cq: [] });
    // and a device that had disabled itself already (D18) leaves no stale queue either
    await t.regWrite(0, 0x14, 4, 0x460001n);
    dev.selfDisable(0);
    await t.regWrite(0, 0x14, 4, 0x460000n);
    expect(t.view(0)).toEqual({ sq: [], cq: [] });
  });

  it('I2: an enable given the CC its caller read (ccForEnable, CAP with it) reads neither again, and starts the admin queues', async () => {
    const dev = new FakeDevice(1);
    const t = new QueueTracker(dev);
    const reads: number[] = [];
    const read = dev.regRead.bind(dev);
    dev.regRead = (f, offset, width) => {
      reads.push(offset);
      return read(f, offset, width);
    };
    const cc = await t.ccForEnable(1);
    expect(reads.sort()).toEqual([0x0, 0x14]);
    await t.regWrite(1, 0x24, 4, 0x0003_0003n);
    await t.regWrite(1, 0x28, 8, BigInt(ASQ));
    await t.regWrite(1, 0x30, 8, BigInt(ACQ));
    await t.regWrite(1, 0x14, 4, 0x460001n, cc);
    expect(reads).toHaveLength(2);
    expect(cqeCid((await t.submit(1, 0, sqe(0x06, 9)))!)).toBe(9);
    expect(dev.doorbells[0]).toEqual({ fn: 1, offset: 0x1000, value: 1 });
    // without it, the tracker reads CC itself (CAP is known now)
    await t.regWrite(1, 0x14, 4, 0x460000n);
    await t.regWrite(1, 0x14, 4, 0x460001n);
    expect(reads.slice(2)).toEqual([0x14]);
  });

  it('D13: forgetFunction (FLR) drops one function and leaves the others', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    await enable(t, 1, 4);
    t.forgetFunction(1);
    await expect(t.submit(1, 0, sqe(0x06, 1))).rejects.toThrow(/function 1 has no submission queue 0/);
    expect(cqeCid((await t.submit(0, 0, sqe(0x06, 2)))!)).toBe(2);
  });

  it('I2: completions of another submitter on a new admin queue are skipped, and the tracker continues at the device\'s SQ head', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 8);
    // Someone else submits two commands on the same admin queue (as the QEMU target provisions its VFs).
    dev.mem.set(sqe(0x06, 0x77), ASQ);
    dev.mem.set(sqe(0x06, 0x78), ASQ + 64);
    await dev.regWrite(0, 0x1000, 4, 2n);
    expect(await t.skipForeignCompletions(0)).toBe(2);
    expect(t.view(0).sq[0]).toMatchObject({ qid: 0, tail: 2, head: 2 });
    expect(t.view(0).cq[0]).toMatchObject({ qid: 0, head: 2, phase: 1 });
    const mine = await t.submit(0, 0, sqe(0x06, 5));
    expect(cqeCid(mine!)).toBe(5);
    expect(dev.doorbells.slice(-2)).toEqual([
      { fn: 0, offset: 0x1000, value: 3 },
      { fn: 0, offset: 0x1004, value: 3 },
    ]);
    expect(await t.reap(0)).toEqual([]);
  });

  it('I2: with no foreign completion, skipping changes nothing', async () => {
    const dev = new FakeDevice();
    const t = new QueueTracker(dev);
    await enable(t, 0, 4);
    expect(await t.skipForeignCompletions(0)).toBe(0);
    expect(t.view(0).sq[0]).toMatchObject({ tail: 0, head: 0 });
    expect(await t.skipForeignCompletions(9)).toBe(0);
  });

  it('D11: a Create I/O CQ/SQ whose success came later (through reap) is adopted and the I/O queue works', async () => {
    const dev = new FakeDevice(0, 20); // completions come 20 ms late, after submit gave up
    const t = new QueueTracker(dev, { timeoutMs: 1 });
    await enable(t, 0, 4);
    const createCq = sqe(0x05, 1, { prp1: 0x30000, cdw10: (3 << 16) | 1, cdw11: 1 });
    const createSq = sqe(0x01, 2, { prp1: 0x40000, cdw10: (3 << 16) | 1, cdw11: 1 << 16 });
    expect(await t.submit(0, 0, createCq)).toBeNull();
    expect(await t.submit(0, 0, createSq)).toBeNull();
    expect(t.view(0).sq.map((q) => q.qid)).toEqual([0]);
    await new Promise((r) => setTimeout(r, 60));
    expect((await t.reap(0)).map(cqeCid)).toEqual([1, 2]);
    t.adopt(0, createCq);
    t.adopt(0, createSq);
    expect(t.view(0).sq.find((q) => q.qid === 1)).toMatchObject({ base: 0x40000n, size: 4, tail: 0, head: 0, cqid: 1 });
    expect(t.view(0).cq.find((q) => q.qid === 1)).toMatchObject({ base: 0x30000n, size: 4, head: 0, phase: 1 });
    const slow = new QueueTracker(dev, { timeoutMs: 500 });
    slow.restoreState(t.saveState());
    expect(cqeSqid((await slow.submit(0, 1, sqe(0x02, 9)))!)).toBe(1);
    t.adopt(0, sqe(0x00, 3, { cdw10: 1 }));
    t.adopt(0, sqe(0x04, 4, { cdw10: 1 }));
    expect(t.view(0).sq.map((q) => q.qid)).toEqual([0]);
    expect(t.view(0).cq.map((q) => q.qid)).toEqual([0]);
  });

  it('D11: adopt refuses a command that creates or deletes no queue, and a function without an admin queue', async () => {
    const t = new QueueTracker(new FakeDevice());
    expect(() => t.adopt(0, sqe(0x05, 1, { prp1: 0x30000, cdw10: 1 }))).toThrow(/no admin queue of function 0: enable the controller/);
    await enable(t, 0, 4);
    expect(() => t.adopt(0, sqe(0x06, 1))).toThrow(/opcode 0x6 creates or deletes no I\/O queue/);
    expect(() => t.adopt(0, sqe(0x00, 1, { cdw10: 0 }))).toThrow(/creates or deletes no I\/O queue/);
  });

  it('I2: a malformed SQE length is refused with its size', async () => {
    const t = new QueueTracker(new FakeDevice());
    await expect(t.submit(0, 0, new Uint8Array(32))).rejects.toThrow(/64 bytes, got 32/);
  });
});
