// A QEMU that crashes or hangs is a finding about QEMU, not a crash of
// verify (issue 14, requirement 3): the failing call says what happened (the
// exit signal or code, the last lines of stderr, the command on the wire),
// QEMU is gone afterwards, and the next reset starts a fresh one. The fake
// QEMU (fixtures/fakeQemu.mjs) misbehaves on purpose; the real QEMU is
// killed from outside where it is installed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { QemuAdapter } from '../../../src/verify/qemu/qemuAdapter.ts';
import { livePids, QemuProcess } from '../../../src/verify/qemu/qemuProcess.ts';
import { TargetFault } from '../../../src/target/errors.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { REG } from '../../../src/wire/registers.ts';
import { enableController, hasQemu, isAlive } from './helpers.ts';

const FAKE_QEMU = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fakeQemu.mjs');

/** Start the fake QEMU in `mode`, answering `answers` requests first. */
async function startFake(mode: 'abort' | 'exit' | 'hang', answers = 0, answerTimeoutMs?: number): Promise<QemuProcess> {
  process.env.FAKE_QEMU_MODE = mode;
  process.env.FAKE_QEMU_ANSWERS = String(answers);
  try {
    return await QemuProcess.start({ binary: FAKE_QEMU, args: [], dir: QemuProcess.makeDir(), answerTimeoutMs });
  } finally {
    delete process.env.FAKE_QEMU_MODE;
    delete process.env.FAKE_QEMU_ANSWERS;
  }
}

describe('a QEMU that crashes or hangs (fake QEMU)', () => {
  it('an assertion and SIGABRT is a crash naming the signal and the last lines of stderr; QEMU is gone', async () => {
    const proc = await startFake('abort', 1);
    await expect(proc.qtest.readl(0x1000n)).resolves.toBe(0);
    await expect(proc.qtest.readl(0x2000n)).rejects.toThrow(/got no answer/);
    const fault = await proc.fault();
    expect(fault).toBeInstanceOf(TargetFault);
    expect(fault?.kind).toBe('crash');
    expect(fault?.message).toMatch(/QEMU was killed by SIGABRT; its stderr ends: .*Assertion/);
    expect(fault?.stderrTail).toEqual(['fake-qemu: starting', expect.stringMatching(/hw\/nvme\/ctrl.c:1234: .*readl 0x2000/)]);
    expect(isAlive(proc.child.pid as number)).toBe(false);
    expect(livePids()).not.toContain(proc.child.pid);
  });

  it('an exit with a code is a crash naming the code', async () => {
    const proc = await startFake('exit');
    await expect(proc.qtest.readl(0x1000n)).rejects.toThrow();
    const fault = await proc.fault();
    expect(fault?.kind).toBe('crash');
    expect(fault?.message).toMatch(/QEMU exited with code 1; its stderr ends: fake-qemu: giving up/);
  });

  it('a request unanswered in time is a hang: every pending request fails, QEMU is killed', async () => {
    const proc = await startFake('hang', 0, 100);
    const pid = proc.child.pid as number;
    const t0 = performance.now();
    const first = proc.qtest.readl(0x1000n);
    const second = proc.qtest.readl(0x2000n);
    await expect(first).rejects.toThrow(/"readl 0x1000" got no answer within 100 ms: QEMU hangs/);
    await expect(second).rejects.toThrow(/QEMU hangs/);
    expect(performance.now() - t0).toBeLessThan(2000);
    await expect(proc.qtest.readl(0x3000n)).rejects.toThrow(/QEMU hangs/); // the stream is out of step for good
    const fault = await proc.fault();
    expect(fault?.kind).toBe('hang');
    expect(fault?.message).toMatch(/QEMU hangs; QEMU was killed/);
    expect(isAlive(pid)).toBe(false);
  });

  it('a QEMU that answers is no fault: the error is the caller\'s', async () => {
    const proc = await startFake('hang', 5);
    await expect(proc.qtest.readl(0x1000n)).resolves.toBe(0);
    expect(await proc.fault()).toBeNull();
    await proc.stop();
  });
});

describe.skipIf(!hasQemu)('a QEMU that crashes or hangs (real QEMU, killed from outside)', () => {
  it('SIGSEGV during a command: submit fails with the signal and the command bytes, later calls say the same, reset starts a fresh QEMU', async () => {
    const a = new QemuAdapter();
    try {
      await a.reset({ vfs: 1, profile: 'no-lm' });
      await enableController(a, 1);
      const first = a.pid as number;
      process.kill(first, 'SIGSEGV');
      const sqe = sqeFor.identify(0x42, 1, 0x1000000n);
      const err = await a.submit(1, 0, sqe).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TargetFault);
      const fault = err as TargetFault;
      expect(fault.kind).toBe('crash');
      expect(fault.message).toMatch(/QEMU was killed by SIGSEGV/);
      expect(fault.command).toEqual({ fn: 1, qid: 0, cid: 0x42, sqe: Buffer.from(sqe).toString('hex') });
      await expect(a.regRead(1, REG.CSTS, 4)).rejects.toBe(fault);
      expect(isAlive(first)).toBe(false);
      await a.reset({ vfs: 1, profile: 'no-lm' });
      expect(a.pid).not.toBe(first);
      expect(await a.regRead(0, REG.CSTS, 4)).toBe(1n);
    } finally {
      await a.close();
    }
    expect(livePids()).toEqual([]);
  }, 30_000);

  it('SIGSTOP: the next register read is a hang after the answer timeout, and the stopped QEMU is killed', async () => {
    const a = new QemuAdapter({ answerTimeoutMs: 200 });
    try {
      await a.reset({ vfs: 1, profile: 'no-lm' });
      const pid = a.pid as number;
      process.kill(pid, 'SIGSTOP');
      const err = await a.regRead(0, REG.CSTS, 4).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TargetFault);
      expect((err as TargetFault).kind).toBe('hang');
      expect(isAlive(pid)).toBe(false);
      expect(a.pid).toBeNull();
    } finally {
      await a.close();
    }
    expect(livePids()).toEqual([]);
  }, 30_000);
});
