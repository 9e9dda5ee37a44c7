// A target that crashes or hangs on a path is a finding, not the end of the
// run (issue 14, requirement 3): that path fails with what happened (crash or
// hang, the target's last stderr lines, the step, the command bytes), the
// next path starts from a fresh reset, and the summary counts crashes and
// hangs. The target is the emulator behind faultingAdapter.ts, which crashes
// on opcode 0xC4 and hangs on 0xC8 (as the SQE is written).
import { beforeAll, describe, expect, it } from 'vitest';
import { runVerify, type VerifyResult } from '../../src/verify/run.ts';
import { formatVerify, verifyExitCode } from '../../src/cli/commands/verify.ts';
import { formatFailure } from '../../src/verify/failureText.ts';
import { CRASH_OPCODE, HANG_OPCODE } from './fixtures/faultingAdapter.ts';

const FAULTING = { kind: 'adapter', module: 'test/verify/fixtures/faultingAdapter.ts' } as const;
const MUTANT_FREE = { kind: 'adapter', module: 'test/verify/fixtures/recordingAdapter.ts' } as const;
const QUICK = ['pfAcceptance:no-lm'];

const opcodeOf = (sqe: string | undefined): number => parseInt((sqe ?? '').slice(0, 2), 16);

let r: VerifyResult;
let healthy: VerifyResult;
beforeAll(async () => {
  [r, healthy] = await Promise.all([
    runVerify({ target: FAULTING, profiles: ['no-lm'], completionTimeoutMs: 0, only: QUICK }),
    runVerify({ target: MUTANT_FREE, profiles: ['no-lm'], completionTimeoutMs: 0, only: QUICK }),
  ]);
});

describe('D17 paths on a target that crashes and hangs', () => {
  it('every path that sends 0xC4 or 0xC8 fails as a crash or a hang; every other path passes as on a healthy target', () => {
    expect(healthy.failed).toBe(0);
    expect(r.crashed).toBeGreaterThan(0);
    expect(r.hung).toBeGreaterThan(0);
    expect(r.failed).toBe(r.crashed + r.hung);
    expect(r.passed + r.failed).toBe(healthy.passed);
    for (const f of r.failures) {
      const opcode = opcodeOf(f.command?.sqe);
      expect(f.fault?.kind, f.path).toBe(opcode === CRASH_OPCODE ? 'crash' : 'hang');
      expect([CRASH_OPCODE, HANG_OPCODE], f.path).toContain(opcode);
      expect(f.step, f.path).toBeGreaterThan(0);
      expect(f.command?.sqe, f.path).toMatch(/^[0-9a-f]{128}$/);
    }
    const s = r.suites[0];
    expect([s.crashed, s.hung]).toEqual([r.crashed, r.hung]);
  });

  it('a crash prints what happened, the command bytes and the last lines of stderr; the summary counts crashes and hangs; exit 1', () => {
    const crash = r.failures.find((f) => f.fault?.kind === 'crash');
    if (!crash) throw new Error('no crash was reported');
    expect(crash.observed).toMatch(/^target crashed: QEMU was killed by SIGABRT/);
    const text = formatFailure(crash).join('\n');
    expect(text).toContain(`SQE ${crash.command?.sqe}`);
    expect(text).toContain("last lines of the target's stderr:\n    qemu: starting\n    ctrl.c:1: Assertion failed");
    expect(formatVerify(r)).toMatch(new RegExp(`${r.failed} failed \\(${r.crashed} crashed, ${r.hung} hung\\), ${r.passed} passed`));
    expect(formatVerify(healthy)).not.toMatch(/crashed/);
    expect(verifyExitCode(r)).toBe(1);
  });
});
