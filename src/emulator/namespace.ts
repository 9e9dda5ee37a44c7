// A RAM namespace: 512-byte LBAs, sparse (4 KiB chunks created on first
// write), fixed capacity. Two devices may share one object: migration moves
// controller state, not namespace data (D15), so source and destination both
// reach the same storage, as shared storage does in a real migration.
import { createHash } from 'node:crypto';

export const LBA_SIZE = 512;
const CHUNK_SIZE = 4096;
const LBAS_PER_CHUNK = CHUNK_SIZE / LBA_SIZE;

/** Default capacity: 1 GiB (2^21 LBAs), sparse, so it costs nothing until written. */
export const DEFAULT_NAMESPACE_LBAS = 1 << 21;

/**
 * Chunks that more than one namespace holds (a snapshot and the namespace it
 * was taken from or restored into): copied on their first write, so a
 * snapshot or a restore copies no block (the runner restores at every branch
 * of its trie), as host memory does (hostMemory.ts).
 */
const shared = new WeakSet<Uint8Array>();

export class RamNamespace {
  readonly lbaCount: number;
  private chunks = new Map<number, Uint8Array>();

  constructor(lbaCount = DEFAULT_NAMESPACE_LBAS) {
    if (!Number.isSafeInteger(lbaCount) || lbaCount <= 0) {
      throw new RangeError(`namespace capacity ${lbaCount} LBAs: give a positive whole number of 512-byte blocks`);
    }
    this.lbaCount = lbaCount;
  }

  /** True when LBAs [slba, slba+count) exist. */
  inRange(slba: number, count: number): boolean {
    return slba >= 0 && count >= 0 && slba + count <= this.lbaCount;
  }

  /** Copy `count` LBAs starting at `slba` into `into[at..]` (unwritten blocks read as zeros). */
  read(slba: number, count: number, into: Uint8Array, at = 0): void {
    this.check(slba, count);
    // one copy per chunk touched, not per LBA (a 4 KiB aligned read is one copy)
    const end = slba + count;
    for (let lba = slba, dst = at; lba < end; ) {
      const first = lba % LBAS_PER_CHUNK;
      const n = Math.min(end - lba, LBAS_PER_CHUNK - first);
      const bytes = n * LBA_SIZE;
      const chunk = this.chunks.get(Math.floor(lba / LBAS_PER_CHUNK));
      if (!chunk) into.fill(0, dst, dst + bytes);
      else if (bytes === CHUNK_SIZE) into.set(chunk, dst);
      else into.set(chunk.subarray(first * LBA_SIZE, first * LBA_SIZE + bytes), dst);
      lba += n;
      dst += bytes;
    }
  }

  /** Store `count` LBAs starting at `slba` from `from[at..]`. */
  write(slba: number, count: number, from: Uint8Array, at = 0): void {
    this.check(slba, count);
    const end = slba + count;
    for (let lba = slba, src = at; lba < end; ) {
      const first = lba % LBAS_PER_CHUNK;
      const n = Math.min(end - lba, LBAS_PER_CHUNK - first);
      const bytes = n * LBA_SIZE;
      const key = Math.floor(lba / LBAS_PER_CHUNK);
      let chunk = this.chunks.get(key);
      if (!chunk) {
        chunk = new Uint8Array(CHUNK_SIZE);
        this.chunks.set(key, chunk);
      } else if (shared.has(chunk)) {
        chunk = chunk.slice();
        this.chunks.set(key, chunk);
      }
      chunk.set(from.subarray(src, src + bytes), first * LBA_SIZE);
      lba += n;
      src += bytes;
    }
  }

  /** Zero every block (the `foreign` profile's destructive 0xC4, D17). */
  erase(): void {
    this.chunks.clear();
  }

  /** Number of 4 KiB chunks holding at least one nonzero byte. */
  nonzeroChunks(): number {
    let n = 0;
    for (const c of this.chunks.values()) if (c.some((b) => b !== 0)) n++;
    return n;
  }

  /** Hash of the contents; all-zero chunks count as never written, so erase and zero writes agree. */
  contentHash(): string {
    const h = createHash('sha1');
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    const key = new DataView(new ArrayBuffer(8));
    for (const k of keys) {
      const c = this.chunks.get(k)!;
      if (!c.some((b) => b !== 0)) continue;
      key.setFloat64(0, k, true);
      h.update(new Uint8Array(key.buffer));
      h.update(c);
    }
    return h.digest('hex');
  }

  clone(): RamNamespace {
    const ns = new RamNamespace(this.lbaCount);
    for (const [k, c] of this.chunks) {
      shared.add(c);
      ns.chunks.set(k, c);
    }
    return ns;
  }

  /** Make this namespace equal to `other` in place (devices sharing this object see the result). */
  restoreFrom(other: RamNamespace): void {
    if (other.lbaCount !== this.lbaCount) {
      throw new RangeError(`cannot restore a ${other.lbaCount}-LBA namespace into a ${this.lbaCount}-LBA one`);
    }
    this.chunks.clear();
    for (const [k, c] of other.chunks) {
      shared.add(c);
      this.chunks.set(k, c);
    }
  }

  private check(slba: number, count: number): void {
    if (!this.inRange(slba, count)) {
      throw new RangeError(`LBAs ${slba}..${slba + count - 1} are outside the namespace (0..${this.lbaCount - 1})`);
    }
  }
}
