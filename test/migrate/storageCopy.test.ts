// `nvme-lm migrate --profile tp4159 --storage copy`: each device has its own
// namespace; the host copies the data with the user data migration queue's
// help (tp4159 section 6, I10). Afterwards the destination's namespace equals
// the source's at Suspend, block for block, and no guest I/O is lost or
// duplicated; a host that drops logged changes is caught.
import { describe, expect, it } from 'vitest';
import { simulateStorageCopy } from '../../src/migrate/storageCopy.ts';

describe('migrate --storage copy', () => {
  it('I10, D15, D14: bulk copy, log rounds, final copy after Suspend: every block equal, nothing lost or duplicated, other VFs unchanged', async () => {
    const r = await simulateStorageCopy({});
    expect(r).toMatchObject({ migrated: true, ok: true, lost: 0, duplicated: 0, dataErrors: 0, blocksDiffering: 0, idleChanged: [], logFilled: false, ioSubmitted: 256, ioCompleted: 256 });
    expect(r.rounds[0]).toMatchObject({ kind: 'bulk', blocks: r.namespaceBlocks });
    expect(r.rounds.filter((c) => c.kind === 'log').reduce((a, c) => a + c.blocks, 0)).toBeGreaterThan(0); // the guest wrote during the bulk copy
    expect(r.rounds.at(-1)!.kind).toBe('final');
    expect(r.blocksCopied).toBe(r.rounds.reduce((a, c) => a + c.blocks, 0));
    expect(r.downtimeUs).toBeGreaterThan(0);
  });

  it('I10: a host that leaves out the ranges logged up to Suspend ends with differing blocks, and the run fails', async () => {
    // seed 3: its last changes rewrite blocks with new data (at seed 1 they zero blocks that were zeros already, which no copy can miss)
    const r = await simulateStorageCopy({ seed: 3, knobs: { skipFinalCopy: true } });
    expect(r.blocksDiffering).toBeGreaterThan(0);
    expect(r.ok).toBe(false);
  });

  it('D31: a log too small to keep up fills (ESA 7); the host copies everything again and the namespaces are still equal', async () => {
    const r = await simulateStorageCopy({}, { logEntries: 3 });
    expect(r.logFilled).toBe(true);
    expect(r.rounds.at(-1)).toMatchObject({ kind: 'full', blocks: r.namespaceBlocks });
    expect(r).toMatchObject({ ok: true, blocksDiffering: 0, lost: 0, duplicated: 0 });
  });

  it('D30: the guest writes, writes zeroes and deallocates; the log reports data and deallocated ranges; every block equal at Suspend', async () => {
    const r = await simulateStorageCopy({ seed: 5 }, { writeRate: 90 });
    expect(r.changes.writes).toBeGreaterThan(0);
    expect(r.changes.zeroes).toBeGreaterThan(0);
    expect(r.changes.deallocates).toBeGreaterThan(0);
    expect(r.changes.loggedData).toBeGreaterThan(0);
    expect(r.changes.loggedDeallocated).toBeGreaterThan(0);
    expect(r).toMatchObject({ ok: true, blocksDiffering: 0, lost: 0, duplicated: 0, dataErrors: 0 });
  });

  it('D30: a guest that only reads changes nothing: the log reports no range and only the bulk copy moves data', async () => {
    const r = await simulateStorageCopy({}, { writeRate: 0 });
    expect(r.changes).toEqual({ writes: 0, zeroes: 0, deallocates: 0, loggedData: 0, loggedDeallocated: 0 });
    expect(r.blocksCopied).toBe(r.namespaceBlocks);
    expect(r).toMatchObject({ ok: true, blocksDiffering: 0 });
  });

  it('bad --write-rate is a one-line error that says what to give', async () => {
    await expect(simulateStorageCopy({}, { writeRate: 101 })).rejects.toThrow(/whole percent from 0 to 100/);
  });
});
