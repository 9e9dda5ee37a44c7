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
    const r = await simulateStorageCopy({ knobs: { skipFinalCopy: true } });
    expect(r.blocksDiffering).toBeGreaterThan(0);
    expect(r.ok).toBe(false);
  });

  it('D31: a log too small to keep up fills (ESA 7); the host copies everything again and the namespaces are still equal', async () => {
    const r = await simulateStorageCopy({}, { logEntries: 3 });
    expect(r.logFilled).toBe(true);
    expect(r.rounds.at(-1)).toMatchObject({ kind: 'full', blocks: r.namespaceBlocks });
    expect(r).toMatchObject({ ok: true, blocksDiffering: 0, lost: 0, duplicated: 0 });
  });
});
