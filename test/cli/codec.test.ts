import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { decodeHex, encodeCommand } from '../../src/cli/commands/codec.ts';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/nvme-lm.mjs', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nvme-lm encode', () => {
  it('SUSPEND VF 3: the SQE, the fields and the nvme-cli line', () => {
    const r = encodeCommand('suspend', { vf: '3', cid: '0x1234' });
    expect(r.sqe).toBe('c8003412' + '00'.repeat(36) + '0300' + '00'.repeat(22));
    expect(r.fields).toMatchObject({ opc: '0xc8', cid: '0x1234', vfIndex: '0x3' });
    expect(r.nvmeCli).toBe('nvme admin-passthru <pf-device> --opcode=0xc8 --cdw10=3');
  });
  it('LOAD puts the size in CDW11 and asks nvme-cli to write the data', () => {
    const r = encodeCommand('load', { vf: '1', prp1: '0x1000', size: '512' });
    expect(r.sqe.slice(88, 96)).toBe('00020000');
    expect(r.nvmeCli).toContain('--cdw11=512 --data-len=512 --write');
  });
  it('bad input is a usage error with a one-line message', () => {
    expect(() => encodeCommand('erase', { vf: '1' })).toThrow(/unknown command "erase"/);
    expect(() => encodeCommand('suspend', { vf: 'x' })).toThrow(/not a number/);
    expect(() => encodeCommand('suspend', { vf: '70000' })).toThrow(/too large/);
    expect(() => encodeCommand('suspend', { vf: '1', size: '4' })).toThrow(/moves no data/);
    expect(() => encodeCommand('load', { vf: '1' })).toThrow(/needs --size/);
  });
  it('--json through the real CLI, exit 0; bad input exits 2', () => {
    const ok = cli('encode', 'query', '--vf', '2', '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).nvmeCli).toBe('nvme admin-passthru <pf-device> --opcode=0xc4 --cdw10=2');
    const bad = cli('encode', 'query', '--vf', 'two');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'))).toHaveLength(1);
  });
});

describe('nvme-lm decode', () => {
  it('names an LM SQE, its VF and reserved bits (D10)', () => {
    const sqe = encodeCommand('resume', { vf: '2' }).sqe;
    const withNsid = sqe.slice(0, 8) + '01' + sqe.slice(10);
    const d = decodeHex(withNsid);
    expect(d).toMatchObject({ kind: 'sqe', command: 'RESUME', vfIndex: 2, reservedNonzero: ['bytes 39:4'] });
  });
  it('names a CQE status', () => {
    const d = decodeHex('00000000 00000000 05000200 34120380');
    expect(d).toMatchObject({ kind: 'cqe', status: 'Invalid Command Opcode (SCT 0, SC 0x01, DNR)', cid: 0x1234, sqid: 2 });
  });
  it('names a standard admin command', () => {
    expect(decodeHex('06' + '00'.repeat(63))).toMatchObject({ command: 'Identify' });
  });
  it('rejects other lengths and non-hex text with exit code 2', () => {
    expect(() => decodeHex('abcd')).toThrow(/64-byte SQE or a 16-byte CQE, got 2 bytes/);
    const r = cli('decode', 'zz');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a hex digit/);
  });
});
