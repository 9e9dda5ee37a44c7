// The controller mutants (src/emulator/mutants.ts) are caught by a named path
// of the suites, through the checks every suite gets from the queue driver and
// the run engine: the SQ head in every completion (NVMe SQ head pointer), the
// phase tag after a CQ wraps, no completion nobody asked for after every step
// (I2), and a misbehaviour in reset failing the paths with its reason instead
// of stopping the run. Each runs a few paths only.
import { describe, expect, it } from 'vitest';
import { runSuite, type PathFailure } from '../../models/engine/run.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { tpLifecycleSuites } from '../../models/bindings/tp4159Lifecycle.ts';
import { vfioSuites } from '../../models/bindings/vfio.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

const find = (suites: Suite[], id: string): Suite => {
  const s = suites.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
};
const vf = (id: string): Suite => find(vfLifecycleSuites({ timeoutMs: 0 }), id);
const acceptance = (id: string): Suite => find(pfAcceptanceSuites({ timeoutMs: 0 }), id);
const tp = (id: string): Suite => find(tpLifecycleSuites({ timeoutMs: 0 }), id);

/** The first `n` paths of `suite` on the emulator (broken as `mutant` says): their failures. */
async function failures(suite: Suite, mutant: Mutant | undefined, n: number): Promise<PathFailure[]> {
  const run = await runSuite(suite, new EmulatorAdapter(mutant ? { mutant } : {}), { only: suite.paths().slice(0, n) });
  return run.failures;
}

describe('controller mutants are caught by a named path', () => {
  it('NVMe SQ head pointer: staleSqHead fails vfLifecycle:lm:reject:immediate at its first completion, the SQHD field named', async () => {
    const s = vf('vfLifecycle:lm:reject:immediate');
    expect(await failures(s, undefined, 3)).toEqual([]);
    const [f] = await failures(s, 'staleSqHead', 3);
    expect(f.pathId).toMatch(/^vfLifecycle:lm:reject:immediate#\d+$/);
    expect(f.differences?.[0].field).toBe('SQHD');
    expect(f.differences?.[0]).toMatchObject({ expected: '1', observed: '0' });
    expect(f.cqe).toMatch(/^[0-9a-f]{32}$/);
  });

  it('NVMe phase tag: noPhaseInvert fails a tp4159Lifecycle path once the guest\'s 4-entry admin queue wraps, the phase field named', async () => {
    const s = tp('tp4159Lifecycle');
    const got = await failures(s, 'noPhaseInvert', 6);
    expect(got.length).toBeGreaterThan(0);
    expect(got[0].differences).toEqual([{ field: 'phase', expected: '0', observed: '1' }]);
  });

  it('I2: duplicateCompletion on the PF admin queue fails pfAcceptance:lm (a completion nobody asked for)', async () => {
    const s = acceptance('pfAcceptance:lm');
    expect(await failures(s, undefined, 4)).toEqual([]);
    const got = await failures(s, 'duplicateCompletion', 4);
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]).toMatchObject({ decision: 'I2', differences: [{ field: 'CID' }] });
    expect(got[0].what).toMatch(/function 0 CQ 0: a completion nobody asked for on SQ 0/);
  });

  it('I2: duplicateCompletion fails vfioMigration:stop-copy too: the host driver\'s PF admin queue read a completion it never waited for', async () => {
    const s = vfioSuites({ timeoutMs: 0 })[0];
    expect(await failures(s, undefined, 3)).toEqual([]);
    const got = await failures(s, 'duplicateCompletion', 3);
    expect(got.length).toBeGreaterThan(0);
    expect(got[0].what).toMatch(/completions on the PF admin queue \(I2\)/);
  });

  it('D2, D17: badPfIdentify fails every vfLifecycle:lm path at reset with its reason, and the run goes on (no exception)', async () => {
    const s = vf('vfLifecycle:lm:reject:immediate');
    const got = await failures(s, 'badPfIdentify', 3);
    expect(got).toHaveLength(3);
    for (const f of got) expect(f).toMatchObject({ step: 0, event: 'reset', expected: '0x01 (lm)', observed: '0x00' });
    expect(got[0].what).toMatch(/PF Identify Controller byte 3072/);
  });
});
