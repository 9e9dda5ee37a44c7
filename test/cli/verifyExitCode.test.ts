// The exit code `nvme-lm verify` derives from the verify job's result: which
// profiles count as unsupported, and known deviations.
import { describe, expect, it } from 'vitest';
import type { VerifyResult, VerifySuiteResult } from '../../src/verify/run.ts';
import { verifyExitCode } from '../../src/cli/commands/verify.ts';

describe('verifyExitCode', () => {
  const suite = (over: Partial<VerifySuiteResult>): VerifySuiteResult => ({
    suite: 's',
    machine: 'm',
    profile: 'no-lm',
    vfs: 2,
    paths: 1,
    passed: 1,
    failed: 0,
    crashed: 0,
    hung: 0,
    knownDeviations: 0,
    notRealisable: [],
    edges: { covered: 1, reachable: 1 },
    transitions: { covered: 1, reachable: 1 },
    steps: 1,
    ms: 0,
    ...over,
  });
  const result = (suites: VerifySuiteResult[], failed = 0, knownDeviations = 0): VerifyResult => ({
    target: 't',
    passed: 0,
    failed,
    crashed: 0,
    hung: 0,
    knownDeviations,
    unsupportedProfiles: [],
    paths: 0,
    steps: 0,
    ms: 0,
    suites,
    notExhibited: [],
    failures: [],
    failureGroups: [],
  });

  it('D17: 2 only when no requested profile is supported; one unsupported suite among supported ones is not an error', () => {
    expect(verifyExitCode(result([suite({ unsupported: 'no' }), suite({ unsupported: 'no' })]))).toBe(2);
    expect(verifyExitCode(result([suite({ unsupported: 'needs completeIo' }), suite({})]))).toBe(0);
  });

  it('known deviations alone exit 0; any other failure exits 1', () => {
    expect(verifyExitCode(result([suite({ knownDeviations: 1, passed: 0 })], 0, 1))).toBe(0);
    expect(verifyExitCode(result([suite({ failed: 1, passed: 0 })], 1, 0))).toBe(1);
  });
});
