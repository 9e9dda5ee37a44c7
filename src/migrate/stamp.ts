// The data a guest writes: every 512-byte block carries who wrote it, where,
// and which write it was, so a read (during the workload or after the
// migration) proves the block holds exactly the data of a completed write.
import type { Layout } from '../wire/layout.ts';
import { fieldByName } from '../wire/layout.ts';

export const BLOCK_SIZE = 512;
/** "GBLK" as a little-endian u32. */
const STAMP_MAGIC = 0x4b4c4247;

const STAMP_LAYOUT: Layout = {
  name: 'Guest block stamp',
  size: 16,
  fields: [
    { name: 'magic', offset: 0, width: 4, doc: '"GBLK" (0x4b4c4247 little-endian)' },
    { name: 'fn', offset: 4, width: 2, doc: 'the VF whose guest wrote the block' },
    { name: 'reserved', offset: 6, width: 2, doc: 'reserved, 0' },
    { name: 'lba', offset: 8, width: 4, doc: 'the block address it was written to' },
    { name: 'generation', offset: 12, width: 4, doc: 'which write of the guest (1, 2, ...); the rest of the block is a pattern of (lba, generation)' },
  ],
};

const MAGIC = fieldByName(STAMP_LAYOUT, 'magic').offset;
const FN = fieldByName(STAMP_LAYOUT, 'fn').offset;
const LBA = fieldByName(STAMP_LAYOUT, 'lba').offset;
const GEN = fieldByName(STAMP_LAYOUT, 'generation').offset;

function patternByte(lba: number, generation: number, i: number): number {
  return (lba * 131 + generation * 31 + i) & 0xff;
}

/** Write the block of (fn, lba, generation) into `into` at `at`. */
export function stampBlock(into: Uint8Array, at: number, fn: number, lba: number, generation: number): void {
  const v = new DataView(into.buffer, into.byteOffset + at, BLOCK_SIZE);
  v.setUint32(MAGIC, STAMP_MAGIC, true);
  v.setUint16(FN, fn, true);
  v.setUint16(FN + 2, 0, true);
  v.setUint32(LBA, lba, true);
  v.setUint32(GEN, generation, true);
  for (let i = STAMP_LAYOUT.size; i < BLOCK_SIZE; i++) into[at + i] = patternByte(lba, generation, i);
}

/**
 * Which generation the block at `at` holds: 0 for a never-written (all-zero)
 * block, or undefined when it is neither zeros nor an intact stamp of
 * (fn, lba) — a data error.
 */
export function readStamp(data: Uint8Array, at: number, fn: number, lba: number): number | undefined {
  const v = new DataView(data.buffer, data.byteOffset + at, BLOCK_SIZE);
  if (v.getUint32(MAGIC, true) !== STAMP_MAGIC) {
    for (let i = 0; i < BLOCK_SIZE; i++) if (data[at + i] !== 0) return undefined;
    return 0;
  }
  if (v.getUint16(FN, true) !== fn || v.getUint32(LBA, true) !== lba) return undefined;
  const generation = v.getUint32(GEN, true);
  for (let i = STAMP_LAYOUT.size; i < BLOCK_SIZE; i++) if (data[at + i] !== patternByte(lba, generation, i)) return undefined;
  return generation;
}
