// The tp4159 profile on QEMU (issue 14, requirement 2): a QEMU whose nvme
// device lacks the hmlms property, or whose PF identifies no HMLMS (OACS bit
// 11, D21), is reported "tp4159: unsupported", never failed, and its no-lm
// results stay as they were.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { choicesQemuLacks, identifiesHmlms, nvmeDeviceProperties, parseDeviceHelp } from '../../../src/verify/qemu/qemuFeatures.ts';
import { qemuArgs } from '../../../src/verify/qemu/qemuArgs.ts';
import { QemuAdapter } from '../../../src/verify/qemu/qemuAdapter.ts';
import { findQemu, livePids } from '../../../src/verify/qemu/qemuProcess.ts';
import { UnsupportedProfileError } from '../../../src/target/errors.ts';
import { runVerify, type VerifyResult } from '../../../src/verify/run.ts';
import { IDENTIFY_SIZE } from '../../../src/wire/identify.ts';
import { hasQemu, nvmeLm, type CliRun } from './helpers.ts';

const HELP_WITH_HMLMS = 'nvme options:\n  addr=<int32>            - Slot and optional function number\n  hmlms=<bool>           - on/off (default: false)\n  serial=<str>\n';
const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in binary that prints `help` for `-device nvme,help`. */
function fakeHelpBinary(name: string, help: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\ncat <<'HELP'\n${help}HELP\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('what a QEMU binary offers', () => {
  it('D21: the property names of -device nvme,help, hmlms among them', async () => {
    expect([...parseDeviceHelp(HELP_WITH_HMLMS)]).toEqual(['addr', 'hmlms', 'serial']);
    expect((await nvmeDeviceProperties(fakeHelpBinary('with', HELP_WITH_HMLMS))).has('hmlms')).toBe(true);
    expect((await nvmeDeviceProperties(fakeHelpBinary('without', HELP_WITH_HMLMS.replace(/ {2}hmlms.*\n/, '')))).has('hmlms')).toBe(false);
  });

  it('D21: OACS bit 11 of Identify Controller is HMLMS; the other OACS bits do not count', () => {
    const id = new Uint8Array(IDENTIFY_SIZE);
    id[256] = 0xff;
    id[257] = 0x07; // bits 0-10
    expect(identifiesHmlms(id)).toBe(false);
    id[257] = 0x08; // bit 11 alone
    expect(identifiesHmlms(id)).toBe(true);
  });

  it('hmlms=on goes on the PF line only for tp4159', () => {
    const pf = (args: string[]): string => args.find((a) => a.startsWith('nvme,id=nvme0')) ?? '';
    expect(pf(qemuArgs('img', { hmlms: true }))).toMatch(/,hmlms=on,/);
    expect(qemuArgs('img').join(' ')).not.toMatch(/hmlms/);
  });

  it('D25, D26, D28: a reset may ask for the choices the hmlms build makes (no vendor UUID, SEQIND 3 only, PC = 0 taken); any other is named', () => {
    expect(choicesQemuLacks(undefined)).toEqual([]);
    expect(choicesQemuLacks({ vendorState: false, seqind: 'whole-only', nonContiguousCdq: true })).toEqual([]);
    expect(choicesQemuLacks({ seqind: 'whole-only' })).toEqual([]);
    expect(choicesQemuLacks({ vendorState: false, seqind: 'parts', nonContiguousCdq: false })).toEqual(['seqind parts (QEMU: whole-only)', 'nonContiguousCdq false (QEMU: true)']);
  });

  it('D25: asking reset for a vendor state section is refused before starting anything, naming what QEMU is', async () => {
    const binary = fakeHelpBinary('choices', HELP_WITH_HMLMS);
    const err = await new QemuAdapter({ binary }).reset({ vfs: 1, profile: 'tp4159', tp4159: { vendorState: true } }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedProfileError);
    expect((err as Error).message).toMatch(/capability choices.*vendorState true \(QEMU: false\)/);
    expect(livePids()).toEqual([]);
  });

  it('D17: a QEMU without hmlms refuses tp4159 in reset before starting anything', async () => {
    const binary = fakeHelpBinary('plain', 'nvme options:\n  serial=<str>\n');
    const err = await new QemuAdapter({ binary }).reset({ vfs: 1, profile: 'tp4159' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedProfileError);
    expect((err as Error).message).toMatch(/profile "tp4159" is not supported: .*no "hmlms" property .*--qemu-binary or NVME_LM_QEMU/);
    expect(livePids()).toEqual([]);
  });
});

describe.skipIf(!hasQemu)('tp4159 on a QEMU without host-managed live migration (the installed QEMU)', () => {
  it('D17: tp4159 is unsupported, the no-lm suite beside it passes as before', async () => {
    const installed = findQemu() as string;
    if ((await nvmeDeviceProperties(installed)).has('hmlms')) return; // this machine's QEMU has TP4159: nothing to refuse
    const r = await runVerify({ target: { kind: 'qemu' }, profiles: ['no-lm', 'tp4159'], only: ['pfAcceptance:no-lm', 'tp4159Udmq'] });
    expect(r.unsupportedProfiles).toEqual(['tp4159']);
    const tp = r.suites.filter((s) => s.profile === 'tp4159');
    expect(tp.length).toBeGreaterThan(0);
    for (const s of tp) expect(s.unsupported, s.suite).toMatch(/no "hmlms" property/);
    const noLm = r.suites.find((s) => s.suite === 'pfAcceptance:no-lm');
    expect(noLm?.unsupported).toBeUndefined();
    expect((noLm?.passed ?? 0) + (noLm?.knownDeviations ?? 0)).toBe(noLm?.paths);
    expect(r.failed).toBe(0);
    expect(livePids()).toEqual([]);
  }, 120_000);
});

describe('naming the QEMU: --qemu-binary and NVME_LM_QEMU', () => {
  it('a named QEMU that is not an executable file is refused in reset with what to do, nothing started', async () => {
    await expect(new QemuAdapter({ binary: join(dir, 'no-such-qemu') }).reset({ vfs: 1, profile: 'no-lm' })).rejects.toThrow(
      /no-such-qemu is not an executable file: name a qemu-system-x86_64 with --qemu-binary or NVME_LM_QEMU/,
    );
    expect(livePids()).toEqual([]);
  });

  it('--qemu-binary without --qemu is a usage error (exit 2)', async () => {
    const run = await nvmeLm(['verify', '--exec', 'nvme-lm serve', '--qemu-binary', '/nowhere/qemu']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--qemu-binary names the QEMU of --qemu; give --qemu too/);
  }, 30_000);

  it('D17: NVME_LM_QEMU names the QEMU when --qemu-binary is absent; one without hmlms makes tp4159 unsupported (exit 2)', async () => {
    const binary = fakeHelpBinary('env-plain', 'nvme options:\n  serial=<str>\n');
    process.env.NVME_LM_QEMU = binary;
    let run: CliRun;
    try {
      run = await nvmeLm(['verify', '--qemu', '--profile', 'tp4159', '--suite', 'tp4159Udmq', '--json']);
    } finally {
      delete process.env.NVME_LM_QEMU;
    }
    expect(run.status).toBe(2);
    const r = JSON.parse(run.stdout) as VerifyResult;
    expect(r.target).toBe(`qemu ${binary}`);
    expect(r.unsupportedProfiles).toEqual(['tp4159']);
    expect(r.suites[0].unsupported).toContain(`${binary} has no "hmlms" property`);
  }, 30_000);
});
