// verify catches a broken QEMU: a JSON-lines proxy (proxy.ts) in front of
// `nvme-lm serve --qemu` changes what QEMU answers, and verify, meeting it as
// a separate program, exits 1 and names the failing path. The same proxy
// changing nothing passes, so the failures come from the break alone.
// Skipped where qemu-system-x86_64 is absent.
import { describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../../src/verify/run.ts';
import { hasQemu, nvmeLm } from './helpers.ts';

/** Generous: under load, a cold `tsx` start of the proxy and of `serve` behind it takes seconds. */
const slow = ['--timeout', '60000', '--completion-timeout', '2000'];

async function verifyThroughProxy(mode: string): Promise<{ status: number | null; r: VerifyResult; stderr: string }> {
  const proxy = `${JSON.stringify(process.execPath)} --import tsx test/verify/qemu/proxy.ts ${mode}`;
  const run = await nvmeLm(['verify', '--exec', proxy, '--profile', 'no-lm', '--vfs', '2', '--json', ...slow]);
  if (run.stdout.trim() === '') throw new Error(`verify printed nothing (exit ${run.status}): ${run.stderr}`);
  return { status: run.status, r: JSON.parse(run.stdout) as VerifyResult, stderr: run.stderr };
}

describe.skipIf(!hasQemu)('verify --exec "proxy.ts <break>" in front of nvme-lm serve --qemu', () => {
  it('D17: the proxy changing nothing passes (exit 0): every no-lm path QEMU can play agrees with the machines', async () => {
    const { status, r, stderr } = await verifyThroughProxy('none');
    expect(r.failures.map((f) => `${f.suite}: ${f.path} (step ${f.step} ${f.event}): expected ${f.expected}, observed ${f.observed}`)).toEqual([]);
    expect(status, stderr).toBe(0);
    expect(r.passed).toBe(22);
    expect(r.unsupportedProfiles).toEqual([]);
    expect(r.suites.find((s) => s.suite === 'vfLifecycle:no-lm:deferred')?.unsupported).toMatch(/completeIo/);
  }, 300_000);

  it('D1, D17: 0xC4 on a VF admin queue turned into success is caught (exit 1), naming each path that sends it', async () => {
    const { status, r, stderr } = await verifyThroughProxy('vf-c4-success');
    expect(status, stderr).toBe(1);
    const names = r.failures.map((f) => `${f.suite}: ${f.path}`);
    expect(names).toContain('pfAcceptance:no-lm: QUEUE_VF_ADMIN > OPC_QUERY');
    expect(r.failures.some((f) => f.suite === 'vfLifecycle:no-lm:immediate' && f.event === 'VF_LM_QUERY')).toBe(true);
    for (const f of r.failures) {
      // only the broken command fails: on the VF's own admin queue, QUERY_DATA_SIZE
      expect(f.event === 'VF_LM_QUERY' || f.path === 'QUEUE_VF_ADMIN > OPC_QUERY', `${f.suite}: ${f.path}`).toBe(true);
      expect(f.expected).toMatch(/Invalid Command Opcode/);
      expect(f.observed).toMatch(/Success/);
      expect(f.deviation).toBeUndefined();
    }
  }, 300_000);

  it('I2: a dropped completion of a VF Write is caught (exit 1), naming the path whose SUBMIT_IO got no completion', async () => {
    const { status, r, stderr } = await verifyThroughProxy('drop-vf-write');
    expect(status, stderr).toBe(1);
    const submit = r.failures.filter((f) => f.suite === 'vfLifecycle:no-lm:immediate' && f.event === 'SUBMIT_IO');
    expect(submit.length).toBeGreaterThan(0);
    for (const f of submit) {
      expect(f.path.split(' > ')[f.step - 1]).toBe('SUBMIT_IO');
      // the proxy hides it by flipping the phase of the new entry: a slot whose tag says "not posted" though its
      // bytes changed since the host last read it, which the queue driver names as a phase fault (I2), or
      // (when it is the slot's first pass) no completion at all
      expect(f.observed).toMatch(/^no completion$|^phase \d$/);
    }
    expect(r.failed).toBe(r.failures.length);
  }, 300_000);
});
