// The host's user data migration queue (tp4159 section 6, D28-D32) against
// the emulated tp4159 PF: a guest on VF 1 writes through its own I/O queue
// (the test helper's host, not the driver), the driver drains what the
// controller logged and releases it.
import { describe, expect, it } from 'vitest';
import { NvmeLmHost } from '../../src/host/driver.ts';
import { UserDataLog, type LoggedRange } from '../../src/host/userDataLog.ts';
import { isSuccess } from '../../src/wire/status.ts';
import { Host } from '../emulator/helpers.ts';
import { tpRig } from './tp4159Rig.ts';

async function rig(entries: number) {
  const { dev, hd } = tpRig();
  const host = await NvmeLmHost.attach(hd, { profile: 'tp4159' });
  const guest = new Host(dev, 0x20_0000);
  guest.enable(1);
  guest.createIoPair(1, 1, 32);
  const log = await UserDataLog.start(host.channel, 1, entries);
  const write = (slba: number, blocks: number) => expect(isSuccess(guest.write(1, 1, slba, blocks, 0x5a)!)).toBe(true);
  return { dev, hd, host, guest, log, write };
}

const range = (slba: number, blocks: number, deallocated = false): LoggedRange => ({ slba: BigInt(slba), blocks, deallocated });

describe('user data migration queue, host side', () => {
  it('D29, D30: after ESA 1 the drain gives each completed write as one range, reads not at all, and releases the slots (HP)', async () => {
    const { dev, guest, log, write } = await rig(16);
    expect(await log.drain()).toEqual({ ranges: [] }); // the ESA 1 entry
    write(8, 4);
    guest.read(1, 1, 0, 8);
    write(100, 1);
    expect(await log.drain()).toEqual({ ranges: [range(8, 4), range(100, 1)] });
    expect(dev.controller(0).hmlm.cdqs.get(log.cdqid)).toMatchObject({ hp: 3, tail: 3 });
    expect(await log.drain()).toEqual({ ranges: [] });
  });

  it('I14: across several wraps of a 6-slot queue every range is drained exactly once, in order', async () => {
    const { log, write } = await rig(6);
    const seen: LoggedRange[] = [];
    const want: LoggedRange[] = [];
    for (let i = 0; i < 20; i++) {
      write(i * 10, 2);
      want.push(range(i * 10, 2));
      if (i % 2 === 1) seen.push(...(await log.drain()).ranges);
    }
    seen.push(...(await log.drain()).ranges);
    expect(seen).toEqual(want);
    expect(log.end).toBeUndefined();
  });

  it('D31: a queue the host does not drain fills; its last slot is ESA 7 and the host must copy everything', async () => {
    const { log, write } = await rig(4);
    for (let i = 0; i < 5; i++) write(i, 1);
    const d = await log.drain();
    // ESA 1, one range, then the last free slot (one stays empty) gets ESA 7 instead of the second range; nothing after it
    expect(d).toEqual({ ranges: [range(0, 1)], end: 'full' });
    expect(log.needsFullCopy).toBe(true);
  });

  it('D32: Suspend ends the log with ESA 3 after every change completed before it', async () => {
    const { host, log, write } = await rig(16);
    write(5, 3);
    await host.vf(0).setState('STOP');
    expect(await log.drain()).toEqual({ ranges: [range(5, 3)], end: 'suspended' });
    expect(log.needsFullCopy).toBe(false);
  });

  it('D29: stop posts ESA 2; delete removes the queue and frees its memory', async () => {
    const { dev, hd, log, write } = await rig(8);
    write(1, 1);
    await log.stop();
    expect(await log.drain()).toEqual({ ranges: [range(1, 1)], end: 'stopped' });
    const live = hd.inner.memory.liveAllocations();
    await log.delete();
    expect(dev.controller(0).hmlm.cdqs.size).toBe(0);
    expect(hd.inner.memory.liveAllocations()).toBe(live - 1);
  });

  it('D28: a queue of fewer than 2 entries is refused before any command is sent', async () => {
    const { dev, hd } = tpRig();
    const host = await NvmeLmHost.attach(hd, { profile: 'tp4159' });
    const from = hd.sqes.length;
    await expect(UserDataLog.start(host.channel, 1, 1)).rejects.toMatchObject({ errno: 'EINVAL' });
    expect(hd.sqes.length).toBe(from);
    expect(dev.controller(0).hmlm.cdqs.size).toBe(0);
  });
});
