// Every suite wraps every queue it uses on at least one path (NVMe phase tag
// and SQ head across a wrap are checked only where a queue wraps), measured
// on the emulator from the doorbells the suite writes and the completion
// slots they hand back (doorbellWatch.ts: a CQ counts once a completion
// posted after its wrap was read), not trusted from the queue depths.
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../models/engine/run.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { systemSuites } from '../../models/bindings/system.ts';
import { vfioSuites } from '../../models/bindings/vfio.ts';
import { tpLifecycleSuites } from '../../models/bindings/tp4159Lifecycle.ts';
import { tpUdmqSuites } from '../../models/bindings/tp4159Udmq.ts';
import { tpAcceptanceSuites } from '../../models/bindings/tp4159Acceptance.ts';
import { tpSystemSuites } from '../../models/bindings/tp4159System.ts';
import { EMULATOR_SAVED_FORMAT } from '../../models/host/savedFormat.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { DoorbellWatch } from './doorbellWatch.ts';

const opts = { timeoutMs: 0 };
/**
 * One suite of each family (the others share its binding and depths), and
 * the variants whose queues see other traffic: pfAcceptance without LM (the
 * PF's admin queue), vfLifecycle without LM and with immediate I/O (queue
 * pair 1; I/O queue laps without completeIo).
 */
const SUITES: Suite[] = [
  ...pfAcceptanceSuites({ ...opts, savedFormat: EMULATOR_SAVED_FORMAT }).filter((s) => s.id === 'pfAcceptance:lm' || s.id === 'pfAcceptance:no-lm'),
  ...vfLifecycleSuites(opts).filter((s) => ['vfLifecycle:lm:reject:deferred', 'vfLifecycle:no-lm:deferred', 'vfLifecycle:no-lm:immediate'].includes(s.id)),
  ...systemSuites(opts).slice(0, 1),
  ...vfioSuites(opts).slice(0, 1),
  ...tpLifecycleSuites(opts).slice(0, 1),
  ...tpUdmqSuites(opts).slice(0, 1),
  ...tpAcceptanceSuites(opts).slice(0, 1),
  ...tpSystemSuites(opts),
];

/*
 * How each family gets there where a path alone would not (a queue deeper
 * than the commands a path sends it): small queues (2 entries where a path
 * keeps one command outstanding), and queues run round once at set-up with
 * no-ops (models/host/queueLap.ts), so a path's own completions carry the
 * inverted phase tag: pfAcceptance's VF queues and, without LM, the PF's
 * admin queue at reset; the VF I/O pairs vfLifecycle and tp4159Lifecycle
 * create; the system suites' VF admin queues (8 entries for the drop
 * policy's commands that never complete) at PF_ENABLE; tp4159Udmq's and
 * tp4159Acceptance's VF admin queues at reset; tp4159System's 2-entry
 * guest queues (a WRITE's pair is created for its one Write).
 */
describe('every suite wraps every queue it uses', () => {
  it('one suite of each family is measured', () => {
    expect([...new Set(SUITES.map((s) => s.id.split(':')[0]))]).toEqual(['pfAcceptance', 'vfLifecycle', 'system', 'vfioMigration', 'tp4159Lifecycle', 'tp4159Udmq', 'tp4159Acceptance', 'tp4159System']);
  });

  for (const s of SUITES) {
    it(`NVMe phase tag, SQ head: ${s.id}: each SQ and CQ whose doorbell a path writes wraps on some path, a completion read after each CQ's wrap`, async () => {
      const watch = new DoorbellWatch();
      const run = await runSuite(s, watch.adapter(new EmulatorAdapter()));
      expect(run.failures).toEqual([]);
      expect(watch.wrapped.size).toBeGreaterThan(0);
      expect(watch.unwrapped()).toEqual([]);
    }, 120_000);
  }
});
