// D25: the vendor state format is the device's choice. A device that does not
// list the nvme-lm vendor state UUID (QEMU's nvme.tp4159 branch is one) makes
// the option sets that drive the vendor section unsupported with the reason:
// before, their reset threw a Mismatch that ended the whole verify run.
// The device here is the emulator asked, behind the suite's back, for no
// vendor state at every reset.
import { describe, expect, it } from 'vitest';
import { tpAcceptanceSuites } from '../../models/bindings/tp4159Acceptance.ts';
import { tpLifecycleSuites } from '../../models/bindings/tp4159Lifecycle.ts';
import { runSuite } from '../../models/engine/run.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

/** The emulator as a device without the vendor state format, whatever reset asks. */
function withoutVendorState(): Adapter {
  const inner = new EmulatorAdapter();
  return Object.assign(Object.create(inner) as Adapter, {
    reset: (o: ResetOptions) => inner.reset({ ...o, tp4159: { ...o.tp4159, vendorState: false } }),
  });
}

describe('D25: a device without the vendor state format', () => {
  it('D25: tp4159Acceptance (vendor section) is unsupported with the reason, not a crash of the run', async () => {
    const [vendor] = tpAcceptanceSuites({ timeoutMs: 0 });
    const r = await runSuite(vendor, withoutVendorState(), { only: vendor.paths().slice(0, 1) });
    expect(r.unsupported).toMatch(/does not list the nvme-lm vendor state UUID in Identify CNS 20h \(D25\)/);
    expect(r.failures).toEqual([]);
  });

  it('D25: tp4159Lifecycle (vendor section) is unsupported with the reason', async () => {
    const [lifecycle] = tpLifecycleSuites({ timeoutMs: 0 });
    const r = await runSuite(lifecycle, withoutVendorState(), { only: lifecycle.paths().slice(0, 1) });
    expect(r.unsupported).toMatch(/does not list the nvme-lm vendor state UUID/);
  });

  it('D25: the same suites run on a device that lists it (the check is not always true)', async () => {
    const [vendor] = tpAcceptanceSuites({ timeoutMs: 0 });
    const r = await runSuite(vendor, new EmulatorAdapter(), { only: vendor.paths().slice(0, 1) });
    expect(r.unsupported).toBeUndefined();
    expect(r.passed).toBe(1);
  });
});
