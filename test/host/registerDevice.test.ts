import { describe, expect, it } from 'vitest';
import { RegisterHostDevice } from '../../src/host/registerDevice.ts';
import type { ResetNotice } from '../../src/host/device.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { FakeController, type Answer } from './fakeController.ts';

const cmd = (cid: number) => {
  const sqe = sqeFor.getNumberOfQueues(0);
  sqe[2] = cid & 0xff;
  sqe[3] = cid >> 8;
  return sqe;
};

describe('RegisterHostDevice: the PF admin queue over registers', () => {
  it('NVMe admin queue: brings the admin queue up: AQA, ASQ and ACQ in its own region, then CC.EN with 64/16-byte entries, and waits for RDY', async () => {
    const raw = new FakeController({ readyDelay: 3 });
    const dev = new RegisterHostDevice(raw, { memoryBase: 0x2000_0000n, memoryBytes: 1 << 20, adminQueueEntries: 8 });
    const cqe = await dev.adminCommand(cmd(7));
    expect(cqe).toMatchObject({ cid: 7, sc: 0, sct: 0, phase: 1 });
    expect(raw.entries).toEqual({ sq: 8, cq: 8 });
    for (const a of [raw.asq, raw.acq]) {
      expect(a % 4096n).toBe(0n);
      expect(a >= 0x2000_0000n && a < 0x2010_0000n).toBe(true);
    }
    expect(raw.cc).toBe(0x460001n);
    const order = raw.writes.map((w) => w.offset);
    expect(order.slice(0, 4)).toEqual([0x24, 0x28, 0x30, 0x14]);
    expect(raw.writes.find((w) => w.offset === 0x28)!.width).toBe(8);
  });

  it('D18: disables a PF that is already enabled before programming it, and reports that as a PF reset', async () => {
    const raw = new FakeController();
    raw.regWrite(0, 0x14, 4, 1n);
    raw.writes.length = 0;
    const dev = new RegisterHostDevice(raw);
    const seen: ResetNotice[] = [];
    dev.onReset((n) => seen.push(n));
    await dev.adminCommand(cmd(1));
    expect(raw.writes[0]).toMatchObject({ offset: 0x14, value: 0n });
    expect(seen).toEqual([{ kind: 'pf' }]);
    await dev.adminCommand(cmd(2));
    expect(seen).toEqual([{ kind: 'pf' }]);
  });

  it('NVMe admin queue: a PF that starts disabled is brought up without a reset notice', async () => {
    const dev = new RegisterHostDevice(new FakeController());
    const seen: ResetNotice[] = [];
    dev.onReset((n) => seen.push(n));
    await dev.adminCommand(cmd(1));
    expect(seen).toEqual([]);
  });

  it('NVMe admin queue: caps the queue at CAP.MQES and follows the phase tag across many wraps', async () => {
    const raw = new FakeController({ mqes: 3 });
    const dev = new RegisterHostDevice(raw, { adminQueueEntries: 32 });
    for (let cid = 1; cid <= 25; cid++) expect((await dev.adminCommand(cmd(cid)))!.cid).toBe(cid);
    expect(raw.entries.sq).toBe(4);
    const doorbells = raw.writes.filter((w) => w.offset === 0x1000).map((w) => Number(w.value));
    expect(doorbells.slice(0, 6)).toEqual([1, 2, 3, 0, 1, 2]);
    const cqHeads = raw.writes.filter((w) => w.offset === 0x1004).map((w) => Number(w.value));
    expect(cqHeads.slice(0, 6)).toEqual([1, 2, 3, 0, 1, 2]);
  });

  it('NVMe admin queue: uses CAP.DSTRD for the doorbell stride', async () => {
    const raw = new FakeController({ dstrd: 2 });
    await new RegisterHostDevice(raw).adminCommand(cmd(1));
    expect(raw.writes.some((w) => w.offset === 0x1000 + 16)).toBe(true);
  });

  it('NVMe admin queue: returns null when no completion arrives in time, and a late completion does not confuse the next command', async () => {
    let next: Answer = 'late';
    const raw = new FakeController({ answer: () => next });
    const dev = new RegisterHostDevice(raw, { timeoutMs: 20 });
    expect(await dev.adminCommand(cmd(1))).toBeNull();
    next = { sc: 0, dw0: 5 };
    const c = await dev.adminCommand(cmd(2));
    expect(c).toMatchObject({ cid: 2, dw0: 5 });
    expect(dev.adminQueue!.lateCompletions.map((x) => x.cid)).toEqual([1]);
    next = 'drop';
    expect(await dev.adminCommand(cmd(3))).toBeNull();
  });

  it('NVMe admin queue: reports a controller that never becomes ready, with what to do', async () => {
    const dev = new RegisterHostDevice(new FakeController({ neverReady: true }), { timeoutMs: 10 });
    await expect(dev.adminCommand(cmd(1))).rejects.toThrow(/did not set CSTS.RDY after CC.EN was set.*reset it \(FLR\)/);
  });

  it('D13, D18: FLR of a VF notifies vfId = function - 1; FLR of the PF notifies pf and rebuilds the admin queue', async () => {
    const raw = new FakeController();
    const dev = new RegisterHostDevice(raw, { memoryBytes: 1 << 20 });
    const seen: ResetNotice[] = [];
    dev.onReset((n) => seen.push(n));
    await dev.adminCommand(cmd(1));
    const live = dev.memory.liveAllocations();
    await dev.flr(3);
    await dev.flr(0);
    expect(seen).toEqual([{ kind: 'vf', vfId: 2 }, { kind: 'pf' }]);
    expect(raw.resets).toEqual([3, 0]);
    expect(dev.memory.liveAllocations()).toBe(live - 2);
    expect((await dev.adminCommand(cmd(2)))!.cid).toBe(2);
    expect(raw.cc).toBe(0x460001n);
  });

  it('NVMe admin queue: alloc gives zeroed memory that exists for the device, and free lets it be reused', async () => {
    const raw = new FakeController();
    const dev = new RegisterHostDevice(raw, { memoryBase: 0x10_0000n, memoryBytes: 3 * 4096 });
    const a = await dev.alloc(5000);
    await dev.write(a, new Uint8Array(5000).fill(0xee));
    dev.free(a);
    const b = await dev.alloc(8192);
    expect(b).toBe(a);
    expect((await dev.read(b, 8192)).every((x) => x === 0)).toBe(true);
    await expect(dev.alloc(8192)).rejects.toMatchObject({ errno: 'ENOMEM' });
  });
});
