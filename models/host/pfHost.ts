// The host's side of a migration: the five LM commands on the PF's admin
// queue, with the migration buffers of the memory plan. SAVE goes into a
// buffer pre-filled with a position-dependent canary, so the binding sees
// exactly how far the device wrote (D8: SAVE writes QUERY's size, no more).
import type { Adapter } from '../../src/target/adapter.ts';
import type { AfterRead } from '../../src/target/queueTracker.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { toHex } from '../../src/wire/hex.ts';
import { FunctionDriver, type Posted } from './guest.ts';
import { migrationBuffers, prpListBytes, prpsFor, UNMAPPED, type MigrationBuffer } from './hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';

/** Bytes after QUERY's size that SAVE must leave untouched. */
export const CANARY_TAIL = 64;

/** The canary byte at offset i of a SAVE buffer (position-dependent, so no run of it is likely real data). */
export function canaryByte(i: number): number {
  return (i * 0x3b + 0xa7) & 0xff;
}

const fills = new Map<number, Uint8Array>();

/**
 * The first `length` canary bytes, a fresh copy each call (the caller hands
 * it on). Made once per length: Uint8Array.from with a function per byte, on
 * every Get State of the tp4159 acceptance suites, was 3% of the check.
 */
export function canaryFill(length: number): Uint8Array {
  let fill = fills.get(length);
  if (fill === undefined) {
    fill = new Uint8Array(length);
    for (let i = 0; i < length; i++) fill[i] = canaryByte(i);
    fills.set(length, fill);
  }
  return fill.slice();
}

export interface Sent {
  cid: number;
  cqe: Posted | null;
  /** the memory `reads` asked for, read in the command's own batch after a CQ read that saw its completion (null: read it yourself) */
  data?: Uint8Array[] | null;
}

export type LmOpName = 'QUERY' | 'SUSPEND' | 'RESUME' | 'SAVE' | 'LOAD';

export const LM_OPCODE: Record<LmOpName, number> = { QUERY: LM.QUERY, SUSPEND: LM.SUSPEND, RESUME: LM.RESUME, SAVE: LM.SAVE, LOAD: LM.LOAD };

export class PfHost {
  readonly driver: FunctionDriver;

  constructor(
    readonly adapter: Adapter,
    timeoutMs: number,
  ) {
    this.driver = new FunctionDriver(adapter, 0, timeoutMs);
  }

  /** One LM command on the PF admin queue; `reads`: memory read with its completion (Sent.data). */
  async lm(op: LmOpName, vf: number, fields: { prp1?: bigint; prp2?: bigint; size?: number } = {}, reads: readonly AfterRead[] = []): Promise<Sent> {
    const cid = this.driver.cid();
    // the fields named, not spread in: a spread into a literal costs microseconds on Node 20's V8 (src/target/queueState.ts); the encoder skips the absent ones
    const sqe = encodeLmCommand({ opcode: LM_OPCODE[op], cid, vfIndex: vf, prp1: fields.prp1, prp2: fields.prp2, size: fields.size });
    if (reads.length === 0) return { cid, cqe: await this.driver.submit(0, sqe) };
    const { cqe, data } = await this.driver.submitReading(0, sqe, reads);
    return { cid, cqe, data };
  }

  private async place(b: MigrationBuffer, length: number): Promise<{ prp1: bigint; prp2: bigint }> {
    const p = prpsFor(b, length);
    if (p.listEntries.length > 0) await this.adapter.memWrite(b.list, prpListBytes(p.listEntries));
    return { prp1: p.prp1, prp2: p.prp2 };
  }

  /** SAVE of `vf` into its buffer, described for `size` bytes (QUERY's answer), canary beyond; `reads` as for lm. */
  async save(vf: number, size: number, reads: readonly AfterRead[] = []): Promise<Sent> {
    const { save } = migrationBuffers(vf);
    await this.adapter.memWrite(save.start, canaryFill(Math.min(size + CANARY_TAIL, save.capacity)));
    return this.lm('SAVE', vf, await this.place(save, size), reads);
  }

  /** Where the bytes of a SAVE of `size` bytes are, with the canary after them: what saved() reads. */
  savedRead(vf: number, size: number): AfterRead {
    const { save } = migrationBuffers(vf);
    return { addr: save.start, len: Math.min(size + CANARY_TAIL, save.capacity) };
  }

  /**
   * The bytes a successful SAVE of `size` bytes wrote, or why they are not
   * QUERY's size: a canary byte changed past `size` (wrote more), or the last
   * 8 bytes before `size` are all canary (wrote less). `given`: savedRead's
   * bytes, read with the completion; else read now.
   */
  async saved(vf: number, size: number, given?: Uint8Array): Promise<{ bytes: Uint8Array; fault: string | null }> {
    const { addr, len } = this.savedRead(vf, size);
    const all = given ?? (await this.adapter.memRead(addr, len));
    const bytes = all.slice(0, size);
    for (let i = size; i < all.length; i++) {
      if (all[i] !== canaryByte(i)) {
        return { bytes, fault: `byte ${i} past QUERY's ${size} was written (bytes ${size}..${all.length - 1}: ${toHex(all.subarray(size))})` };
      }
    }
    let untouched = 0;
    for (let i = Math.max(0, size - 8); i < size; i++) if (all[i] === canaryByte(i)) untouched++;
    if (size >= 8 && untouched === 8) return { bytes, fault: `bytes ${size - 8}..${size - 1} still hold the canary: SAVE wrote fewer than QUERY's ${size} bytes` };
    return { bytes, fault: null };
  }

  /** LOAD of `data` (padded with zeros to `size` when shorter) from the VF's LOAD buffer. */
  async load(vf: number, data: Uint8Array, size: number): Promise<Sent> {
    const { load } = migrationBuffers(vf);
    const span = Math.max(size, data.length, 1);
    const buf = new Uint8Array(span);
    buf.set(data);
    await this.adapter.memWrite(load.start, buf);
    return this.lm('LOAD', vf, { ...(await this.place(load, span)), size });
  }

  /** SAVE whose PRPs point at memory nothing maps: Data Transfer Error (D7) once the VF may be saved. */
  async saveUnmapped(vf: number): Promise<Sent> {
    return this.lm('SAVE', vf, { prp1: UNMAPPED, prp2: UNMAPPED + BigInt(PAGE) });
  }

  async loadUnmapped(vf: number, size: number): Promise<Sent> {
    return this.lm('LOAD', vf, { prp1: UNMAPPED, prp2: UNMAPPED + BigInt(PAGE), size });
  }
}

/** The kinds of bad LOAD data the bindings cycle through (D7: size, magic and version, checksum). */
export const CORRUPTIONS = ['magic', 'checksum', 'size', 'zero size'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** LOAD data that fails D7's checks, made from a real image when there is one. */
export function corruptLoad(kind: Corruption, image: { bytes: Uint8Array; size: number } | null): { data: Uint8Array; size: number } {
  const base = image?.bytes ?? Uint8Array.from({ length: 256 }, (_, i) => (i * 29 + 3) & 0xff);
  const size = image?.size ?? base.length;
  const data = base.slice();
  switch (kind) {
    case 'magic':
      data[0] ^= 0xff;
      return { data, size };
    case 'checksum':
      data[data.length >> 1] ^= 0x01;
      return { data, size };
    case 'size':
      return { data, size: size + 4 };
    default:
      return { data, size: 0 };
  }
}
