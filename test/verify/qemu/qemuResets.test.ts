import { afterAll, describe, expect, it } from 'vitest';
import { QemuAdapter } from '../../../src/verify/qemu/qemuAdapter.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { CC_ENABLE, REG } from '../../../src/wire/registers.ts';
import { createIoPair, DATA, enableController, hasQemu, mustComplete, pattern, regs } from './helpers.ts';

const CSTS_CFS = 0x2n;

describe.skipIf(!hasQemu)('QemuAdapter resets on QEMU', () => {
  const a = new QemuAdapter();
  afterAll(() => a.close());

  it('D13: VF FLR clears CC and CSTS of that VF only; the VF enables again and answers Identify', async () => {
    await a.reset({ vfs: 2, profile: 'no-lm' });
    for (const fn of [0, 1, 2]) await enableController(a, fn);
    await createIoPair(a, 1);
    await a.flr(1);
    expect(await regs(a, 1)).toEqual({ cc: 0n, csts: 0n });
    expect(await regs(a, 0)).toEqual({ cc: CC_ENABLE, csts: 1n });
    expect(await regs(a, 2)).toEqual({ cc: CC_ENABLE, csts: 1n });
    // The VF's I/O queue is gone with the reset.
    await expect(a.submit(1, 1, sqeFor.read(1, 1, 0n, 8, DATA))).rejects.toThrow(/no submission queue 1/);
    expect(await enableController(a, 1)).toBe(1n);
    const c = await mustComplete(a.submit(1, 0, sqeFor.identify(3, 1, DATA)));
    expect([c.sc, c.cid, c.sqhd]).toEqual([0, 3, 1]);
    // VF 2 kept running through VF 1's FLR (D14).
    expect((await mustComplete(a.submit(2, 0, sqeFor.identify(4, 1, DATA)))).sc).toBe(0);
  });

  it('D18: a tester CC.EN 1->0 on the PF takes every VF offline (CSTS.CFS, CC writes ignored) until the PF is enabled again', async () => {
    await a.reset({ vfs: 2, profile: 'no-lm' });
    for (const fn of [0, 1, 2]) await enableController(a, fn);
    await a.regWrite(0, REG.CC, 4, CC_ENABLE & ~1n);
    expect(await regs(a, 0)).toEqual({ cc: 0n, csts: 0n });
    for (const fn of [1, 2]) expect(await regs(a, fn)).toEqual({ cc: 0n, csts: CSTS_CFS });
    // An offline VF ignores the enable.
    expect(await enableController(a, 1)).toBe(CSTS_CFS);
    expect(await a.regRead(1, REG.CAP, 8)).toBe(0n);
    // The PF enabled again: the target brings the VFs back online, disabled, as D18 wants them.
    expect(await enableController(a, 0)).toBe(1n);
    for (const fn of [1, 2]) expect(await regs(a, fn)).toEqual({ cc: 0n, csts: 0n });
    expect(await enableController(a, 1)).toBe(1n);
    expect((await mustComplete(a.submit(1, 0, sqeFor.identify(5, 1, DATA)))).sc).toBe(0);
  });

  it('D18: reset says the VFs are offline while the PF is disabled, and why (suites report those VF states not realisable)', async () => {
    const info = await a.reset({ vfs: 1, profile: 'no-lm' });
    expect(info?.vfsOfflineWhilePfDisabled).toMatch(/offline on any PF reset.*Virtualization Management.*PF enabled/);
  });

  it('D18: PF FLR resets every VF and leaves the PF disabled, the VFs offline until the tester enables it; config space is restored and the namespace survives', async () => {
    await a.reset({ vfs: 2, profile: 'no-lm' });
    for (const fn of [0, 1, 2]) await enableController(a, fn);
    await createIoPair(a, 2);
    const data = pattern(9);
    await a.memWrite(DATA, data);
    expect((await mustComplete(a.submit(2, 1, sqeFor.write(1, 1, 8n, 8, DATA)))).sc).toBe(0);

    await a.flr(0);
    expect(a.pfOwner).toBe('tester');
    expect(await regs(a, 0)).toEqual({ cc: 0n, csts: 0n });
    for (const fn of [1, 2]) expect(await regs(a, fn)).toEqual({ cc: 0n, csts: CSTS_CFS });
    await expect(a.submit(0, 0, sqeFor.identify(1, 1, DATA))).rejects.toThrow(/function 0 has no submission queue 0/);

    // The PF enabled again: the target brings the VFs back online, disabled.
    expect(await enableController(a, 0)).toBe(1n);
    for (const fn of [1, 2]) expect(await regs(a, fn)).toEqual({ cc: 0n, csts: 0n });
    expect(await enableController(a, 2)).toBe(1n);
    await createIoPair(a, 2);
    expect((await mustComplete(a.submit(2, 1, sqeFor.read(2, 1, 8n, 8, DATA + 0x10000n)))).sc).toBe(0);
    expect(await a.memRead(DATA + 0x10000n, 4096)).toEqual(data);
  });

  it('D18: the tester enabling the PF after reset resets the VFs it had already enabled (the PF changes admin queue)', async () => {
    await a.reset({ vfs: 1, profile: 'no-lm' });
    expect(await enableController(a, 1)).toBe(1n);
    expect(await enableController(a, 0)).toBe(1n);
    expect(await regs(a, 1)).toEqual({ cc: 0n, csts: 0n });
  });

  it('D4: with 8 VFs, VF k answers Identify with CNTLID k and runs 4 I/O queue pairs', async () => {
    await a.reset({ vfs: 8, profile: 'no-lm' });
    await enableController(a, 0);
    for (let k = 1; k <= 8; k++) {
      expect(await enableController(a, k)).toBe(1n);
      const c = await mustComplete(a.submit(k, 0, sqeFor.identify(k, 1, DATA)));
      expect(c.sc).toBe(0);
      const cntlid = (await a.memRead(DATA + 78n, 2))[0];
      expect(cntlid).toBe(k);
    }
    // VQ_PER_VF = 5: the admin queue plus 4 I/O pairs (Number of Queues reads 4 + 4, zero-based).
    const nq = await mustComplete(a.submit(8, 0, sqeFor.getNumberOfQueues(0x30)));
    expect([nq.sc, nq.dw0]).toEqual([0, 0x0003_0003]);
    for (let q = 1; q <= 4; q++) {
      const [cq, sq] = await createIoPair(a, 8, q, 4);
      expect([cq.sc, sq.sc]).toEqual([0, 0]);
    }
    // A fifth CQ: Invalid Queue Identifier (SCT 1, SC 0x01); its SQ: Completion Queue Invalid (SCT 1, SC 0x00).
    const [cq5, sq5] = await createIoPair(a, 8, 5, 4);
    expect([cq5.sct, cq5.sc, sq5.sct, sq5.sc]).toEqual([1, 0x01, 1, 0x00]);
  });

  it('D17: vfs: 0 gives a PF with no VF functions', async () => {
    await a.reset({ vfs: 0, profile: 'no-lm' });
    await expect(a.regRead(1, 0, 4)).rejects.toThrow(/function 1 does not exist/);
    expect(await enableController(a, 0)).toBe(1n);
  });
});
