// One guest's I/O workload: writes of stamped blocks and reads that check
// them, over a private range of the shared namespace, one command at a time
// per 8-block extent (so every read has exactly one right answer). The device
// completes commands when the simulation lets it (ioCompletion 'deferred'),
// so commands are really in flight when the host suspends the VF.
import type { Guest, GuestPlatform } from './guest.ts';
import { changedBlocks, type BlockRange, type IoKind, type IoRecord, type Ledger } from './ledger.ts';
import type { Rng } from './rng.ts';
import { BLOCK_SIZE, readStamp, stampBlock } from './stamp.ts';

/** A device that holds fetched I/O until told to complete it (the emulator in 'deferred' mode). */
interface DeferredDevice extends GuestPlatform {
  completeIo(fn: number, n?: number): number;
}

const EXTENT_BLOCKS = 8;
const EXTENTS = 1024;
/** Each guest writes its own slice of the namespace: VF k starts at LBA k * 65536. */
const LBAS_PER_GUEST = 65536;

/** The first LBA past VF `fn`'s slice: a namespace this long holds its guest's I/O. */
/** Extents of a guest's slice. */
export const GUEST_EXTENTS = EXTENTS;

export function guestSliceEnd(fn: number): number {
  return fn * LBAS_PER_GUEST + EXTENTS * EXTENT_BLOCKS;
}

/**
 * The storage-copy guest's changes (D30): which share of its commands change
 * data, and how a deallocate splits its extent. Without a mix the guest
 * writes and reads only, as the shared-namespace migration always did.
 */
export interface ChangeMix {
  /** the share of commands that change data, 0 to 1; the rest read */
  rate: number;
  /** ranges a deallocate names, 1 to 4, each its own log entry (gaps between them) */
  dsmRanges: number;
  /** the extents the guest works on, the first of its slice (1 to 1024): a small set makes changes hit data written before */
  extents: number;
}

/** Of the changes: writes, then Write Zeroes, the rest deallocates. */
const WRITE_SHARE = 0.6;
const ZEROES_SHARE = 0.2;

export class Workload {
  /** workload commands not yet submitted */
  remaining: number;
  private nextGeneration = 1;
  /** generation of the last completed write, per LBA */
  private readonly generation = new Map<number, number>();
  /** generations of writes dropped by a reset: they may or may not have reached the media */
  private readonly uncertain = new Map<number, number[]>();
  private readonly busy = new Set<number>();
  private readonly written = new Set<number>();
  /** a write that must fail (write-fail): armed, then its ledger position until it completes */
  private failing: 'armed' | number | undefined;
  /** writes that failed as the fault meant them to, with their status */
  readonly failedAsMeant: { slba: number; sct: number; sc: number }[] = [];
  /** called with the I/O dropped when the guest finds its controller reset */
  onReset: ((dropped: IoRecord[]) => void) | undefined;

  constructor(
    readonly guest: Guest,
    private readonly rng: Rng,
    count: number,
    private readonly mix?: ChangeMix,
  ) {
    this.remaining = count;
    guest.onIoCompletion = (rec, data) => this.completed(rec, data);
  }

  get ledger(): Ledger {
    return this.guest.ledger;
  }

  private get firstLba(): number {
    return this.guest.fn * LBAS_PER_GUEST;
  }

  /** Submit up to `n` workload commands (fewer when queues or extents are busy); returns how many. */
  submit(n: number): number {
    let done = 0;
    while (done < n && this.remaining > 0 && this.submitOne('workload')) {
      this.remaining--;
      done++;
    }
    return done;
  }

  /** The device completes some of what it holds, and the guest reaps. */
  progress(device: DeferredDevice): void {
    device.completeIo(this.guest.fn, this.rng.between(0, 2 * this.guest.queueCount));
    this.guest.reap();
  }

  /** One step of a running guest: notice a reset, submit a few, let the device work, reap. */
  tick(device: DeferredDevice): void {
    this.recoverIfReset();
    this.submit(this.rng.between(1, this.guest.queueCount + 1));
    this.progress(device);
  }

  recoverIfReset(): void {
    if (!this.guest.wasReset()) return;
    const dropped = this.guest.recover();
    for (const rec of dropped) {
      this.busy.delete(rec.slba);
      for (const lba of changedBlocks(rec)) this.uncertain.set(lba, [...(this.uncertain.get(lba) ?? []), rec.generation]);
    }
    this.onReset?.(dropped);
  }

  /** Run until every workload command is submitted and completed (or the device stops completing them). */
  finish(device: DeferredDevice): void {
    // A VF that never runs again (a failed resume) makes no progress: stop after a while, what is left is reported.
    for (let idle = 0; this.remaining > 0 && idle < 50; ) {
      const remaining = this.remaining;
      const outstanding = this.guest.outstanding;
      this.tick(device);
      idle = this.remaining < remaining || this.guest.outstanding < outstanding ? 0 : idle + 1;
    }
    this.drain(device);
  }

  /** Complete everything outstanding; stops when the device makes no progress (what is left counts as lost). */
  drain(device: DeferredDevice): void {
    this.recoverIfReset();
    for (let stuck = 0; this.guest.outstanding > 0 && stuck < 3; ) {
      const before = this.guest.outstanding;
      device.completeIo(this.guest.fn);
      this.guest.reap();
      stuck = this.guest.outstanding < before ? 0 : stuck + 1;
    }
  }

  /** Read back every extent ever written and check it holds a completed write (D15). */
  verify(device: DeferredDevice): void {
    this.recoverIfReset();
    const extents = [...this.written].sort((a, b) => a - b);
    for (const slba of extents) {
      if (this.submitRead('verify', slba)) continue;
      this.drain(device);
      if (!this.submitRead('verify', slba)) this.ledger.dataError(`LBA ${slba} of VF ${this.guest.fn} could not be read back: its queues never freed up`);
    }
    this.drain(device);
  }

  private submitOne(phase: 'workload'): boolean {
    const slba = this.freeExtent();
    if (slba === undefined) return false;
    const kind = this.mix ? this.changeKind() : this.rng.next() < 0.6 || !this.written.has(slba) ? 'write' : 'read';
    if (kind === 'read') return this.submitRead(phase, slba);
    const i = this.queueWithRoom();
    if (i === undefined) return false;
    const rec = kind === 'write' ? this.submitWrite(i, phase, slba) : this.submitClear(i, kind, phase, slba);
    if (!rec) return false;
    if (rec.seq === this.failing) return true; // past the slice: nothing to read back
    this.busy.add(slba);
    this.written.add(slba);
    return true;
  }

  private changeKind(): IoKind {
    const mix = this.mix!;
    if (this.rng.next() >= mix.rate) return 'read';
    const r = this.rng.next();
    return r < WRITE_SHARE ? 'write' : r < WRITE_SHARE + ZEROES_SHARE ? 'zeroes' : 'deallocate';
  }

  /**
   * The next write runs past the end of the guest's slice: on a namespace
   * that ends there (storage copy), it fails with LBA Out of Range and changes
   * nothing (D30: a failed command need not be logged).
   */
  failOneWrite(): void {
    this.failing = 'armed';
  }

  private submitWrite(i: number, phase: 'workload', extent: number): IoRecord | undefined {
    const past = this.failing === 'armed';
    const slba = past ? this.firstLba + EXTENTS * EXTENT_BLOCKS - EXTENT_BLOCKS / 2 : extent;
    const blocks = past ? EXTENT_BLOCKS : this.rng.between(1, EXTENT_BLOCKS);
    const generation = this.nextGeneration++;
    const data = new Uint8Array(blocks * BLOCK_SIZE);
    for (let b = 0; b < blocks; b++) stampBlock(data, b * BLOCK_SIZE, this.guest.fn, slba + b, generation);
    const rec = this.guest.submitIo(i, 'write', phase, slba, blocks, generation, this.rng.next() < 0.5, data);
    if (rec && past) this.failing = rec.seq;
    return rec;
  }

  /** Write Zeroes of part of the extent, or a deallocate of `dsmRanges` ranges with a gap between each (so each is its own entry, D30). */
  private submitClear(i: number, kind: 'zeroes' | 'deallocate', phase: 'workload', slba: number): IoRecord | undefined {
    if (kind === 'zeroes') return this.guest.submitIo(i, 'zeroes', phase, slba, this.rng.between(1, EXTENT_BLOCKS), 0, false);
    const n = Math.min(4, Math.max(1, this.mix!.dsmRanges));
    const step = Math.floor(EXTENT_BLOCKS / n);
    const ranges: BlockRange[] = Array.from({ length: n }, (_, j) => ({ slba: slba + j * step, blocks: this.rng.between(1, n === 1 ? EXTENT_BLOCKS : step - 1) }));
    return this.guest.submitIo(i, 'deallocate', phase, slba, EXTENT_BLOCKS, 0, this.rng.next() < 0.5, undefined, ranges);
  }

  private submitRead(phase: 'workload' | 'verify', slba: number): boolean {
    const i = this.queueWithRoom();
    if (i === undefined || this.busy.has(slba)) return false;
    const rec = this.guest.submitIo(i, 'read', phase, slba, EXTENT_BLOCKS, 0, this.rng.next() < 0.5);
    if (!rec) return false;
    this.busy.add(slba);
    return true;
  }

  private freeExtent(): number | undefined {
    for (let tries = 0; tries < 8; tries++) {
      const slba = this.firstLba + this.rng.int(this.mix?.extents ?? EXTENTS) * EXTENT_BLOCKS;
      if (!this.busy.has(slba)) return slba;
    }
    return undefined;
  }

  private queueWithRoom(): number | undefined {
    const n = this.guest.queueCount;
    const start = this.rng.int(n);
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (this.guest.hasRoom(i)) return i;
    }
    return undefined;
  }

  private completed(rec: IoRecord, data: Uint8Array | undefined): void {
    this.busy.delete(rec.slba);
    const ok = rec.status !== undefined && rec.status.sct === 0 && rec.status.sc === 0;
    if (rec.seq === this.failing && !ok) {
      this.failedAsMeant.push({ slba: rec.slba, sct: rec.status!.sct, sc: rec.status!.sc });
      this.failing = undefined;
      return;
    }
    if (!ok) {
      this.ledger.dataError(`${rec.kind} of LBA ${rec.slba} on VF ${rec.fn} queue ${rec.qid} completed with SCT ${rec.status?.sct} SC 0x${rec.status?.sc.toString(16)}`);
      return;
    }
    if (rec.kind !== 'read') {
      for (const lba of changedBlocks(rec)) {
        this.generation.set(lba, rec.generation);
        this.uncertain.delete(lba);
      }
      return;
    }
    for (let b = 0; b < rec.blocks; b++) {
      const lba = rec.slba + b;
      const got = readStamp(data!, b * BLOCK_SIZE, this.guest.fn, lba);
      const want = this.generation.get(lba) ?? 0;
      if (got === want || (got !== undefined && this.uncertain.get(lba)?.includes(got))) continue;
      this.ledger.dataError(`LBA ${lba} of VF ${this.guest.fn} holds ${got === undefined ? 'corrupt data' : `write #${got}`}, expected write #${want} (${rec.phase} read)`);
    }
  }
}
