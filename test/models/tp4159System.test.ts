// The tp4159System:2 byte binding on the emulator: the suite's shape, its
// paths take every reachable definition edge, and a device that logs one
// VF's writes into another VF's UDMQ (the crossVfLog mutant) is caught by a
// named path, which passes on the correct emulator (I13: a UDMQ holds
// entries of its own controller only). Every path on the emulator is
// test/generated/tp4159System.test.ts.
import { describe, expect, it } from 'vitest';
import { TP_SYSTEM_SUITE_VFS, tpSystemSuites } from '../../models/bindings/tp4159System.ts';
import { Mismatch } from '../../models/engine/suite.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import type { Path } from '../../src/paths/path.ts';
import { runPaths } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

const [suite] = tpSystemSuites({ timeoutMs: 0 });

/** Paths where VF 1's guest writes while VF 2 logs: where a write logged into the wrong queue shows. */
function crossPaths(): Path[] {
  return suite.paths().filter((p) => {
    const names = p.steps.map((s) => `${s.event.type}:${(s.event as { vf?: number }).vf ?? 0}`);
    const start = names.indexOf('TRACK_START:2');
    return start >= 0 && names.indexOf('WRITE:1', start) > start;
  });
}

describe('tp4159System binding', () => {
  it('one suite, tp4159System:2: 2 VFs of profile tp4159, I/O completing at once', () => {
    expect(tpSystemSuites({ timeoutMs: 0 }).map((s) => s.id)).toEqual(['tp4159System:2']);
    expect(suite.reset).toEqual({ vfs: TP_SYSTEM_SUITE_VFS, profile: 'tp4159', ioCompletion: 'immediate' });
  });

  it('the paths take every reachable definition edge', () => {
    const reachable = reachableCoverage(suite.spec.machine, explore(suite.spec)).reachable;
    expect(pathCoverage(suite.spec.machine, suite.paths()).covered).toBe(reachable.length);
  });

  it('I13: VF 1\'s writes logged into VF 2\'s UDMQ (mutant crossVfLog) fail a path that passes on the correct emulator', async () => {
    const paths = crossPaths().slice(0, 3);
    expect(paths.length).toBeGreaterThan(0);
    const good = await runPaths(paths, suite.implementation(new EmulatorAdapter()));
    expect(good.results.filter((r) => !r.ok).map((r) => String(r.error))).toEqual([]);
    const bad = await runPaths(paths, suite.implementation(new EmulatorAdapter({ mutant: 'crossVfLog' })));
    const caught = bad.results.find((r) => !r.ok);
    expect(caught?.error).toBeInstanceOf(Mismatch);
    expect((caught?.error as Mismatch).what).toMatch(/UDMQ.*I13/);
    expect(caught?.path.steps[caught.failedStep ?? -1].event).toEqual({ type: 'WRITE', vf: 1 });
  });
});
