// `nvme-lm migrate` through the real CLI: the JSON shape, exit codes, the
// refusal message with its command log, bad input, help.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/nvme-lm.mjs', 'migrate', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn')).join('\n') };
}

describe('nvme-lm migrate (CLI)', () => {
  it('D15: --json prints exactly the documented object; the default run loses, duplicates and corrupts nothing; exit 0', () => {
    const r = cli('--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['migrated', 'ioSubmitted', 'ioCompleted', 'lost', 'duplicated', 'dataErrors', 'savedBytes', 'downtimeUs', 'faults']);
    expect(j).toMatchObject({ migrated: true, ioSubmitted: 256, ioCompleted: 256, lost: 0, duplicated: 0, dataErrors: 0, savedBytes: 240, faults: [] });
    expect(j.downtimeUs).toBeGreaterThan(0);
  });

  it('D7, D6: --fault bit-flip@dst.load: not migrated, the fault entry says what was required and observed; every check held, exit 0', () => {
    const r = cli('--fault', 'bit-flip@dst.load', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.migrated).toBe(false);
    expect(j.faults).toEqual([
      expect.objectContaining({ fault: 'bit-flip', arc: 'dst.load', injected: true, ok: true, expected: 'dst.load LOAD fails: Invalid Field in Command; destination VF unchanged; called off, source resumed' }),
    ]);
    expect(j.faults[0].observed).toBe(j.faults[0].expected);
  });

  it('D3, I7: --profile foreign is refused: migrated false, the reason and the empty PF command log on stderr, exit 1', () => {
    const r = cli('--profile', 'foreign', '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ migrated: false, savedBytes: 0, lost: 0 });
    expect(r.stderr).toMatch(/not on the live-migration allowlist/);
    expect(r.stderr).toMatch(/command log .*: \(empty/);
    expect(r.stderr).toMatch(/LM opcodes 0xC4-0xD5 sent: none/);
  });

  it('D2, I7: --profile reserved is refused after one Identify; the human summary shows the command log; exit 1', () => {
    const r = cli('--profile', 'reserved');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/byte 3072 = 0x02, a reserved value/);
    expect(r.stdout).toMatch(/command log \(every command that reached it\): Identify \(0x06\)\n/);
  });

  it('D1, D6, D7, D13, D18: --matrix --json runs all 44 (fault, arc) rows, each meeting its required outcome; exit 0', () => {
    const r = cli('--matrix', '--json', '--io', '64');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as { fault: string; arc: string; ok: boolean; problems: string[] }[];
    expect(rows).toHaveLength(44);
    expect(rows.filter((x) => !x.ok)).toEqual([]);
  });

  it.each([
    [['--vf', '9'], /--vf 9 is out of range/],
    [['--queues', 'many'], /--queues "many" is not a whole number/],
    [['--profile', 'bogus'], /unknown profile "bogus"/],
    [['--fault', 'bit-flip@dst.suspend'], /bit-flip cannot strike at dst.suspend; it can at dst.load/],
    [['--matrix', '--fault', 'dst-fail@dst.load'], /--matrix runs every fault/],
  ])('bad input %j: one line on stderr, exit 2', (args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it('--help lists the arcs, the faults and examples', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Arcs .*\n\s+src\.suspend/);
    expect(r.stdout).toMatch(/hostile-guest\s+at any arc/);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ nvme-lm migrate\n/);
  });
});

describe('nvme-lm migrate --profile tp4159 (CLI)', () => {
  it('section 6, D15: --profile tp4159 --json migrates with nothing lost or duplicated, exit 0', () => {
    const r = cli('--profile', 'tp4159', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ migrated: true, lost: 0, duplicated: 0, dataErrors: 0, faults: [] });
  });

  it('I10: --storage copy --json reports migrated, lost 0, duplicated 0, blocksDiffering 0, the rounds and the downtime, exit 0', () => {
    const r = cli('--profile', 'tp4159', '--storage', 'copy', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ migrated: true, lost: 0, duplicated: 0, blocksDiffering: 0, ok: true });
    expect(j.rounds.map((c: { kind: string }) => c.kind)).toContain('bulk');
    expect(j.downtimeUs).toBeGreaterThan(0);
  });

  it('--storage copy without --profile tp4159, or a bit-flip on tp4159, is bad input: one line saying why, exit 2', () => {
    const a = cli('--storage', 'copy');
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--storage copy needs --profile tp4159/);
    const b = cli('--profile', 'tp4159', '--fault', 'bit-flip@dst.load');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/does not apply to profile tp4159.*no checksum/);
  });

  it('I15: --from emulator --to emulator --profile tp4159 runs the cross-implementation move and prints the verdict; exit 0', () => {
    const r = cli('--profile', 'tp4159', '--from', 'emulator', '--to', 'emulator', '--vfs', '2', '--vf', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/cross-implementation migration of VF 2: emulator -> emulator: PASS/);
    expect(r.stdout).toMatch(/lost 0, duplicated 0/);
  });

  it('I15: a qemu end with no QEMU named, or --from without tp4159, is bad input (exit 2) saying what to give', () => {
    const env = { ...process.env, NVME_LM_QEMU: '' };
    const q = spawnSync(process.execPath, ['bin/nvme-lm.mjs', 'migrate', '--profile', 'tp4159', '--from', 'qemu'], { encoding: 'utf8', env });
    expect(q.status).toBe(2);
    expect(q.stderr).toMatch(/--qemu-binary or NVME_LM_QEMU/);
    const p = cli('--from', 'emulator');
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/need --profile tp4159/);
    expect(cli('--profile', 'tp4159', '--to', 'kvm').stderr).toMatch(/--to "kvm" is not an implementation/);
  });
});
