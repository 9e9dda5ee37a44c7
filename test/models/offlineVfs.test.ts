// D18, D34 on a target whose VFs go offline while the PF is disabled (QEMU):
// the VF's power-on CSTS is not realisable there, reported with the target's
// reason; on any other target CFS 1 is a failure, and RDY 1 is one anywhere.
import { describe, expect, it } from 'vitest';
import { checkVfsWhilePfDisabled } from '../../models/engine/offlineVfs.ts';
import { Mismatch, NotRealisable } from '../../models/engine/suite.ts';
import type { FunctionDriver } from '../../models/host/guest.ts';

const REASON = 'the VFs are secondary controllers brought online through the enabled PF';
const vfs = (...csts: number[]): FunctionDriver[] => csts.map((c, i) => ({ fn: i + 1, csts: async () => c }) as unknown as FunctionDriver);
const what = (fn: number): string => `PF_DISABLE: VF ${fn} (D34)`;
const check = (drivers: FunctionDriver[], reason?: string): Promise<unknown> =>
  checkVfsWhilePfDisabled('PF_DISABLE', drivers, what, reason === undefined ? undefined : { vfsOfflineWhilePfDisabled: reason }).then(() => null, (e: unknown) => e);

describe('D34: VF CSTS while the PF is disabled', () => {
  it('D34: RDY 0, CFS 0 on every VF passes on any target', async () => {
    expect(await check(vfs(0, 0))).toBeNull();
    expect(await check(vfs(0, 0), REASON)).toBeNull();
  });

  it('D34: CFS 1 is a failure on a target that did not say its VFs go offline', async () => {
    const e = await check(vfs(0, 2));
    expect(e).toBeInstanceOf(Mismatch);
    expect((e as Mismatch).what).toBe('PF_DISABLE: VF 2 (D34): CSTS');
  });

  it('D18: offline VFs on a target that says so are not realisable, with its reason, never passed', async () => {
    const e = await check(vfs(2, 2), REASON);
    expect(e).toBeInstanceOf(NotRealisable);
    expect((e as Error).message).toBe(
      `PF_DISABLE: VF 1 and VF 2 read CSTS.CFS 1 while the PF is disabled, where D18 and D34 have every VF in its power-on state (RDY 0, CFS 0); not realisable on this target: ${REASON}`,
    );
  });

  it('D34: RDY 1 fails even on a target whose VFs go offline (an offline VF is never ready)', async () => {
    const e = await check(vfs(2, 1), REASON);
    expect(e).toBeInstanceOf(Mismatch);
    expect((e as Mismatch).observed).toMatch(/RDY 1/);
  });
});
