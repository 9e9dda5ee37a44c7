import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { QemuAdapter } from '../../../src/verify/qemu/qemuAdapter.ts';
import { RESERVED_BASE } from '../../../src/verify/qemu/memoryMap.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { decodeIdentifyController, LM_CAPABILITY_OFFSET } from '../../../src/wire/identify.ts';
import { LM_OPCODES } from '../../../src/wire/opcodes.ts';
import { encodeSqe } from '../../../src/wire/sqe.ts';
import { SC } from '../../../src/wire/status.ts';
import { CC_ENABLE, REG } from '../../../src/wire/registers.ts';
import { ADMIN_ENTRIES, createIoPair, DATA, enableController, hasQemu, mustComplete, pattern, queueBase, regs } from './helpers.ts';
import { decodeCqe } from '../../../src/wire/cqe.ts';
import { UnsupportedProfileError } from '../../../src/target/errors.ts';

describe('QemuAdapter: options it refuses (no QEMU needed)', () => {
  it.each(['lm', 'reserved', 'foreign'] as const)('D17: profile %s is refused: QEMU is only a no-lm device', async (profile) => {
    const a = new QemuAdapter();
    await expect(a.reset({ vfs: 1, profile })).rejects.toBeInstanceOf(UnsupportedProfileError);
    await expect(a.reset({ vfs: 1, profile })).rejects.toThrow(/use --profile no-lm/);
    expect(a.pid).toBeNull();
  });

  it('D10: strict is refused, QEMU ignores reserved fields', async () => {
    await expect(new QemuAdapter().reset({ vfs: 1, profile: 'no-lm', strict: true })).rejects.toThrow(/strict/);
  });

  it('D1: vfQueuePolicy drop is refused, QEMU completes every command', async () => {
    await expect(new QemuAdapter().reset({ vfs: 1, profile: 'no-lm', vfQueuePolicy: 'drop' })).rejects.toThrow(/never drops/);
  });

  it('D15: deferred I/O is refused with the reason: QEMU completes every I/O it fetches, nothing holds one in flight', async () => {
    const a = new QemuAdapter();
    await expect(a.reset({ vfs: 1, profile: 'no-lm', ioCompletion: 'deferred' })).rejects.toBeInstanceOf(UnsupportedProfileError);
    await expect(a.reset({ vfs: 1, profile: 'no-lm', ioCompletion: 'deferred' })).rejects.toThrow(/completeIo/);
    expect(a.pid).toBeNull();
  });

  it('D4: more VFs than the target offers is a range error that names the limit', async () => {
    await expect(new QemuAdapter().reset({ vfs: 9, profile: 'no-lm' })).rejects.toThrow(/0 to 8/);
  });

  it('D17: without qemu-system-x86_64 on PATH, reset says which package to install', async () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      await expect(new QemuAdapter().reset({ vfs: 1, profile: 'no-lm' })).rejects.toThrow(/apt-get install qemu-system-x86/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('D17: using the target before reset says to call reset()', async () => {
    await expect(new QemuAdapter().regRead(0, 0, 4)).rejects.toThrow(/call reset\(\) first/);
  });
});

describe.skipIf(!hasQemu)('QemuAdapter on QEMU with 2 VFs', () => {
  const a = new QemuAdapter();
  afterAll(() => a.close());
  beforeEach(() => a.reset({ vfs: 2, profile: 'no-lm' }));

  it('D17: after reset the VF controllers are disabled and online; the PF runs on the target queue (reads CC.EN 1)', async () => {
    for (const fn of [1, 2]) {
      expect(await regs(a, fn)).toEqual({ cc: 0n, csts: 0n }); // CSTS.CFS would mean offline
      expect(await a.regRead(fn, REG.CAP, 8)).toBe(0x004018200f0107ffn);
      expect(await a.regRead(fn, REG.VS, 4)).toBe(0x10400n);
    }
    // The documented deviation: VFs online need an enabled PF (qemu-nvme.md).
    expect(await regs(a, 0)).toEqual({ cc: CC_ENABLE, csts: 1n });
    expect(a.pfOwner).toBe('target');
    // That queue is not the tester's: submitting to the PF before enabling it is refused.
    await expect(a.submit(0, 0, sqeFor.identify(1, 1, DATA))).rejects.toThrow(/until you enable it/);
  });

  it('D18: the tester enables the PF and both VFs on its own admin queues and sees CSTS.RDY', async () => {
    expect(await enableController(a, 0)).toBe(1n);
    expect(a.pfOwner).toBe('tester');
    expect(await enableController(a, 1)).toBe(1n);
    expect(await enableController(a, 2)).toBe(1n);
    const id = await mustComplete(a.submit(0, 0, sqeFor.identify(1, 1, DATA)));
    expect(id.cid).toBe(1);
    expect(id.sc).toBe(0);
    // The target's provisioning ran on the tester's queue first: 1 Identify + 3 per VF, then this command.
    expect(id.sqhd).toBe((1 + 3 * 2 + 1) % ADMIN_ENTRIES);
  });

  it('D18: a 2-entry PF admin queue that the target wrapped bringing the VFs online starts fresh: the first command completes in slot 0, phase 1', async () => {
    const base = queueBase(0);
    await a.regWrite(0, REG.AQA, 4, (1n << 16n) | 1n);
    await a.regWrite(0, REG.ASQ, 8, base);
    await a.regWrite(0, REG.ACQ, 8, base + 0x1000n);
    await a.regWrite(0, REG.CC, 4, CC_ENABLE);
    expect((await regs(a, 0)).csts).toBe(1n);
    // 1 Identify + 3 per VF took several passes; the CQ memory is zeroed as the enable left it
    expect(await a.memRead(base + 0x1000n, 32)).toEqual(new Uint8Array(32));
    await a.memWrite(base, sqeFor.identify(0x77, 1, DATA));
    await a.regWrite(0, 0x1000, 4, 1n); // SQ 0 tail doorbell
    let c = decodeCqe(await a.memRead(base + 0x1000n, 16));
    for (let polls = 0; c.phase !== 1 && polls < 1000; polls++) c = decodeCqe(await a.memRead(base + 0x1000n, 16));
    expect([c.cid, c.phase, c.sqhd, c.sct, c.sc]).toEqual([0x77, 1, 1, 0, 0]);
    expect(await enableController(a, 1)).toBe(1n); // and the VFs are online
  });

  it('D18: VFs enable on their own queues before the tester touches the PF', async () => {
    expect(await enableController(a, 1)).toBe(1n);
    const c = await mustComplete(a.submit(1, 0, sqeFor.identify(4, 1, DATA)));
    expect([c.sct, c.sc, c.cid]).toEqual([0, 0, 4]);
  });

  it('D2: Identify Controller on PF and VF 1: VID 0x1b36, byte 3072 = 0x00, CNTLID 0 and 1', async () => {
    for (const fn of [0, 1]) {
      await enableController(a, fn);
      const c = await mustComplete(a.submit(fn, 0, sqeFor.identify(7, 1, DATA)));
      expect([c.sct, c.sc]).toEqual([0, 0]);
      const bytes = await a.memRead(DATA, 4096);
      const id = decodeIdentifyController(bytes);
      expect(id.vid).toBe(0x1b36);
      expect(id.mn).toBe('QEMU NVMe Ctrl');
      expect(id.cntlid).toBe(fn);
      expect(bytes[LM_CAPABILITY_OFFSET]).toBe(0x00);
      expect(bytes.subarray(3072).every((b) => b === 0)).toBe(true);
    }
  });

  it('D17 + D1: the five LM opcodes with CDW10=1 give Invalid Command Opcode, DNR on the PF, VF 1 and VF 2 admin queues', async () => {
    for (const fn of [0, 1, 2]) {
      await enableController(a, fn);
      for (const op of LM_OPCODES) {
        const c = await mustComplete(a.submit(fn, 0, encodeSqe({ opc: op.opcode, cid: 0x40 + fn, cdw10: 1 })));
        expect({ fn, op: op.name, sct: c.sct, sc: c.sc, dnr: c.dnr, cid: c.cid }).toEqual({
          fn,
          op: op.name,
          sct: 0,
          sc: SC.INVALID_OPCODE,
          dnr: true,
          cid: 0x40 + fn,
        });
      }
      // I3: nothing changed; the controller still runs and answers.
      expect(await regs(a, fn)).toEqual({ cc: CC_ENABLE, csts: 1n });
      expect((await mustComplete(a.submit(fn, 0, sqeFor.identify(9, 1, DATA)))).sc).toBe(0);
    }
  });

  it('D15: a 4 KiB Write reads back on VF 1 and on the PF', async () => {
    for (const fn of [1, 0]) {
      await enableController(a, fn);
      const [cq, sq] = await createIoPair(a, fn);
      expect([cq.sc, sq.sc]).toEqual([0, 0]);
      const data = pattern(fn);
      const slba = BigInt(fn * 64);
      await a.memWrite(DATA, data);
      const w = await mustComplete(a.submit(fn, 1, sqeFor.write(0x20, 1, slba, 8, DATA)));
      expect([w.sct, w.sc, w.sqid, w.cid]).toEqual([0, 0, 1, 0x20]);
      const r = await mustComplete(a.submit(fn, 1, sqeFor.read(0x21, 1, slba, 8, DATA + 0x10000n)));
      expect([r.sct, r.sc, r.cid]).toEqual([0, 0, 0x21]);
      expect(await a.memRead(DATA + 0x10000n, 4096)).toEqual(data);
    }
  });

  it('D14 + D15: the namespace is shared: VF 2 and the PF read the blocks VF 1 wrote (QEMU, observed)', async () => {
    for (const fn of [0, 1, 2]) {
      await enableController(a, fn);
      await createIoPair(a, fn);
    }
    const data = pattern(7);
    await a.memWrite(DATA, data);
    expect((await mustComplete(a.submit(1, 1, sqeFor.write(1, 1, 100n, 8, DATA)))).sc).toBe(0);
    for (const fn of [2, 0]) {
      const buf = DATA + 0x10000n * BigInt(fn + 1);
      expect((await mustComplete(a.submit(fn, 1, sqeFor.read(2, 1, 100n, 8, buf)))).sc).toBe(0);
      expect(await a.memRead(buf, 4096)).toEqual(data);
    }
    // Controller state stays separate: VF 2's I/O queue is untouched by VF 1's commands.
    expect(await regs(a, 2)).toEqual({ cc: CC_ENABLE, csts: 1n });
  });

  it('D15: every reset starts from a zeroed namespace in a fresh QEMU process', async () => {
    await enableController(a, 1);
    await createIoPair(a, 1);
    await a.memWrite(DATA, pattern(3));
    await mustComplete(a.submit(1, 1, sqeFor.write(1, 1, 0n, 8, DATA)));
    const before = a.pid;
    await a.reset({ vfs: 2, profile: 'no-lm' });
    expect(a.pid).not.toBe(before);
    await enableController(a, 1);
    await createIoPair(a, 1);
    expect((await mustComplete(a.submit(1, 1, sqeFor.read(2, 1, 0n, 8, DATA)))).sc).toBe(0);
    expect((await a.memRead(DATA, 4096)).every((b) => b === 0)).toBe(true);
  });

  it('I2: memory reserved for the target queue and the ROM hole are refused with where to go instead', async () => {
    await expect(a.memWrite(RESERVED_BASE, new Uint8Array(4))).rejects.toThrow(/place queues and buffers below 0x1fff0000/);
    await expect(a.memRead(RESERVED_BASE - 2n, 4)).rejects.toThrow(/reserves/);
    await expect(a.memWrite(0xf0000n, new Uint8Array(4))).rejects.toThrow(/ROM hole/);
  });

  it('I2: functions and registers outside the device are refused', async () => {
    await expect(a.regRead(3, 0, 4)).rejects.toThrow(/1\.\.2/);
    await expect(a.regRead(0, 0x4000, 4)).rejects.toThrow(/16 KiB BAR0/);
    await expect(a.regWrite(0, 0x16, 4, 0n)).rejects.toThrow(/aligned/);
  });
});
