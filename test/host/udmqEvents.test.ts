// The host waits for the user data migration queue's tail-pointer event
// instead of polling it (tp4159 section 6, D33): it arms the trigger
// (Features 21h ETPT, TPT an eighth of the queue past its head), keeps one
// Asynchronous Event Request outstanding on the PF, and drains when the
// One-Shot event comes; it polls only when none came for PATIENCE steps, and
// then, if the trigger had passed, takes the event for lost and posts another
// AER. A device that cannot hold an AER gets a host that polls every step.
import { describe, expect, it } from 'vitest';
import type { HostDevice } from '../../src/host/device.ts';
import { NvmeLmHost } from '../../src/host/driver.ts';
import { PATIENCE, UserDataLog } from '../../src/host/userDataLog.ts';
import { EventFaultDevice } from '../../src/migrate/eventFaultDevice.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { isSuccess } from '../../src/wire/status.ts';
import { Host } from '../emulator/helpers.ts';
import { tpRig } from './tp4159Rig.ts';

/** A 32-slot log (trigger 4) for VF 1 over `wrap(device)`, and a guest writing on VF 1. */
async function rig(wrap: (d: HostDevice) => HostDevice = (d) => d) {
  const { dev, hd } = tpRig();
  const host = await NvmeLmHost.attach(wrap(hd.inner), { profile: 'tp4159' });
  const guest = new Host(dev, 0x20_0000);
  guest.enable(1);
  guest.createIoPair(1, 1, 32);
  const io = { device: host.channel.device, submit: (sqe: Uint8Array) => host.channel.submit(sqe), events: host.events };
  const log = await UserDataLog.start(io, 1, 32);
  const write = (slba: number) => expect(isSuccess(guest.write(1, 1, slba, 1, 0x5a)!)).toBe(true);
  const cdq = () => dev.controller(0).hmlm.cdqs.get(log.cdqid)!;
  const aers = () => dev.controller(0).aers.length;
  return { dev, host, log, write, cdq, aers };
}

/** Ask the log `n` times whether to drain; the answers. */
async function ask(log: UserDataLog, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await log.due());
  return out;
}

describe('UDMQ tail-pointer events, host side (D33)', () => {
  it('D33: the host arms the trigger an eighth of the queue past its head and holds one AER; the event, not a poll, tells it to drain', async () => {
    const { log, write, cdq, aers } = await rig();
    expect(log.eventDriven).toBe(true);
    expect(cdq()).toMatchObject({ etpt: true, tpt: 4 });
    expect(aers()).toBe(1);
    write(10);
    write(11); // the ESA 1 entry and two ranges: the tail (3) is short of the trigger
    expect(await ask(log, 3)).toEqual([undefined, undefined, undefined]);
    write(12); // tail 4: the One-Shot event completes the AER
    expect(aers()).toBe(0);
    expect(await log.due()).toBe('event');
    expect(aers()).toBe(1); // posted again at once
    expect((await log.drain('event')).ranges.map((r) => Number(r.slba))).toEqual([10, 11, 12]);
    expect(cdq()).toMatchObject({ hp: 4, tpt: 8, etpt: true }); // released, and the trigger moved on
    expect(log.stats).toEqual({ events: 1, stale: 0, polls: 0, missed: 0 });
  });

  it('D33: an event taken while the driver waited for another command is kept for the log', async () => {
    const { host, log, write } = await rig();
    for (const lba of [1, 2, 3]) write(lba);
    await host.channel.submit(sqeFor.getNumberOfQueues(0)); // its wait takes the AER's completion too
    expect(await log.due()).toBe('event');
  });

  it(`D33: with nothing logged the host waits ${PATIENCE} steps, then polls once (the fallback) and finds no event missing`, async () => {
    const { log } = await rig();
    const answers = await ask(log, PATIENCE);
    expect(answers.slice(0, -1).every((a) => a === undefined)).toBe(true);
    expect(answers.at(-1)).toBe('poll');
    await log.drain('poll');
    expect(log.stats).toMatchObject({ polls: 1, missed: 0 });
  });

  it('D33: a lost event: the host polls after its patience, finds the trigger passed, posts another AER and the next event drives it again', async () => {
    let faults: EventFaultDevice | undefined;
    const { log, write, aers } = await rig((d) => (faults = new EventFaultDevice(d)));
    faults!.arm('lost');
    for (const lba of [1, 2, 3]) write(lba);
    const answers = await ask(log, PATIENCE);
    expect(faults!.lost).toBe(1);
    expect(answers.at(-1)).toBe('poll');
    expect((await log.drain('poll')).ranges).toHaveLength(3);
    expect(log.stats).toMatchObject({ polls: 1, missed: 1 });
    expect(aers()).toBe(1); // the new AER; the lost one was completed by the controller
    for (const lba of [4, 5, 6, 7]) write(lba);
    expect(await log.due()).toBe('event');
  });

  it('a device that cannot hold an AER gets a host that polls the log every step', async () => {
    const { dev, hd } = tpRig();
    const host = await NvmeLmHost.attach(hd, { profile: 'tp4159' }); // the recording device posts nothing
    const log = await UserDataLog.start({ device: hd, submit: (sqe) => host.channel.submit(sqe), events: host.events }, 1, 32);
    expect(log.eventDriven).toBe(false);
    expect(dev.controller(0).hmlm.cdqs.get(log.cdqid)).toMatchObject({ etpt: false });
    expect(await ask(log, 2)).toEqual(['poll', 'poll']);
  });
});
