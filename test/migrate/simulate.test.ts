// End-to-end migrations through `simulateMigration`: the default run, larger
// geometries, determinism, refused devices, and broken setups that the
// checks must catch (so the checks can fail).
import { describe, expect, it } from 'vitest';
import { savedDataSize } from '../../src/emulator/savedData.ts';
import { simulateMigration } from '../../src/migrate/simulate.ts';
import { migrateJson, type MigrationReport } from '../../src/migrate/report.ts';

const failed = (r: MigrationReport) => r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);

describe('nvme-lm migrate: the default run', () => {
  it('D11, D12, D15: VF 1 of 4 with 4 queues and 256 I/O migrates with commands in flight and latched at SUSPEND; nothing lost, duplicated or corrupted', async () => {
    const r = await simulateMigration({});
    expect(failed(r)).toEqual([]);
    expect(r).toMatchObject({ migrated: true, ioSubmitted: 256, ioCompleted: 256, lost: 0, duplicated: 0, dataErrors: 0, droppedByReset: 0, ok: true });
    expect(r.inFlightAtSuspend).toBeGreaterThan(0);
    expect(r.latchedAtSuspend).toBeGreaterThan(0);
    // D12: the I/O still in flight at SAVE completes first; the device holds SAVE's completion until it has
    expect(r.inFlightAtSave).toBeGreaterThan(0);
    expect(r.saveHeld).toBe(true);
    expect(r.savedBytes).toBe(savedDataSize(4));
    expect(r.guestMemoryCopied).toBeGreaterThan(0);
    expect(r.downtimeUs).toBeGreaterThan(0);
    // the arcs the host driver took, in order (the probe's Identify first)
    expect(r.lmCommands.source).toEqual(['Identify', 'SUSPEND VF 1', 'QUERY_DATA_SIZE VF 1', 'SAVE_DATA VF 1']);
    expect(r.lmCommands.destination).toEqual(['Identify', 'SUSPEND VF 1', 'LOAD_DATA VF 1', 'RESUME VF 1']);
  });

  it('D14: the other VF (VF 2) runs its own workload on the source throughout, undisturbed', async () => {
    const r = await simulateMigration({});
    expect(r.bystander?.fn).toBe(2);
    expect(r.bystander?.counters).toMatchObject({ lost: 0, duplicated: 0, dataErrors: 0, droppedByReset: 0 });
    expect(r.bystander!.counters.completed).toBe(r.bystander!.counters.submitted);
    expect(r.checks.find((c) => c.name.startsWith('D14: VFs no guest uses'))?.ok).toBe(true);
  });

  it('the JSON has exactly the documented keys', async () => {
    const j = migrateJson(await simulateMigration({}));
    expect(Object.keys(j)).toEqual(['migrated', 'ioSubmitted', 'ioCompleted', 'lost', 'duplicated', 'dataErrors', 'savedBytes', 'downtimeUs', 'faults']);
  });

  it('determinism: one seed gives one run (timings aside); another seed gives another workload', async () => {
    const strip = (r: MigrationReport) => ({ ...r, downtimeUs: 0, memoryCopyUs: 0 });
    const a = await simulateMigration({ seed: 42 });
    const b = await simulateMigration({ seed: 42 });
    expect(strip(a)).toEqual(strip(b));
    const c = await simulateMigration({ seed: 43 });
    expect(c.ok).toBe(true);
    expect(c.bystander!.counters.submitted === a.bystander!.counters.submitted && c.inFlightAtSuspend === a.inFlightAtSuspend && c.guestMemoryCopied === a.guestMemoryCopied).toBe(false);
  });
});

describe('nvme-lm migrate: other geometries', () => {
  it.each([
    { vfs: 4, vf: 4, queues: 1, io: 64 },
    { vfs: 8, vf: 3, queues: 16, io: 1024 },
    { vfs: 2, vf: 2, queues: 64, io: 4096 },
    { vfs: 1, vf: 1, queues: 4, io: 100 },
  ])('D15: $vfs VFs, VF $vf, $queues queues, $io I/O: migrated exactly once', async (o) => {
    const r = await simulateMigration(o);
    expect(failed(r)).toEqual([]);
    expect(r).toMatchObject({ migrated: true, ioSubmitted: o.io, ioCompleted: o.io, lost: 0, duplicated: 0, dataErrors: 0 });
    expect(r.savedBytes).toBe(savedDataSize(o.queues));
    expect(r.bystander === undefined).toBe(o.vfs === 1);
  });
});

describe('nvme-lm migrate: devices the host driver refuses (D2, D3, I7)', () => {
  it.each([
    { profile: 'no-lm' as const, reason: 'not-allowlisted', pfCommands: [] },
    { profile: 'foreign' as const, reason: 'not-allowlisted', pfCommands: [] },
    { profile: 'reserved' as const, reason: 'lm-byte-reserved', pfCommands: ['Identify (0x06)'] },
  ])('I7: $profile is refused ($reason): not migrated, no LM opcode reaches the PF, the guest keeps running on the source with its data intact', async ({ profile, reason, pfCommands }) => {
    const r = await simulateMigration({ profile });
    expect(r.migrated).toBe(false);
    expect(r.refused).toMatchObject({ reason, pfCommands });
    expect(r.refused!.pfCommands.some((c) => /0x(c[4-9a-f]|d[0-5])\)/.test(c))).toBe(false);
    expect(r.checks.find((c) => c.name.startsWith('I7'))?.ok).toBe(true);
    expect(r).toMatchObject({ ioSubmitted: 256, ioCompleted: 256, lost: 0, duplicated: 0, dataErrors: 0, savedBytes: 0 });
    expect(r.lmCommands).toEqual({ source: [], destination: [] });
  });
});

describe('nvme-lm migrate: the checks catch a broken setup', () => {
  it('D7: a destination that tears the VF down before checking the data (partialLoad mutant) fails the "destination unchanged" check', async () => {
    const r = await simulateMigration({ faults: [{ fault: 'bit-flip', arc: 'dst.load' }], knobs: { destinationMutant: 'partialLoad' } });
    expect(r.outcome.dstUnchanged).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.faults[0].mismatches).toEqual(['dstUnchanged: expected true, observed false']);
  });

  it('D1, I1: a destination VF that executes LM opcodes from its own queue (acceptLmOnVfQueue mutant) fails the hostile-guest check', async () => {
    const r = await simulateMigration({ faults: [{ fault: 'hostile-guest', arc: 'src.release' }], knobs: { destinationMutant: 'acceptLmOnVfQueue' } });
    expect(r.outcome.hostileRejected).toBe(false);
    expect(r.ok).toBe(false);
  });

  it('D7, D6: without the guest memory copy the destination refuses the LOAD (queue memory not mapped); the migration is called off and the source resumes with nothing lost', async () => {
    const r = await simulateMigration({ knobs: { skipMemoryCopy: true } });
    expect(r.outcome).toMatchObject({ migrated: false, calledOff: true, sourceResumed: true, failure: { at: 'dst.load', command: 'LOAD', status: 'Invalid Field in Command' }, dstUnchanged: true });
    expect(r).toMatchObject({ lost: 0, duplicated: 0, dataErrors: 0, ioCompleted: 256 });
    expect(failed(r)).toEqual(['the migration completed: dst.load failed']);
  });
});

describe('nvme-lm migrate: bad input is one clear error', () => {
  it.each([
    [{ vf: 5 }, /--vf 5 is out of range: give a whole number from 1 to 4/],
    [{ queues: 65 }, /--queues 65 is out of range/],
    [{ io: 0 }, /--io 0 is out of range/],
    [{ vfs: 1, faults: [{ fault: 'dst-fail' as const, arc: 'dst.load' as const }] }, /fault injection needs --vfs 2 or more/],
    [{ queues: 1, faults: [{ fault: 'small-dst-limit' as const, arc: 'dst.load' as const }] }, /small-dst-limit needs --queues 2 or more/],
  ])('%j is refused', async (o, message) => {
    await expect(simulateMigration(o)).rejects.toThrow(message);
  });
});
