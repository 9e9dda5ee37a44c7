// `migrate --storage copy` across implementations behind Adapters: the data
// moves through each PF's own I/O queues while the guest on the source VF
// writes (tp4159 section 6, I10). Emulator to emulator here, with a small
// namespace so every block is copied and compared quickly; two QEMU
// processes in crossStorageQemu.test.ts.
import { describe, expect, it } from 'vitest';
import { crossStorageCopy, formatCrossCopy } from '../../src/migrate/cross/crossStorageCopy.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

const BLOCKS = 8192; // 4 MiB: 16 chunks of 256 KiB
const emulator = () => ({ implementation: 'emulator' as const, target: new EmulatorAdapter({ namespaceBlocks: BLOCKS }) });

describe('storage copy through the PFs\' I/O queues (adapters)', () => {
  it('I10, D30, D32, D15: emulator -> emulator: bulk copy, log rounds, final copy after ESA 3; every block equal, every write read back on the destination', async () => {
    const r = await crossStorageCopy({ from: emulator(), to: emulator() });
    expect(r.failure, formatCrossCopy(r)).toBeUndefined();
    expect(r).toMatchObject({ migrated: true, namespaceBlocks: BLOCKS, blocksDiffering: 0, lost: 0, duplicated: 0, logFilled: false, ok: true });
    expect(r.rounds[0]).toMatchObject({ kind: 'bulk', blocks: BLOCKS });
    expect(r.loggedRanges).toBeGreaterThan(0); // the guest wrote into blocks the bulk copy had taken
    expect(r.readBack.checked).toBe(r.writes);
    expect(r.readBack.failed).toBe(0);
    // D33: the adapter holds the host's AER, and the tail-pointer events alone drive the drains during the bulk copy
    expect(r.logWatch).toBe('events');
    expect(r.watch.events).toBeGreaterThan(0);
    expect(r.watch).toMatchObject({ polls: 0, missed: 0 });
  });

  it('I10: a host that leaves out the ranges logged up to Suspend is caught: blocks differ, and the destination\'s guest reads back writes that were lost', async () => {
    const r = await crossStorageCopy({ from: emulator(), to: emulator(), skipFinalCopy: true });
    expect(r.migrated).toBe(true);
    expect(r.blocksDiffering).toBeGreaterThan(0);
    expect(r.readBack.failed).toBeGreaterThan(0);
    expect(r.ok).toBe(false);
  });

  it('the two ends must hold the same namespace: else the run stops before copying, saying so', async () => {
    const r = await crossStorageCopy({ from: emulator(), to: { implementation: 'emulator', target: new EmulatorAdapter({ namespaceBlocks: 2 * BLOCKS }) } });
    expect(r).toMatchObject({ ok: false, migrated: false });
    expect(r.failure?.message).toMatch(/the namespaces differ/);
  });
});
