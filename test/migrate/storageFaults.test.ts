// The faults of `migrate --storage copy`, each during pre-copy: the outcome
// the spec requires (D30, D31, I14), and nothing lost (I10, D15). The README
// shows this run's table.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateStorageCopy } from '../../src/migrate/storageCopy.ts';
import { parseStorageFault, STORAGE_FAULT_NAMES, STORAGE_FAULTS, storageFaultRow, storageFaultTable, type StorageFaultRow } from '../../src/migrate/storageFaults.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('storage-copy faults (defaults: VF 1, 4 queues, 256 I/O, 60% changes, seed 1)', () => {
  const rows = new Map<string, StorageFaultRow>();
  beforeAll(async () => {
    for (const fault of STORAGE_FAULT_NAMES) rows.set(fault, (await simulateStorageCopy({}, { fault })).fault!);
  });

  it.each(STORAGE_FAULT_NAMES.map((f) => [`${STORAGE_FAULTS[f].rule}: ${f}: ${STORAGE_FAULTS[f].expected}, nothing lost`, f] as const))('%s', (_name, fault) => {
    expect(rows.get(fault)).toMatchObject({ ok: true });
    expect(rows.get(fault)!.observed).toMatch(/0 lost, 0 duplicated, 0 block\(s\) differing$/);
  });

  it('I10: the README shows this run\'s storage-copy fault table, row for row', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /<!-- storage-faults:begin -->\n([\s\S]*?)\n<!-- storage-faults:end -->/.exec(readme);
    expect(block, 'README.md has no <!-- storage-faults:begin --> ... <!-- storage-faults:end --> block').not.toBeNull();
    expect(block![1], 'the README storage-copy fault table is out of date: replace the block with this run\'s table').toBe(storageFaultTable(STORAGE_FAULT_NAMES.map((f) => rows.get(f)!)));
  });
});

describe('storage-copy faults are checked, not assumed', () => {
  it('D31, D30: a run without the fault fails the fault\'s row: the log never filled, no write failed', async () => {
    const plain = await simulateStorageCopy({});
    expect(storageFaultRow('udmq-full', plain)).toMatchObject({ ok: false, observed: expect.stringMatching(/^the log never filled/) });
    expect(storageFaultRow('write-fail', plain)).toMatchObject({ ok: false, observed: expect.stringMatching(/^0 write\(s\) failed/) });
  });

  it('D33, D34, D26: a run without the fault fails the rows of the event, reset and refusal faults: no event lost, no restart, migrated', async () => {
    const plain = await simulateStorageCopy({});
    expect(plain.events).toMatchObject({ eventDriven: true, polls: 0, missed: 0, dropped: 0 }); // events alone drove the drains
    expect(plain.events.events).toBeGreaterThan(0);
    expect(storageFaultRow('event-lost', plain)).toMatchObject({ ok: false, observed: expect.stringMatching(/^0 event\(s\) lost/) });
    expect(storageFaultRow('vf-flr', plain)).toMatchObject({ ok: false, observed: expect.stringMatching(/^0 restart\(s\)/) });
    expect(storageFaultRow('dst-refuses', plain)).toMatchObject({ ok: false, observed: expect.stringMatching(/^migrated/) });
  });

  it('D34, D18: a PF reset during pre-copy: the old log is gone, a second whole bulk copy follows, and the I/O the reset dropped is counted apart, not lost', async () => {
    const r = await simulateStorageCopy({}, { fault: 'pf-reset' });
    const bulks = r.rounds.filter((c) => c.kind === 'bulk');
    expect(bulks).toHaveLength(2);
    expect(bulks[1].blocks).toBe(r.namespaceBlocks);
    expect(bulks[0].blocks).toBeLessThan(r.namespaceBlocks); // the reset struck halfway through the first
    expect(r.counters.droppedByReset + r.ioCompleted).toBe(r.ioSubmitted);
    expect(r).toMatchObject({ migrated: true, restarts: 1, blocksDiffering: 0, lost: 0, duplicated: 0, dataErrors: 0 });
  });

  it('an unknown storage fault is a one-line error naming the ones there are', () => {
    expect(() => parseStorageFault('nope')).toThrow(/udmq-full, late-release, dsm-ranges, write-fail/);
    expect(parseStorageFault('udmq-full@pre-copy')).toBe('udmq-full');
  });
});
