// The watch queueWraps.test.ts measures with counts a CQ as wrapped only when
// the host read a completion posted after the wrap (its phase tag inverted),
// not when a head doorbell went back to 0; an SQ when its tail doorbell did.
// Shown on the emulator's PF admin queue of 2 entries, and with the phase tag
// never inverted (noPhaseInvert), where the third completion is refused.
import { describe, expect, it } from 'vitest';
import { FunctionDriver } from '../../models/host/guest.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { DoorbellWatch } from './doorbellWatch.ts';

const CQ = 'function 0 CQ 0';
const SQ = 'function 0 SQ 0';

async function pfWithTwoEntries(mutant?: Mutant): Promise<{ watch: DoorbellWatch; driver: FunctionDriver; noOp: () => Promise<unknown> }> {
  const watch = new DoorbellWatch();
  const adapter = watch.adapter(new EmulatorAdapter(mutant ? { mutant } : {}));
  await adapter.reset({ vfs: 0, profile: 'lm' });
  const driver = new FunctionDriver(adapter, 0, 0, { admin: 2, io: 2 });
  await driver.enable();
  return { watch, driver, noOp: () => driver.submit(0, sqeFor.getNumberOfQueues(driver.cid())) };
}

describe('DoorbellWatch: a CQ wraps when a completion after the wrap was read', () => {
  it('NVMe phase tag: two commands on a 2-entry queue wrap its SQ, not yet its CQ; the third wraps the CQ', async () => {
    const { watch, noOp } = await pfWithTwoEntries();
    await noOp();
    expect(watch.unwrapped()).toEqual([CQ, SQ]);
    await noOp();
    expect(watch.unwrapped()).toEqual([CQ]);
    await noOp();
    expect(watch.unwrapped()).toEqual([]);
    expect([...watch.wrapped].sort()).toEqual([CQ, SQ]);
  });

  it('NVMe phase tag: with noPhaseInvert the third completion is refused and the CQ never counts as wrapped', async () => {
    const { watch, noOp } = await pfWithTwoEntries('noPhaseInvert');
    await noOp();
    await noOp();
    await expect(noOp()).rejects.toThrow(/previous pass's phase tag/);
    expect(watch.wrapped.has(CQ)).toBe(false);
  });
});
