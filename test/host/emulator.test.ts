// The host driver against the emulated PF (src/emulator), through registers
// and host memory only: probe every profile, migrate a VF with live I/O
// queues from one device to another, resets and failures.
import { describe, expect, it } from 'vitest';
import type { CommandTrace } from '../../src/emulator/controller.ts';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { DeviceOptions } from '../../src/emulator/options.ts';
import { AdminChannel } from '../../src/host/channel.ts';
import { LmRefusedError, NvmeLmHost } from '../../src/host/driver.ts';
import { probe, DEFAULT_ALLOWLIST } from '../../src/host/probe.ts';
import { RegisterHostDevice } from '../../src/host/registerDevice.ts';
import { VfioArcError, VfioMigration } from '../../src/host/vfio/migration.ts';
import { FLAG_SETS, VFIO_STATES } from '../../src/host/vfio/states.ts';
import { Host } from '../emulator/helpers.ts';
import { emulatorBus } from '../../src/migrate/side.ts';

const bus = emulatorBus;

/** An emulated device, the host driver's device over it, and every PF command the emulator executed. */
function rig(options: DeviceOptions, memoryBase = 0x1_0000_0000n) {
  const dev = new EmulatedDevice(options);
  const pfCommands: CommandTrace[] = [];
  dev.trace = (t) => {
    if (t.fn === 0) pfCommands.push(t);
  };
  const hd = new RegisterHostDevice(bus(dev), { memoryBase, memoryBytes: 16 << 20, timeoutMs: 50 });
  return { dev, hd, pfCommands, lmOpcodes: () => pfCommands.map((c) => c.opcode).filter((o) => o >= 0xc4 && o <= 0xd5) };
}

/** Every way the driver has to send an LM opcode, after a refused probe. */
async function tryEverything(channel: AdminChannel): Promise<void> {
  for (const flags of FLAG_SETS) for (const s of VFIO_STATES) await new VfioMigration(channel, 0, flags).setState(s).catch(() => undefined);
}

describe('host driver on the emulated PF: probe per profile (D2, D3, D17, I7)', () => {
  it('D2: lm (8086:4c4d, byte 0x01) is accepted after one Identify', async () => {
    const { hd, pfCommands } = rig({ profile: 'lm' });
    const host = await NvmeLmHost.attach(hd);
    expect(host.probeResult.identify.lmCapability).toBe(1);
    expect(pfCommands.map((c) => c.opcode)).toEqual([0x06]);
  });

  it('D2, I7: reserved (byte 0x02) is refused and the emulator never sees 0xC4-0xD5', async () => {
    const { hd, lmOpcodes } = rig({ profile: 'reserved' });
    const channel = new AdminChannel(hd);
    expect(await probe(channel)).toMatchObject({ supported: false, reason: 'lm-byte-reserved', lmByte: 2 });
    await tryEverything(channel);
    await expect(NvmeLmHost.attach(hd)).rejects.toBeInstanceOf(LmRefusedError);
    expect(lmOpcodes()).toEqual([]);
  });

  it('D3, I7: no-lm (8086:0953) is not on the allowlist; allowlisted anyway, its byte 0x00 refuses it', async () => {
    const { hd, lmOpcodes, pfCommands } = rig({ profile: 'no-lm' });
    const channel = new AdminChannel(hd);
    expect(await probe(channel)).toMatchObject({ supported: false, reason: 'not-allowlisted' });
    expect(pfCommands).toEqual([]);
    expect(await probe(channel, { allowlist: [...DEFAULT_ALLOWLIST, { vendor: 0x8086, device: 0x0953 }] })).toMatchObject({ supported: false, reason: 'lm-byte-zero' });
    await tryEverything(channel);
    expect(lmOpcodes()).toEqual([]);
  });

  it('D3, I7: foreign (144d:4c4d), where 0xC4 erases the namespace: refused, nothing sent, the namespace intact', async () => {
    const { dev, hd, lmOpcodes } = rig({ profile: 'foreign', vfs: 1 });
    const guest = new Host(dev);
    guest.enable(1);
    guest.createIoPair(1, 1);
    expect(guest.write(1, 1, 0, 8, 0x5a)!.sc).toBe(0);
    const channel = new AdminChannel(hd);
    expect(await probe(channel)).toMatchObject({ supported: false, reason: 'not-allowlisted' });
    expect(await probe(channel, { allowlist: [{ vendor: 0x144d, device: 0x4c4d }] })).toMatchObject({ supported: false, reason: 'lm-byte-zero' });
    await tryEverything(channel);
    expect(lmOpcodes()).toEqual([]);
    expect(guest.read(1, 1, 0, 8).data.every((b) => b === 0x5a)).toBe(true);
    // what the guard prevents: on a twin device, the same 0xC4 sent raw (no driver) erases the data
    const twin = new EmulatedDevice({ profile: 'foreign', vfs: 1 });
    const user = new Host(twin);
    user.enable(0);
    user.enable(1);
    user.createIoPair(1, 1);
    expect(user.write(1, 1, 0, 8, 0x5a)!.sc).toBe(0);
    user.query(1);
    expect(user.read(1, 1, 0, 8).data.every((b) => b === 0x5a)).toBe(false);
  });
});

describe('host driver on the emulated PF: migration (D6, D13, D16, D18)', () => {
  /** Source device with a guest on VF 1 that has one I/O queue pair and data on the namespace. */
  function source() {
    const src = rig({ profile: 'lm', vfs: 2 });
    const guest = new Host(src.dev);
    guest.enable(1);
    guest.createIoPair(1, 1);
    expect(guest.write(1, 1, 0, 8, 0x11)!.sc).toBe(0);
    return { ...src, guest };
  }

  it('D5, D6: source RUNNING -> STOP -> STOP_COPY: the stream holds exactly QUERY\'s bytes; a second SAVE gives the same bytes (D6)', async () => {
    const { dev, hd } = source();
    const host = await NvmeLmHost.attach(hd);
    const vf = host.vf(0);
    await vf.setState('STOP');
    expect(dev.inspect(1).lmState).toBe('suspended');
    expect(dev.inspect(2).lmState).toBe('running');
    await vf.setState('STOP_COPY');
    const size = dev.inspect(1).migrationDataSize;
    expect(vf.saveStream!.size).toBe(size);
    const first = await vf.saveStream!.readAll();
    expect(first.length).toBe(size);
    expect(dev.inspect(1).lmState).toBe('saved');
    await vf.setState('STOP');
    await vf.setState('STOP_COPY');
    expect(await vf.saveStream!.readAll()).toEqual(first);
    await vf.setState('RUNNING');
    expect(dev.inspect(1).lmState).toBe('running');
  });

  it('D15, D16: source to destination: STOP_COPY bytes written in RESUMING, LOAD, RESUME; the guest carries on with its queues and data', async () => {
    const src = source();
    const dst = rig({ profile: 'lm', vfs: 2, namespace: src.dev.namespace, memory: src.dev.memory }, 0x2_0000_0000n);
    const from = (await NvmeLmHost.attach(src.hd)).vf(0);
    const to = (await NvmeLmHost.attach(dst.hd)).vf(0);
    await from.setState('STOP_COPY');
    await to.setState('RESUMING');
    expect(dst.dev.inspect(1).lmState).toBe('suspended');
    for (let c = await from.saveStream!.read(100); c.length > 0; c = await from.saveStream!.read(100)) await to.resumeStream!.write(c);
    const r = await to.setState('RUNNING');
    expect(r.arcs.map((a) => a.to)).toEqual(['STOP', 'RUNNING']);
    expect(dst.dev.inspect(1)).toMatchObject({ lmState: 'running', ioQueues: 1, ready: true });
    const guest = src.guest.guestOn(dst.dev, 1, 0x900_0000);
    expect(guest.read(1, 1, 0, 8).data.every((b) => b === 0x11)).toBe(true);
    expect(guest.write(1, 1, 8, 8, 0x22)!.sc).toBe(0);
    expect(dst.lmOpcodes()).toEqual([0xc8, 0xd5, 0xcc]);
    expect(src.lmOpcodes()).toEqual([0xc8, 0xc4, 0xd2]);
  });

  it('D16: a LOAD of corrupt data is rejected by the device (D7); the arc fails, the state stays RESUMING, a good retry works', async () => {
    const src = source();
    const dst = rig({ profile: 'lm', vfs: 1, namespace: src.dev.namespace, memory: src.dev.memory }, 0x2_0000_0000n);
    const from = (await NvmeLmHost.attach(src.hd)).vf(0);
    const to = (await NvmeLmHost.attach(dst.hd)).vf(0);
    await from.setState('STOP_COPY');
    const good = await from.saveStream!.readAll();
    await to.setState('RESUMING');
    const bad = new Uint8Array(good);
    bad[bad.length - 1] ^= 0xff;
    await to.resumeStream!.write(bad);
    const e = await to.setState('STOP').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VfioArcError);
    expect((e as Error).message).toMatch(/RESUMING -> STOP .* at LOAD: LOAD_DATA \(0xd5\) for VF index 1 completed with Invalid Field in Command/);
    expect(to.state).toBe('RESUMING');
    expect(dst.dev.inspect(1).lmState).toBe('suspended');
    await dst.hd.flr(1); // D16: user space resets, and starts over
    expect(to.state).toBe('RUNNING');
    await to.setState('RESUMING');
    await to.resumeStream!.write(good);
    await to.setState('RUNNING');
    expect(dst.dev.inspect(1).ioQueues).toBe(1);
  });

  it('D13: an FLR of the VF in STOP_COPY: the driver reports RUNNING, the stream is closed, the VF runs in power-on state', async () => {
    const { dev, hd } = source();
    const vf = (await NvmeLmHost.attach(hd)).vf(0);
    await vf.setState('STOP_COPY');
    const s = vf.saveStream!;
    await hd.flr(1);
    expect(vf.state).toBe('RUNNING');
    await expect(s.read()).rejects.toMatchObject({ errno: 'EINVAL' });
    expect(dev.inspect(1)).toMatchObject({ lmState: 'running', ioQueues: 0 });
  });

  it('D18: an FLR of the PF: every VF RUNNING, streams closed, and the driver works again on a rebuilt admin queue', async () => {
    const { dev, hd } = source();
    const host = await NvmeLmHost.attach(hd);
    await host.vf(0).setState('STOP_COPY');
    await host.vf(1).setState('RESUMING');
    await hd.flr(0);
    expect([host.vf(0).state, host.vf(1).state]).toEqual(['RUNNING', 'RUNNING']);
    expect(host.vf(0).saveStream).toBeUndefined();
    expect(host.vf(1).resumeStream).toBeUndefined();
    await host.vf(1).setState('STOP_COPY');
    expect(host.vf(1).saveStream!.size).toBe(dev.inspect(2).migrationDataSize);
  });
});
