// Known deviations: a failure matching a documented deviation is reported as
// "known deviation", never as a pass, and verify exits 0 only when every
// failure is one. Played on a QEMU broken on purpose (0xC4 on a VF admin
// queue succeeds), with deviation lists written for it here; the real list,
// models/engine/deviations.ts, is empty for QEMU 7.2. Skipped without QEMU.
import { describe, expect, it } from 'vitest';
import type { Deviation } from '../../../models/engine/deviations.ts';
import { runVerify } from '../../../src/verify/run.ts';
import type { Target } from '../../../src/verify/targets.ts';
import { formatVerify, verifyExitCode } from '../../../src/cli/commands/verify.ts';
import { hasQemu } from './helpers.ts';

const target: Target = { kind: 'adapter', module: 'test/verify/qemu/fixtures/c4SuccessQemu.ts' };
const name = 'adapter test/verify/qemu/fixtures/c4SuccessQemu.ts';
const onVfQueue: Deviation = {
  id: 'TEST-C4-VF-LIFECYCLE',
  target: name,
  suites: ['vfLifecycle:no-lm'],
  event: 'VF_LM_QUERY',
  observed: /Success/,
  specification: 'D1, D17: Invalid Command Opcode (NVMe Base, Generic Command Status: an unsupported opcode)',
  implementation: 'the test proxy turns it into Successful Completion',
};
const inAcceptance: Deviation = { ...onVfQueue, id: 'TEST-C4-ACCEPTANCE', suites: ['pfAcceptance:no-lm'], event: 'OPC_QUERY' };

describe.skipIf(!hasQemu)('known deviations (D1, D17 broken on purpose)', () => {
  it('D1: failures matching a deviation are known deviations, not passes; every failure documented exits 0', async () => {
    const r = await runVerify({ target, profiles: ['no-lm'], vfs: 2, completionTimeoutMs: 2000, deviations: [onVfQueue, inAcceptance] });
    expect(r.failures.length).toBeGreaterThan(1);
    expect(r.failed).toBe(0);
    expect(r.knownDeviations).toBe(r.failures.length);
    expect(r.passed + r.knownDeviations).toBe(22);
    expect(r.passed).toBeLessThan(22);
    expect(new Set(r.failures.map((f) => f.deviation?.id))).toEqual(new Set(['TEST-C4-VF-LIFECYCLE', 'TEST-C4-ACCEPTANCE']));
    expect(verifyExitCode(r)).toBe(0);
    expect(formatVerify(r)).toMatch(/KNOWN DEVIATION TEST-C4-ACCEPTANCE in pfAcceptance:no-lm: QUEUE_VF_ADMIN > OPC_QUERY/);
  }, 300_000);

  it('D1: a failure no deviation documents still fails (exit 1) next to the known ones', async () => {
    const r = await runVerify({ target, profiles: ['no-lm'], vfs: 2, completionTimeoutMs: 2000, deviations: [onVfQueue] });
    expect(r.failed).toBe(1);
    expect(r.failures[0]).toMatchObject({ suite: 'pfAcceptance:no-lm', path: 'QUEUE_VF_ADMIN > OPC_QUERY' });
    expect(r.failures[0].deviation).toBeUndefined();
    expect(r.knownDeviations).toBe(r.failures.length - 1);
    expect(verifyExitCode(r)).toBe(1);
  }, 300_000);
});
