// The controller mutant noPhaseInvert (a CQ's phase tag never inverted when
// it wraps) fails a path of every suite family: each drives a CQ round and
// reads a completion after the wrap (queueWraps.test.ts measures it per
// queue), and the queue driver refuses a completion with the previous
// pass's tag. One small suite per family, stopped at its first failing path.
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../models/engine/run.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { allSuites } from '../../models/catalog.ts';
import { EMULATOR_SAVED_FORMAT } from '../../models/host/savedFormat.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { formatFailure } from '../../src/verify/failureText.ts';

const CATALOG = allSuites({ savedFormat: EMULATOR_SAVED_FORMAT });
const familyOf = (s: Suite): string => s.id.split(':')[0];
/** A small suite of each family (the family: the id's first part). */
const SMALL = ['pfAcceptance:foreign', 'vfLifecycle:no-lm:immediate', 'system:2:drop', 'vfioMigration:stop-copy', 'tp4159Lifecycle:whole-only', 'tp4159Udmq', 'tp4159Acceptance:no-vendor:whole-only:pc0', 'tp4159System:2'];
const SUITE_OF_FAMILY = new Map(SMALL.map((id): [string, Suite] => {
  const s = CATALOG.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no suite ${id} in the catalog`);
  return [familyOf(s), s];
}));

/**
 * How the failure reads: the bindings' queue driver names the stale phase
 * tag; the vfio suites' host driver (src/host) reads the slot as no new
 * completion, and its VFIO arc fails on the command that never came.
 */
const SEEN_AS: Readonly<Record<string, RegExp>> = {
  vfioMigration: /got no completion within the timeout/,
};
const STALE_PHASE = /posted at CQ slot \d+ with the previous pass's phase tag/;

describe('NVMe phase tag: noPhaseInvert fails a path of every suite family', () => {
  it('one suite of every family of the catalog', () => {
    expect([...SUITE_OF_FAMILY.keys()].sort()).toEqual([...new Set(CATALOG.map(familyOf))].sort());
    expect(SUITE_OF_FAMILY.size).toBe(8);
  });

  for (const [family, suite] of SUITE_OF_FAMILY) {
    it(`NVMe phase tag, I2: ${family} (${suite.id}) fails at its first path on noPhaseInvert, the stale completion refused, and passes unbroken`, async () => {
      const run = await runSuite(suite, new EmulatorAdapter({ mutant: 'noPhaseInvert' }), { stopAtFirstFailure: true });
      expect(run.failures.length, `${suite.id} passed every path with the phase tag never inverted`).toBeGreaterThan(0);
      const text = formatFailure(run.failures[0]).join('\n');
      expect(text).toMatch(SEEN_AS[family] ?? STALE_PHASE);
      const unbroken = await runSuite(suite, new EmulatorAdapter(), { only: [suite.paths()[0]] });
      expect(unbroken.failures).toEqual([]);
    }, 30_000);
  }
});
