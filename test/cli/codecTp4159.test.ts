import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHex, encodeCommand, encodeTp4159Form, registerCodec } from '../../src/cli/commands/codec.ts';
import { describeState, describeUdmq } from '../../src/wire/tp4159/describe.ts';
import { UsageError } from '../../src/cli/usageError.ts';
import { encodeControllerState } from '../../src/wire/tp4159/state.ts';
import { encodeVendorState } from '../../src/wire/tp4159/vendorState.ts';
import { encodeUdmqEntry } from '../../src/wire/tp4159/udmq.ts';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/nvme-lm.mjs', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The commands in process (a spawned CLI costs seconds): what they print, or what they throw (main.ts turns a throw into one line and exit 2). */
async function run(...args: string[]): Promise<{ out: string; error?: unknown }> {
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerCodec(program);
  const out: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((s: unknown) => {
    out.push(String(s));
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out: out.join('\n') };
  } catch (error) {
    return { out: out.join('\n'), error };
  } finally {
    spy.mockRestore();
  }
}

const sqe = (cdw0: string, cdw10to15: string, prps = '00'.repeat(16)): string => cdw0 + '00'.repeat(20) + prps + cdw10to15;

describe('nvme-lm encode: the standard profile (tp4159 section 2)', () => {
  it('migration-send suspend: STYPE 1 by default, DUDMQ bit 31; SQE, admin-passthru and nvme lm lines', () => {
    const r = encodeTp4159Form('migration-send', 'suspend', { cntlid: '1', dudmq: true });
    expect(r.sqe).toBe(sqe('41000000', '00000000' + '01000180' + '00'.repeat(16)));
    expect(r.fields).toEqual({ opc: '0x41', cid: '0x0', sel: '0x0', cntlid: '0x1', stype: '0x1', dudmq: '0x1' });
    expect(r.nvmeCli).toBe('nvme admin-passthru <pf-device> --opcode=0x41 --cdw10=0x0 --cdw11=0x80010001');
    expect(r.nvmeLm).toBe('nvme lm migration-send <pf-device> --sel=0 --cntlid=1 --stype=1 --dudmq');
  });
  it('migration-send resume: SEL 1, CNTLID', () => {
    const r = encodeTp4159Form('migration-send', 'resume', { cntlid: '2', cid: '0x1234' });
    expect(r.sqe).toBe(sqe('41003412', '01000000' + '02000000' + '00'.repeat(16)));
    expect(r.nvmeLm).toBe('nvme lm migration-send <pf-device> --sel=1 --cntlid=2');
  });
  it('D27: migration-send set-state sends the 0-based NUMD; the plugin line says it sends the plain count', () => {
    const r = encodeTp4159Form('migration-send', 'set-state', { cntlid: '1', seqind: '3', numd: '25', prp1: '0x1000' });
    expect(r.sqe).toBe(sqe('41000000', '02000300' + '01000100' + '00'.repeat(12) + '19000000', '0010000000000000' + '00'.repeat(8)));
    expect(r.nvmeCli).toBe('nvme admin-passthru <pf-device> --opcode=0x41 --cdw10=0x30002 --cdw11=0x10001 --cdw15=0x19 --data-len=104 --write --input-file=<state file>');
    expect(r.nvmeLm).toBe('nvme lm migration-send <pf-device> --sel=2 --cntlid=1 --seq-ind=3 --csvi=1 --numd=26 --input-file=<state file>');
    expect(r.notes.join()).toMatch(/plain dword count \(26\)/);
  });
  it('D27: migration-recv NUMD 3FFh reads 4096 bytes; CSVI 1 by default; offset in CDW13:12', () => {
    const r = encodeTp4159Form('migration-recv', undefined, { cntlid: '1', numd: '0x3ff', offset: '0x100000008' });
    expect(r.sqe).toBe(sqe('42000000', '00000100' + '01000000' + '08000000' + '01000000' + '00000000' + 'ff030000'));
    expect(r.nvmeCli).toBe('nvme admin-passthru <pf-device> --opcode=0x42 --cdw10=0x10000 --cdw11=0x1 --cdw12=0x8 --cdw13=0x1 --cdw15=0x3ff --data-len=4096 --read');
    expect(r.nvmeLm).toBe('nvme lm migration-recv <pf-device> --sel=0 --cntlid=1 --csvi=1 --offset=4294967304 --numd=1023 --output-file=<state file>');
  });
  it('D28: cdq create and delete', () => {
    const c = encodeTp4159Form('cdq', 'create', { cntlid: '1', size: '1024' });
    expect(c.sqe).toBe(sqe('45000000', '00000000' + '01000100' + '00040000' + '00'.repeat(12)));
    expect(c.nvmeLm).toBe('nvme lm create-cdq <pf-device> --cntlid=1 --size=1024 --queue-type=0 --consent');
    const d = encodeTp4159Form('cdq', 'delete', { cdqid: '2' });
    expect(d.sqe).toBe(sqe('45000000', '01000000' + '02000000' + '00'.repeat(16)));
    expect(d.nvmeLm).toBe('nvme lm delete-cdq <pf-device> --cdqid=2');
  });
  it('D29: track-send LACT 1 is --start, 0 is --stop', () => {
    const r = encodeTp4159Form('track-send', undefined, { cdqid: '2', lact: '1' });
    expect(r.sqe).toBe(sqe('3d000000', '00000100' + '02000000' + '00'.repeat(16)));
    expect(r.nvmeLm).toBe('nvme lm track-send <pf-device> --sel=0 --cdqid=2 --start');
    expect(encodeTp4159Form('track-send', undefined, { cdqid: '2', lact: '0' }).nvmeLm).toMatch(/--stop$/);
  });
  it('D31/D33: set-features-cdq puts HP in CDW12, TPT in CDW13, ETPT in CDW11 bit 31', () => {
    const r = encodeTp4159Form('set-features-cdq', undefined, { cdqid: '2', hp: '5', tpt: '9', etpt: true });
    expect(r.sqe).toBe(sqe('09000000', '21000000' + '02000080' + '05000000' + '09000000' + '00'.repeat(8)));
    expect(r.nvmeLm).toBe('nvme lm set-cdq <pf-device> --cdqid=2 --hp=5 --tpt=9');
    expect(encodeTp4159Form('set-features-cdq', undefined, { cdqid: '2', hp: '5', tpt: '9' }).notes.join()).toMatch(/ETPT exactly when --tpt/);
  });
  it('get-features-cdq reads the 8 bytes {HP, TPT}', () => {
    const r = encodeTp4159Form('get-features-cdq', undefined, { cdqid: '2' });
    expect(r.nvmeCli).toBe('nvme admin-passthru <pf-device> --opcode=0xa --cdw10=0x21 --cdw11=0x2 --data-len=8 --read');
    expect(r.nvmeLm).toBe('nvme lm get-cdq <pf-device> --cdqid=2');
  });
  it('bad input names the problem: unknown operation, value out of its field, missing or foreign option', () => {
    expect(() => encodeTp4159Form('migration-send', 'pause', { cntlid: '1' })).toThrow(/no operation "pause"; use one of: suspend, resume, set-state/);
    expect(() => encodeTp4159Form('migration-send', 'suspend', { cntlid: '1', stype: '256' })).toThrow(/--stype 256 is too large \(max 0xff\)/);
    expect(() => encodeTp4159Form('track-send', undefined, { cdqid: '1', lact: '16' })).toThrow(/--lact 16 is too large \(max 0xf\)/);
    expect(() => encodeTp4159Form('migration-recv', undefined, { cntlid: '1' })).toThrow(/needs --numd/);
    expect(() => encodeTp4159Form('migration-send', 'resume', { cntlid: '1', dudmq: true })).toThrow(/--dudmq does not apply to migration-send resume/);
    expect(() => encodeTp4159Form('cdq', 'create', { cntlid: '1', size: 'big' })).toThrow(/not a number/);
    expect(() => encodeCommand('erase', { vf: '1' })).toThrow(/or for the standard profile migration-send, migration-recv, cdq/);
  });
  it('through the command line: --json prints the result; text prints the SQE, fields and both lines; bad input is a UsageError', async () => {
    const json = await run('encode', 'migration-send', 'suspend', '--cntlid', '1', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ nvmeLm: 'nvme lm migration-send <pf-device> --sel=0 --cntlid=1 --stype=1', notes: [] });
    const text = (await run('encode', 'cdq', 'delete', '--cdqid', '2', '--cid', '3')).out.split('\n');
    expect([text[0], text.at(-2), text.at(-1)]).toEqual([sqe('45000300', '01000000' + '02000000' + '00'.repeat(16)), 'nvme admin-passthru <pf-device> --opcode=0x45 --cdw10=0x1 --cdw11=0x2', 'nvme lm delete-cdq <pf-device> --cdqid=2']);
    const bad = await run('encode', 'cdq', 'create', '--cntlid', '70000', '--size', '16');
    expect(bad.error).toBeInstanceOf(UsageError);
    expect((bad.error as Error).message).toBe('--cntlid 70000 is too large (max 0xffff)');
    expect((await run('encode', 'suspend')).error).toEqual(new UsageError('suspend needs --vf <n> (VF index, 1-based, CDW10 15:0)'));
  });
});

function stateBlob(): Uint8Array {
  const vendor = encodeVendorState({ cc: 0x460001, csts: 1, aqa: 0x1f001f, asq: 0x5000n, acq: 0x6000n, intms: 0, asqHead: 4, asqTail: 5, acqHead: 4, acqTail: 4, acqS0pt: 1, nsqa: 3, ncqa: 3, aerCids: [] });
  return encodeControllerState({
    ver: 0,
    suspended: true,
    nvme: { ver: 0, sqs: [{ prp1: 0x10000n, qsize: 63, qid: 1, cqid: 1, pc: true, qprio: 0, head: 3, tail: 7 }], cqs: [{ prp1: 0x20000n, qsize: 63, qid: 1, head: 2, tail: 3, pc: true, ien: true, s0pt: 1, iv: 1 }] },
    vendor,
  });
}

describe('nvme-lm decode: the standard profile', () => {
  it('names a tp4159 SQE and a reserved bit set in it', () => {
    const hex = sqe('41000000', '00000000' + '01000181' + '00'.repeat(16));
    expect(decodeHex(hex)).toMatchObject({ kind: 'sqe', command: 'Migration Send / Suspend', profile: 'tp4159', reservedNonzero: ['CDW11 30:24 reserved'] });
    expect(decodeHex(hex)).toMatchObject({ fields: { cntlid: '0x1', stype: '0x1', dudmq: '0x1' } });
  });
  it('names the new command-specific status: SCT 1 SC 3Ah Controller Not Suspended', () => {
    // DW3 status word: phase 1 | SC 3Ah << 1 | SCT 1 << 9 | DNR << 15 = 8275h
    expect(decodeHex('00000000 00000000 05000200 34127582')).toMatchObject({ kind: 'cqe', status: 'Controller Not Suspended (SCT 1, SC 0x3a, DNR)' });
  });
  it('D25: --state prints the header, the NVMe state, each queue entry and the vendor section field by field', () => {
    const d = describeState(stateBlob());
    expect(d.sections.map((s) => s.title)).toEqual([
      'Controller state header',
      'NVMe controller state',
      'I/O SQ entry 0',
      'I/O CQ entry 0',
      'Vendor section, read as the nvme-lm admin queue state (UUID 28a39215-81d5-4e29-863e-a1d341a3417c)',
    ]);
    const row = (title: string, name: string) => d.sections.find((s) => s.title.startsWith(title))!.rows.find((r) => r.name === name)!.value;
    expect([row('Controller state header', 'nvmecss'), row('Controller state header', 'vss'), row('I/O SQ entry 0', 'tail'), row('I/O CQ entry 0', 's0pt'), row('Vendor', 'asqTail')]).toEqual(['0xe', '0x10', '0x7', '0x1', '0x5']);
    expect(d.notes).toEqual([]);
  });
  it('--state shows a vendor section of another size raw and reports trailing bytes', () => {
    const b = encodeControllerState({ ver: 0, suspended: false, vendor: new Uint8Array(8).fill(0xab) });
    const withTail = new Uint8Array(b.length + 4);
    withTail.set(b);
    const d = describeState(withTail);
    expect(d.sections.at(-1)).toMatchObject({ title: 'Vendor section', rows: [{ value: 'ab'.repeat(8) }] });
    expect(d.notes).toEqual(["VSS 2 dwords is not the nvme-lm section's 16: shown raw", '4 bytes past the 56 the header announces, ignored (D27)']);
  });
  it('--udmq prints written entries and counts the all-zero ones', () => {
    const q = new Uint8Array(96);
    q.set(encodeUdmqEntry({ nsid: 1, nlb: 7, slba: 0x100n, phase: 1, esa: 1, dlba: false, lbacir: 2 }), 32);
    const d = describeUdmq(q);
    expect(d.sections.map((s) => s.title)).toEqual(['UDMQ entry 1']);
    expect(d.sections[0].rows.find((r) => r.name === 'esa')!.value).toBe('0x1');
    expect(d.notes).toEqual(['2 all-zero (never written) entries not shown']);
  });
  it('a truncated blob, a partial UDMQ entry, a missing file or two inputs: a UsageError naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-codec-'));
    writeFileSync(join(dir, 'short.state'), stateBlob().subarray(0, 100));
    writeFileSync(join(dir, 'part.udmq'), new Uint8Array(40));
    const cases: Array<[string[], RegExp]> = [
      [['decode', '--state', join(dir, 'short.state')], /truncated: the header announces 168 bytes .* got 100/],
      [['decode', '--udmq', join(dir, 'part.udmq')], /whole 32-byte entries, got 40 bytes/],
      [['decode', '--state', join(dir, 'absent')], /cannot read .*absent: ENOENT/],
      [['decode', '00', '--state', join(dir, 'short.state')], /exactly one of/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(...args);
      expect(r.error, args.join(' ')).toBeInstanceOf(UsageError);
      expect((r.error as Error).message).toMatch(msg);
    }
    const text = (await run('decode', '--udmq', join(dir, 'short.state'))).error;
    expect((text as Error).message).toMatch(/whole 32-byte entries, got 100/);
  });
  it('the real CLI: a truncated blob exits 2 with one line, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-codec-'));
    writeFileSync(join(dir, 'short.state'), stateBlob().subarray(0, 100));
    const r = cli('decode', '--state', join(dir, 'short.state'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'))).toEqual([
      'nvme-lm: controller state is truncated: the header announces 168 bytes (48 + NVMECSS 14 x 4 + VSS 16 x 4), got 100',
    ]);
  });
});
