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

  it('an unknown storage fault is a one-line error naming the ones there are', () => {
    expect(() => parseStorageFault('nope')).toThrow(/udmq-full, late-release, dsm-ranges, write-fail/);
    expect(parseStorageFault('udmq-full@pre-copy')).toBe('udmq-full');
  });
});
