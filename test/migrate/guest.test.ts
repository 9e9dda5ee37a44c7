// The guest side on its own: the ledger counts lost, duplicated and dropped
// commands, the read-back catches corrupted data, and a reset is survived.
import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import { encodeCqe, CQE_SIZE } from '../../src/wire/cqe.ts';
import { Guest, QUEUE_ENTRIES } from '../../src/migrate/guest.ts';
import { Ledger } from '../../src/migrate/ledger.ts';
import { Rng } from '../../src/migrate/rng.ts';
import { BLOCK_SIZE, readStamp, stampBlock } from '../../src/migrate/stamp.ts';
import { Workload } from '../../src/migrate/workload.ts';

const REGION = 0x4000_0000;

function rig(queues = 2) {
  const dev = new EmulatedDevice({ vfs: 2, ioCompletion: 'deferred' });
  const guest = new Guest(dev, 1, REGION, 0x400_0000, new Ledger());
  guest.init(queues);
  return { dev, guest };
}

function write(guest: Guest, slba: number, generation: number) {
  const data = new Uint8Array(BLOCK_SIZE);
  stampBlock(data, 0, guest.fn, slba, generation);
  return guest.submitIo(0, 'write', 'workload', slba, 1, generation, false, data)!;
}

describe('guest ledger (D15)', () => {
  it('D15: a completed command counts once; one never completed counts as lost', () => {
    const { dev, guest } = rig();
    write(guest, 0, 1);
    write(guest, 8, 2);
    expect(dev.inspect(1).inFlight).toBe(2);
    dev.completeIo(1, 1);
    guest.reap();
    expect(guest.ledger.counters()).toMatchObject({ submitted: 2, completed: 1, lost: 1, duplicated: 0 });
  });

  it('D15: a second completion of the same command (same SQ, same CID) counts as duplicated, and so does one for a CID never used', () => {
    const { dev, guest } = rig(1);
    const rec = write(guest, 0, 1);
    dev.completeIo(1);
    guest.reap();
    // A faulty device posts the completion again, then one for CID 999, in the next CQ slots (phase 1, first pass).
    const cqBase = REGION + 0x1000 * 2; // pages: admin SQ, admin CQ, then I/O CQ 1 (the guest allocates in this order)
    dev.memory.write(cqBase + 1 * CQE_SIZE, encodeCqe({ cid: rec.cid, sqid: 1, phase: 1 }));
    dev.memory.write(cqBase + 2 * CQE_SIZE, encodeCqe({ cid: 999, sqid: 1, phase: 1 }));
    guest.reap();
    expect(guest.ledger.counters()).toMatchObject({ submitted: 1, completed: 1, lost: 0, duplicated: 2 });
    expect(rec.completions).toBe(2);
  });

  it('D13: after an FLR the guest counts its outstanding I/O as dropped by reset (not lost), brings its VF up again and carries on', () => {
    const { dev, guest } = rig();
    write(guest, 0, 1);
    write(guest, 8, 2);
    dev.flr(1);
    expect(guest.wasReset()).toBe(true);
    const dropped = guest.recover();
    expect(dropped).toHaveLength(2);
    expect(guest.resets).toBe(1);
    expect(guest.ledger.counters()).toMatchObject({ submitted: 2, completed: 0, lost: 0, droppedByReset: 2 });
    write(guest, 16, 3);
    dev.completeIo(1);
    guest.reap();
    expect(guest.ledger.counters()).toMatchObject({ submitted: 3, completed: 1, lost: 0, droppedByReset: 2 });
  });

  it('queues hold at most entries - 1 outstanding commands', () => {
    const { guest } = rig(1);
    for (let i = 0; i < QUEUE_ENTRIES - 1; i++) expect(write(guest, i * 8, i + 1)).toBeDefined();
    expect(guest.hasRoom(0)).toBe(false);
  });
});

describe('block stamps and the read-back (D15)', () => {
  it('a stamp reads back as its generation; zeros as 0; anything else as a data error', () => {
    const b = new Uint8Array(BLOCK_SIZE);
    expect(readStamp(b, 0, 1, 7)).toBe(0);
    stampBlock(b, 0, 1, 7, 42);
    expect(readStamp(b, 0, 1, 7)).toBe(42);
    expect(readStamp(b, 0, 1, 8)).toBeUndefined(); // another LBA's block
    expect(readStamp(b, 0, 2, 7)).toBeUndefined(); // another guest's block
    b[300] ^= 1;
    expect(readStamp(b, 0, 1, 7)).toBeUndefined();
  });

  it('D15: data changed behind the guest\'s back (on the shared namespace) is caught by the read-back', () => {
    const { dev, guest } = rig();
    const w = new Workload(guest, new Rng(5), 64);
    w.finish(dev);
    w.verify(dev);
    expect(guest.ledger.counters().dataErrors).toBe(0);
    const written = guest.ledger.records.find((r) => r.kind === 'write')!;
    dev.namespace.write(written.slba, 1, new Uint8Array(BLOCK_SIZE).fill(0x5a));
    w.verify(dev);
    expect(guest.ledger.counters().dataErrors).toBeGreaterThan(0);
    expect(guest.ledger.dataErrorNotes[0]).toMatch(/holds corrupt data/);
  });
});
