// `nvme-lm migrate --profile tp4159`: the same end-to-end migration, shared
// namespace, with the host driver speaking the standard's commands (tp4159
// section 6): the checks of the lm profile hold (D14, D15), every management
// command names the migrating VF's CNTLID (D20), broken sources are caught,
// and every fault matrix row that applies gives the outcome the spec requires.
import { describe, expect, it } from 'vitest';
import { describeOutcome, expectationFor, faultNotFor, matrixRows } from '../../src/migrate/faults.ts';
import { hostileCommands } from '../../src/migrate/hostile.ts';
import { resolveMigrateOptions } from '../../src/migrate/options.ts';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { simulateMigration } from '../../src/migrate/simulate.ts';
import { HMLM } from '../../src/wire/opcodes.ts';
import { stateSize } from '../../src/wire/tp4159/state.ts';
import { VENDOR_STATE_DWORDS } from '../../src/wire/tp4159/vendorState.ts';

const failed = (r: MigrationReport) => r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
const profile = 'tp4159' as const;

describe('nvme-lm migrate --profile tp4159 (shared namespace)', () => {
  it('D14, D15, section 6: VF 1 of 4 migrates with I/O latched at Suspend; nothing lost, duplicated or corrupted; the driver sends the section 6 sequence', async () => {
    const r = await simulateMigration({ profile });
    expect(failed(r)).toEqual([]);
    expect(r).toMatchObject({ migrated: true, ioSubmitted: 256, ioCompleted: 256, lost: 0, duplicated: 0, dataErrors: 0, droppedByReset: 0, ok: true });
    // D22: Suspend completes only after the fetched commands did, so nothing is in flight after it; the doorbells written later are latched (D11)
    expect(r.inFlightAtSuspend).toBe(0);
    expect(r.latchedAtSuspend).toBeGreaterThan(0);
    // D25: four I/O queue pairs and the vendor section
    expect(r.savedBytes).toBe(stateSize(4, 4, VENDOR_STATE_DWORDS));
    const guard = ['Identify', 'Identify', 'Identify'];
    expect(r.lmCommands.source).toEqual([...guard, 'Migration Send / Suspend CNTLID 1', 'Identify', 'Migration Receive / Get Controller State CNTLID 1', 'Migration Receive / Get Controller State CNTLID 1']);
    expect(r.lmCommands.destination).toEqual([...guard, 'Migration Send / Suspend CNTLID 1', 'Migration Send / Set Controller State CNTLID 1', 'Migration Send / Resume CNTLID 1']);
    expect(r.checks.map((c) => c.name)).toContain('D14, D20: every management command names the CNTLID of VF 1 only');
  });

  it('D14, D20: VF 5 of 8 with 16 queues: the commands name CNTLID 5 only and the other VFs are untouched', async () => {
    const r = await simulateMigration({ profile, vfs: 8, vf: 5, queues: 16, io: 512, seed: 4 });
    expect(failed(r)).toEqual([]);
    expect(r.migrated).toBe(true);
    expect([...r.lmCommands.source, ...r.lmCommands.destination].filter((c) => c.includes('CNTLID')).every((c) => c.endsWith('CNTLID 5'))).toBe(true);
  });

  it('D22, D15: a source whose Suspend completes before its fetched commands (mutant suspendBeforeDrain) loses I/O, and the checks say so', async () => {
    const r = await simulateMigration({ profile, knobs: { sourceMutant: 'suspendBeforeDrain' } });
    expect(r.ok).toBe(false);
    expect(r.lost).toBeGreaterThan(0);
    expect(failed(r).some((f) => f.startsWith('D15: every I/O'))).toBe(true);
  });

  it('D1, D19: a hostile guest sends the standard\'s management opcodes on its VF admin queue, not the vendor\'s', async () => {
    const opcodes = hostileCommands(profile, 1).map((make) => make(1, 0x1000n, 0x2000n)[0]);
    expect(new Set(opcodes)).toEqual(new Set(Object.values(HMLM).filter((o) => o !== HMLM.TRACK_RECEIVE)));
    expect(hostileCommands('lm', 1).map((make) => make(1, 0x1000n, 0x2000n)[0])).toEqual([0xc4, 0xc8, 0xcc, 0xd2, 0xd5]);
    const r = await simulateMigration({ profile, faults: [{ fault: 'hostile-guest', arc: 'src.suspend' }] });
    expect(failed(r)).toEqual([]);
    expect(r.outcome.hostileRejected).toBe(true);
  });

  it('bit-flip does not apply to tp4159 (no checksum in the standard\'s state): the options refuse it with the reason', () => {
    expect(faultNotFor('bit-flip', profile)).toMatch(/no checksum/);
    expect(() => resolveMigrateOptions({ profile, faults: [{ fault: 'bit-flip', arc: 'dst.load' }] })).toThrow(/does not apply to profile tp4159: .*no checksum/);
    expect(matrixRows(profile).some((r) => r.fault === 'bit-flip')).toBe(false);
    expect(matrixRows(profile)).toHaveLength(matrixRows().length - 1);
  });
});

describe('fault matrix, profile tp4159', () => {
  const cases = matrixRows(profile).map((s) => {
    const e = expectationFor(s.fault, s.arc, profile)!;
    return [`${e.rule}: ${s.fault} at ${s.arc}: ${describeOutcome(e)}`, s] as const;
  });
  it.each(cases)('%s', async (_name, spec) => {
    const r = await simulateMigration({ profile, faults: [spec] });
    expect(r.faults[0].mismatches).toEqual([]);
    expect(failed(r)).toEqual([]);
    expect(r.faults[0]).toMatchObject({ injected: true, ok: true });
  });
});
