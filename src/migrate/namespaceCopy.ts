// The host's copy between two namespaces, and the check that follows it: it
// copies ranges from the source's namespace into the destination's (what the
// host does through each PF's own I/O queues) and compares every block (I10).
import type { RamNamespace } from '../emulator/namespace.ts';
import type { LoggedRange } from '../host/userDataLog.ts';
import { BLOCK_SIZE } from './stamp.ts';

/** Blocks per bulk-copy step (and per comparison step). */
export const BULK_STEP = 2048;

export interface CopyRound {
  /** what the round copied: 'bulk', 'log' (ranges the log reported), 'full' (everything again: the log filled, D31), 'final' (after Suspend) */
  kind: 'bulk' | 'log' | 'full' | 'final';
  ranges: number;
  blocks: number;
  bytes: number;
}

/** Copy `ranges` from `from` to `to` (a deallocated range reads as zeros, so copying it zeroes the destination). */
export function copyInto(kind: CopyRound['kind'], from: RamNamespace, to: RamNamespace, ranges: readonly LoggedRange[]): CopyRound {
  let blocks = 0;
  for (const r of ranges) {
    const slba = Number(r.slba);
    const buf = new Uint8Array(r.blocks * BLOCK_SIZE);
    from.read(slba, r.blocks, buf);
    to.write(slba, r.blocks, buf);
    blocks += r.blocks;
  }
  return { kind, ranges: ranges.length, blocks, bytes: blocks * BLOCK_SIZE };
}

/** Blocks whose bytes differ, every block compared (I10); a step that is equal as a whole is compared at once (native memcmp). */
export function differingBlocks(a: RamNamespace, b: RamNamespace, blocks: number): number {
  let n = 0;
  const x = Buffer.alloc(BULK_STEP * BLOCK_SIZE);
  const y = Buffer.alloc(BULK_STEP * BLOCK_SIZE);
  for (let at = 0; at < blocks; at += BULK_STEP) {
    const count = Math.min(BULK_STEP, blocks - at);
    a.read(at, count, x);
    b.read(at, count, y);
    if (x.equals(y)) continue;
    for (let i = 0; i < count; i++) if (x.compare(y, i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE, i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE) !== 0) n++;
  }
  return n;
}
