import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdminChannel } from '../../src/host/channel.ts';
import { LmRefusedError, NvmeLmHost } from '../../src/host/driver.ts';
import { HostError } from '../../src/host/errors.ts';
import { probe } from '../../src/host/probe.ts';
import { VfioMigration } from '../../src/host/vfio/migration.ts';
import { FLAG_SETS, VFIO_STATES } from '../../src/host/vfio/states.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { FakePf } from './fakePf.ts';

const LM_DEVICE = { vendor: 0x8086, device: 0x4c4d };
const QEMU_NVME = { vendor: 0x1b36, device: 0x0010 };
const inLmRange = (op: number) => op >= 0xc4 && op <= 0xd5;

/** After a refused probe, try every way the driver has to send an LM opcode. */
async function tryEverything(pf: FakePf, channel: AdminChannel): Promise<void> {
  for (let op = 0xc4; op <= 0xd5; op++) {
    const sqe = new Uint8Array(64);
    sqe[0] = op;
    sqe[40] = 1;
    await expect(channel.submit(sqe)).rejects.toMatchObject({ errno: 'EPERM' });
  }
  for (const flags of FLAG_SETS) {
    for (const target of VFIO_STATES) {
      const m = new VfioMigration(channel, 0, flags);
      await m.setState(target).catch(() => undefined);
    }
  }
  await expect(NvmeLmHost.attach(pf)).rejects.toBeInstanceOf(LmRefusedError);
}

describe('probe (D2, D3, I7)', () => {
  it('D2: accepts the lm device (allowlisted 8086:4c4d, byte 3072 = 0x01) after one Identify', async () => {
    const pf = new FakePf();
    const channel = new AdminChannel(pf);
    const r = await probe(channel);
    expect(r.supported).toBe(true);
    expect(channel.lmPermitted).toBe(true);
    expect(pf.opcodes()).toEqual([0x06]);
    expect(channel.sentOpcodes()).toEqual([0x06]);
  });

  it('D2, I7: refuses no-lm (byte 3072 = 0x00) and sends no 0xC4-0xD5 whatever is asked', async () => {
    const pf = new FakePf({ lmByte: 0x00 });
    const channel = new AdminChannel(pf);
    const r = await probe(channel);
    expect(r).toMatchObject({ supported: false, reason: 'lm-byte-zero', lmByte: 0 });
    if (!r.supported) expect(r.message).toMatch(/byte 3072 = 0x00.*not supported/);
    await tryEverything(pf, channel);
    expect(pf.opcodes().filter(inLmRange)).toEqual([]);
    expect(channel.sentOpcodes().filter(inLmRange)).toEqual([]);
  });

  it('D2, I7: refuses reserved (byte 3072 = 0x02), which the RFC driver accepted as nonzero, and sends no 0xC4-0xD5', async () => {
    const pf = new FakePf({ lmByte: 0x02 });
    const channel = new AdminChannel(pf);
    const r = await probe(channel);
    expect(r).toMatchObject({ supported: false, reason: 'lm-byte-reserved', lmByte: 2 });
    if (!r.supported) expect(r.message).toMatch(/0x02, a reserved value; only 0x01/);
    await tryEverything(pf, channel);
    expect(pf.opcodes().filter(inLmRange)).toEqual([]);
  });

  it('D2: every reserved value 0x02-0xFF is refused', async () => {
    for (let b = 0x02; b <= 0xff; b++) {
      const r = await probe(new AdminChannel(new FakePf({ lmByte: b })));
      expect(r, `byte 0x${b.toString(16)}`).toMatchObject({ supported: false, reason: 'lm-byte-reserved', lmByte: b });
    }
  });

  it('D3, I7: refuses a foreign vendor even with byte 3072 = 0x01, before sending anything', async () => {
    const pf = new FakePf({ pciId: QEMU_NVME, lmByte: 0x01 });
    const channel = new AdminChannel(pf);
    const r = await probe(channel);
    expect(r).toMatchObject({ supported: false, reason: 'not-allowlisted' });
    if (!r.supported) expect(r.message).toMatch(/1b36:0010 is not on the live-migration allowlist \(8086:4c4d\)/);
    expect(pf.opcodes()).toEqual([]);
    await tryEverything(pf, channel);
    expect(pf.opcodes().filter(inLmRange)).toEqual([]);
  });

  it('D3: the same vendor with another device ID is refused too', async () => {
    const r = await probe(new AdminChannel(new FakePf({ pciId: { vendor: 0x8086, device: 0x4c4e } })));
    expect(r).toMatchObject({ supported: false, reason: 'not-allowlisted' });
  });

  it('D3: a caller-supplied allowlist admits its device (and still needs byte 0x01)', async () => {
    const allowlist = [QEMU_NVME];
    expect((await probe(new AdminChannel(new FakePf({ pciId: QEMU_NVME })), { allowlist })).supported).toBe(true);
    expect(await probe(new AdminChannel(new FakePf({ pciId: QEMU_NVME, lmByte: 0 })), { allowlist })).toMatchObject({ reason: 'lm-byte-zero' });
    expect(await probe(new AdminChannel(new FakePf()), { allowlist })).toMatchObject({ reason: 'not-allowlisted' });
  });

  it('D3: a failing Identify refuses migration and says so', async () => {
    const pf = new FakePf({ fault: () => ({ sct: 0, sc: 0x06, dnr: true }) });
    const r = await probe(new AdminChannel(pf));
    expect(r).toMatchObject({ supported: false, reason: 'identify-failed' });
    if (!r.supported) expect(r.message).toMatch(/Identify Controller on PF 8086:4c4d failed: Identify \(0x06\) completed with Internal Error/);
    const t = await probe(new AdminChannel(new FakePf({ fault: () => 'timeout' })));
    expect(t).toMatchObject({ supported: false, reason: 'identify-failed' });
  });

  it('D3: NvmeLmHost.attach throws LmRefusedError (EPERM) naming the reason', async () => {
    const e = await NvmeLmHost.attach(new FakePf({ lmByte: 2 })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LmRefusedError);
    expect((e as HostError).errno).toBe('EPERM');
    expect((e as LmRefusedError).result.reason).toBe('lm-byte-reserved');
  });

  it('D3: a permit from a passing probe is dropped by the next probe that fails', async () => {
    const pf = new FakePf();
    const channel = new AdminChannel(pf);
    expect((await probe(channel)).supported).toBe(true);
    pf.lmByte = 0;
    expect((await probe(channel)).supported).toBe(false);
    await expect(channel.submit(encodeLmCommand({ opcode: 0xc8, vfIndex: 1 }))).rejects.toMatchObject({ errno: 'EPERM' });
  });

  it('I7: for any PCI ID, byte 3072 and allowlist, 0xC4-0xD5 reach the device only if the ID is allowlisted and the byte is 0x01', async () => {
    const id = fc.record({ vendor: fc.constantFrom(0x8086, 0x1b36, 0x144d), device: fc.constantFrom(0x4c4d, 0x0010, 0xa808) });
    await fc.assert(
      fc.asyncProperty(id, fc.oneof(fc.constantFrom(0x00, 0x01, 0x02), fc.integer({ min: 0, max: 255 })), fc.array(id, { maxLength: 3 }), fc.constantFrom(...VFIO_STATES), async (pciId, lmByte, allowlist, target) => {
        const pf = new FakePf({ pciId, lmByte });
        const channel = new AdminChannel(pf);
        await probe(channel, { allowlist });
        await new VfioMigration(channel, 0, 7).setState(target).catch(() => undefined);
        await new VfioMigration(channel, 1).setState('STOP').catch(() => undefined);
        const allowed = allowlist.some((a) => a.vendor === pciId.vendor && a.device === pciId.device) && lmByte === 0x01;
        const sent = pf.opcodes().filter(inLmRange);
        if (!allowed) expect(sent).toEqual([]);
        else expect(sent.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
