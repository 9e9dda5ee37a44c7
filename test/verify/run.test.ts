// The verify job on the built-in emulator behind an adapter module (no QEMU
// needed). What `--vfs N` does to each suite is in suiteVfs.test.ts, the exit
// code the CLI derives from the result in test/cli/verifyExitCode.test.ts.
import { describe, expect, it } from 'vitest';
import { deviationTarget, runVerify, selectSuites, withDeviation } from '../../src/verify/run.ts';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { resets } from './fixtures/recordingAdapter.ts';

const FIXTURE = 'test/verify/fixtures/recordingAdapter.ts';

describe('verify --vfs N', () => {
  it('D17: runVerify --vfs 3 on an adapter module: every reset asks for at least 3 VFs and every no-lm suite passes with every reachable transition', async () => {
    resets.length = 0;
    const r = await runVerify({ target: { kind: 'adapter', module: FIXTURE }, profiles: ['no-lm'], vfs: 3, completionTimeoutMs: 0 });
    expect(r.failures).toEqual([]);
    expect(resets.length).toBeGreaterThan(0);
    expect(resets.every((o) => o.vfs >= 3)).toBe(true);
    expect(r.suites.map((s) => s.suite).sort()).toEqual(['pfAcceptance:no-lm:vfs=3', 'vfLifecycle:no-lm:deferred', 'vfLifecycle:no-lm:immediate']);
    for (const s of r.suites) {
      expect(s.vfs).toBe(3);
      expect(s.transitions.covered, s.suite).toBe(s.transitions.reachable);
    }
    // the emulator holds I/O in flight: nothing is left unexhibited
    expect(r.notExhibited).toEqual([]);
    expect(r.paths).toBe(r.suites.reduce((n, s) => n + s.paths, 0));
  });
});

describe('verify --suite', () => {
  it('an exact id or the part before a colon selects, =id selects that id alone; an unknown name is an error that lists the suites there are', () => {
    const suites = pfAcceptanceSuites({ timeoutMs: 0 });
    expect(selectSuites(suites, ['pfAcceptance:no-lm']).map((s) => s.id)).toEqual(['pfAcceptance:no-lm']);
    expect(selectSuites(suites, ['pfAcceptance:lm']).map((s) => s.id)).toEqual(['pfAcceptance:lm', 'pfAcceptance:lm:strict', 'pfAcceptance:lm:drop']);
    expect(selectSuites(suites, ['pfAcceptance']).map((s) => s.id)).toEqual(suites.map((s) => s.id));
    expect(selectSuites(suites, ['=pfAcceptance:lm']).map((s) => s.id)).toEqual(['pfAcceptance:lm']);
    expect(() => selectSuites(suites, ['=pfAcceptance'])).toThrow('--suite =pfAcceptance: no such suite');
    expect(() => selectSuites(suites, ['pfAcc', 'nope'])).toThrow(`--suite pfAcc nope: no such suite for the chosen profiles; the suites are ${suites.map((s) => s.id).join(', ')}`);
  });
});

describe('known deviations of a failure', () => {
  // a One-Shot event QEMU with TP4159 completed at Suspend with DUDMQ after a VF reset (QEMU-TP4159-D34-RESET-KEEPS-LOGGING)
  const failure = {
    suite: 'tp4159Udmq:entries=3:one-shot',
    path: 'CREATE_CDQ > TRACK_START > AER > FLR > DELETE_CDQ > CREATE_CDQ > TRACK_START > FLR > SUSPEND_DUDMQ',
    step: 9,
    event: 'SUSPEND_DUDMQ',
    expected: 'none',
    observed: 'DW0 0x104 DW1 0',
    what: 'SUSPEND_DUDMQ: Asynchronous Event Request completions, One-Shot (D33); logging ended by a VF reset (D34)',
  };

  it('D34: the same failure is a known deviation on QEMU (any binary) and a failure on any other target, for a run and a --replay alike', () => {
    expect(deviationTarget({ kind: 'qemu', binary: './qemu-system-x86_64' })).toBe('qemu');
    expect(withDeviation(deviationTarget({ kind: 'qemu' }), failure).deviation?.id).toBe('QEMU-TP4159-D34-RESET-KEEPS-LOGGING');
    expect(withDeviation(deviationTarget({ kind: 'exec', command: 'nvme-lm serve --profile tp4159' }), failure).deviation).toBeUndefined();
  });
});
