import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeSavedData,
  encodeSavedState,
  MAX_MIGRATION_DATA,
  SAVED_HEADER_LAYOUT,
  SAVED_QUEUE_LAYOUT,
  savedDataSize,
  type SavedQueue,
  type SavedState,
} from '../../src/emulator/savedData.ts';
import { crc32 } from '../../src/emulator/crc32.ts';
import { MAX_IO_QUEUES } from '../../src/emulator/options.ts';
import type { Layout } from '../../src/wire/layout.ts';

const anyMemory = { maxIoQueues: MAX_IO_QUEUES, isMapped: () => true };

function coversEveryByteOnce(l: Layout): void {
  const owner = new Array<string | undefined>(l.size).fill(undefined);
  for (const f of l.fields) {
    for (let b = f.offset; b < f.offset + f.width; b++) {
      expect(owner[b], `${l.name}: byte ${b} in both ${owner[b]} and ${f.name}`).toBeUndefined();
      owner[b] = f.name;
    }
  }
  expect(owner.findIndex((o) => o === undefined), `${l.name}: a byte belongs to no field`).toBe(-1);
}

const stateArb: fc.Arbitrary<SavedState> = fc
  .uniqueArray(fc.integer({ min: 1, max: MAX_IO_QUEUES }), { maxLength: 12 })
  .chain((qids) =>
    fc.record({
      cc: fc.constant(0x460001),
      csts: fc.constant(1),
      aqa: fc.constant(0x001f001f),
      intms: fc.nat(0xffffffff),
      asq: fc.nat(1 << 20).map((p) => p * 4096),
      acq: fc.nat(1 << 20).map((p) => p * 4096),
      nsqa: fc.nat(MAX_IO_QUEUES - 1),
      ncqa: fc.nat(MAX_IO_QUEUES - 1),
      admin: fc.record({ sqHead: fc.nat(31), sqTail: fc.nat(31), cqHead: fc.nat(31), cqTail: fc.nat(31), cqPhase: fc.nat(1) }),
      queues: fc.tuple(
        ...[...qids].sort((a, b) => a - b).map((qid) =>
          fc.integer({ min: 2, max: 1024 }).chain((size) =>
            fc.record({
              qid: fc.constant(qid),
              cq: fc.record({ base: fc.nat(1 << 20).map((p) => p * 4096), size: fc.constant(size), head: fc.nat(size - 1), tail: fc.nat(size - 1), phase: fc.nat(1), ien: fc.boolean(), iv: fc.nat(0xffff) }),
              sq: fc.record({ base: fc.nat(1 << 20).map((p) => p * 4096), size: fc.constant(size), head: fc.nat(size - 1), tail: fc.nat(size - 1), cqid: fc.constant(qid), prio: fc.nat(3) }),
            }),
          ),
        ),
      ).map((qs): SavedQueue[] => qs),
    }),
  );

describe('migration data format (layout tables)', () => {
  it('D8: header 80 bytes, one 40-byte record per I/O queue; every byte belongs to exactly one field', () => {
    expect(SAVED_HEADER_LAYOUT.size).toBe(80);
    expect(SAVED_QUEUE_LAYOUT.size).toBe(40);
    coversEveryByteOnce(SAVED_HEADER_LAYOUT);
    coversEveryByteOnce(SAVED_QUEUE_LAYOUT);
  });
  it('D8: sizes for 1, 16 and 64 I/O queues stay far below the 256 KiB buffer', () => {
    const sizes = [1, 16, MAX_IO_QUEUES].map((n) => [n, savedDataSize(n)] as const);
    console.log(`migration data size: ${sizes.map(([n, s]) => `${n} queue${n > 1 ? 's' : ''} = ${s} bytes`).join(', ')}`);
    expect(sizes).toEqual([[1, 120], [16, 720], [64, 2640]]);
    expect(savedDataSize(MAX_IO_QUEUES)).toBeLessThanOrEqual(MAX_MIGRATION_DATA);
  });
  it('CRC-32 golden value: "123456789" -> 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('golden header: magic "NVLM", version 1, total length, geometry (hand-written bytes)', () => {
    const bytes = encodeSavedState({ cc: 0, csts: 0, aqa: 0, intms: 0, asq: 0, acq: 0, nsqa: 0, ncqa: 0, admin: { sqHead: 0, sqTail: 0, cqHead: 0, cqTail: 0, cqPhase: 0 }, queues: [] });
    expect([...bytes.subarray(0, 12)]).toEqual([0x4e, 0x56, 0x4c, 0x4d, 1, 0, 0, 0, 80, 0, 0, 0]);
    expect(new DataView(bytes.buffer).getUint32(12, true)).toBe(crc32(bytes, 16));
  });
  it('D6/D7: decode(encode(s)) == s for random valid states; the length is exactly savedDataSize', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const bytes = encodeSavedState(s);
        expect(bytes.length).toBe(savedDataSize(s.queues.length));
        expect(decodeSavedData(bytes, bytes.length, anyMemory)).toEqual({ ok: true, state: s });
      }),
    );
  });
  it('D7: any byte changed after the checksum field fails the checksum (or, for the length, the length check)', () => {
    fc.assert(
      fc.property(stateArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (s, at, x) => {
        const bytes = encodeSavedState(s);
        const i = 16 + (at % (bytes.length - 16));
        bytes[i] ^= x;
        const d = decodeSavedData(bytes, bytes.length, anyMemory);
        expect(d).toMatchObject({ ok: false, defect: 'badChecksum' });
      }),
    );
  });
  it('D7: defects are reported in order: size, length, magic, version, checksum, geometry', () => {
    const good = encodeSavedState({ cc: 0, csts: 0, aqa: 0, intms: 0, asq: 0, acq: 0, nsqa: 0, ncqa: 0, admin: { sqHead: 0, sqTail: 0, cqHead: 0, cqTail: 0, cqPhase: 0 }, queues: [] });
    const d = (b: Uint8Array, size = b.length, max = MAX_IO_QUEUES) => decodeSavedData(b, size, { maxIoQueues: max, isMapped: () => true });
    expect(d(good, 0)).toMatchObject({ defect: 'sizeZero' });
    expect(d(good, MAX_MIGRATION_DATA + 1)).toMatchObject({ defect: 'sizeOverBuffer' });
    expect(d(good, 79)).toMatchObject({ defect: 'sizeMismatch' });
    const allBad = good.slice();
    allBad[0] = 0; // magic
    allBad[4] = 9; // version
    allBad[20] = 1; // geometry
    expect(d(allBad)).toMatchObject({ defect: 'badMagic' });
    allBad[0] = 0x4e;
    expect(d(allBad)).toMatchObject({ defect: 'badVersion' });
    allBad[4] = 1;
    expect(d(allBad)).toMatchObject({ defect: 'badChecksum' });
    new DataView(allBad.buffer).setUint32(12, crc32(allBad, 16), true);
    expect(d(allBad)).toMatchObject({ defect: 'badGeometry' });
    expect(d(good)).toMatchObject({ ok: true });
  });
  it('D7: geometry is checked against the destination VF: more queues or a larger queue id than it allows', () => {
    fc.assert(
      fc.property(stateArb, fc.integer({ min: 1, max: 8 }), (s, limit) => {
        const bytes = encodeSavedState(s);
        const d = decodeSavedData(bytes, bytes.length, { maxIoQueues: limit, isMapped: () => true });
        const fits = s.queues.length <= limit && s.queues.every((q) => q.qid <= limit) && s.nsqa < limit && s.ncqa < limit;
        expect(d.ok ? 'ok' : d.defect).toBe(fits ? 'ok' : 'badGeometry');
      }),
    );
  });
});
