// The host side of the pfAcceptance binding (its addresses from the one
// memory plan, hostPlan.ts): the bring-up a host driver does (admin queues, I/O queue pairs), the LM
// commands the binding sends to set up a precondition, and PRP building.
// Everything goes through the Adapter's raw register and memory operations
// and a client-side QueueTracker.
import type { LmState } from '../../machines/pfAcceptance.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import type { QueueTracker } from '../../src/target/queueTracker.ts';
import { hostQueueTracker } from '../engine/queueWatch.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { decodeCqe, type Cqe } from '../../src/wire/cqe.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { CC_ENABLE, REG } from '../../src/wire/registers.ts';
import { describeStatus, isSuccess } from '../../src/wire/status.ts';
import { ACCEPTANCE_PLAN, BUFFER_BYTES, bulkQueuePair, functionPlan, MAX_BULK_QUEUES, prpListBytes } from './hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { withFormatDefect, type SavedFormat } from './savedFormat.ts';
import { Mismatch, NotRealisable } from '../engine/suite.ts';
import { lapQueue, type LapEnd } from './queueLap.ts';

/** The PF's admin queue: small, so it wraps (the QEMU target's own commands after CC.EN = 1 leave it as fresh: see enable). */
const PF_ADMIN_ENTRIES = 4;
/**
 * A VF's queues: 2 entries (a path keeps one command at a time outstanding
 * there), run round at bring-up (pfAcceptance.ts reset) so they wrap with
 * the fewest no-ops: the admin queue's Create I/O CQ and SQ already take a
 * pass.
 */
const VF_ADMIN_ENTRIES = 2;
const IO_ENTRIES = 2;
/** PRP1 at page offset 0xFFC leaves 4 bytes in its page: a transfer needs a PRP list only above 4 + 4096 bytes. */
export const LIST_THRESHOLD = 4 + PAGE;

export interface Prps {
  prp1: bigint;
  prp2: bigint;
}

export const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
export const statusOf = (c: Cqe | null): string => (c === null ? 'no completion' : describeStatus(c));
export const roundUp = (n: number): number => Math.max(PAGE, Math.ceil(n / PAGE) * PAGE);

export class AcceptanceHost {
  readonly tracker: QueueTracker;
  private cid = 0;

  constructor(
    readonly adapter: Adapter,
    readonly timeoutMs: number,
  ) {
    this.tracker = hostQueueTracker(adapter, { timeoutMs });
  }

  /** Client-side bookkeeping, for the runner's snapshot/restore. */
  save(): { tracker: unknown; cid: number } {
    return { tracker: this.tracker.saveState(), cid: this.cid };
  }

  restore(s: { tracker: unknown; cid: number }): void {
    this.tracker.restoreState(s.tracker);
    this.cid = s.cid;
  }

  /** After adapter.reset: a new device, nothing known. */
  forget(): void {
    this.tracker.forgetAll();
  }

  nextCid(): number {
    this.cid = (this.cid % 0xfffe) + 1;
    return this.cid;
  }

  /** Like a host driver: disable a controller found enabled (a target may hand one over running), program the admin queue, enable. */
  async enable(fn: number): Promise<void> {
    let cc = await this.tracker.ccForEnable(fn);
    if ((cc & 1n) === 1n) {
      await this.tracker.regWrite(fn, REG.CC, 4, 0n);
      await this.waitReady(fn, 0n);
      cc = 0n;
    }
    const { asq, acq } = functionPlan(fn);
    await this.adapter.memWrite(asq, new Uint8Array(2 * PAGE));
    const entries = fn === 0 ? PF_ADMIN_ENTRIES : VF_ADMIN_ENTRIES;
    await this.tracker.regWrite(fn, REG.AQA, 4, BigInt(((entries - 1) << 16) | (entries - 1)));
    await this.tracker.regWrite(fn, REG.ASQ, 8, asq);
    await this.tracker.regWrite(fn, REG.ACQ, 8, acq);
    await this.tracker.regWrite(fn, REG.CC, 4, CC_ENABLE, cc);
    await this.waitReady(fn, 1n);
    await this.adoptForeignEntries(fn);
  }

  /**
   * Completions on a freshly enabled admin queue before we submitted anything
   * are someone else's: the QEMU target brings its VFs online through the
   * tester's PF admin queue right after CC.EN = 1 (its README). Consume them
   * and start our SQ tail where the device's head now is.
   */
  async adoptForeignEntries(fn: number): Promise<void> {
    await this.tracker.skipForeignCompletions(fn);
  }

  async waitReady(fn: number, rdy: bigint): Promise<void> {
    const deadline = Date.now() + Math.max(this.timeoutMs, 2000);
    while (((await this.adapter.regRead(fn, REG.CSTS, 4)) & 1n) !== rdy) {
      if (Date.now() >= deadline) throw new Error(`function ${fn} did not set CSTS.RDY to ${rdy} after CC.EN = ${rdy}: check the controller's enable path`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async admin(fn: number, sqe: Uint8Array): Promise<Cqe | null> {
    const raw = await this.tracker.submit(fn, 0, sqe);
    return raw === null ? null : decodeCqe(raw);
  }

  /** Create I/O CQ and SQ `qid` on `fn`; false when the device refuses (its queue limit). */
  async createIoPair(fn: number, qid: number, mustSucceed = true): Promise<boolean> {
    const { sq, cq } = bulkQueuePair(fn, qid);
    await this.adapter.memWrite(sq, new Uint8Array(2 * PAGE));
    for (const sqe of [sqeFor.createIoCq(this.nextCid(), qid, IO_ENTRIES, cq), sqeFor.createIoSq(this.nextCid(), qid, IO_ENTRIES, sq, qid)]) {
      const cqe = await this.admin(fn, sqe);
      if (cqe !== null && isSuccess(cqe)) continue;
      if (!mustSucceed) return false;
      throw new Error(`bring-up: creating I/O queue ${qid} on function ${fn} failed with ${statusOf(cqe)}; the VF must accept one I/O queue pair`);
    }
    return true;
  }

  /** Run fresh queue `qid` of `fn` round with no-ops (queueLap.ts). */
  async lap(fn: number, qid: number, label: string, until: LapEnd): Promise<void> {
    await lapQueue(this.tracker, fn, qid, { cid: () => this.nextCid(), nsid: 1, label, until });
  }

  // ---- LM commands the binding sends to set up and to observe ----

  async pfLm(what: string, opcode: number, vf: number, extra: Partial<Prps> & { size?: number } = {}): Promise<Cqe> {
    const cqe = await this.admin(0, encodeLmCommand({ opcode, cid: this.nextCid(), vfIndex: vf, ...extra }));
    if (cqe === null || !isSuccess(cqe)) throw new Mismatch(what, 'Successful Completion', statusOf(cqe));
    return cqe;
  }

  async query(vf: number, why: string): Promise<number> {
    const size = (await this.pfLm(`QUERY_DATA_SIZE of VF ${vf} (for ${why})`, LM.QUERY, vf)).dw0 >>> 0;
    if (size === 0 || size > BUFFER_BYTES) throw new Mismatch(`QUERY_DATA_SIZE of VF ${vf} (D8)`, `1..${BUFFER_BYTES} bytes`, `${size}`);
    return size;
  }

  /** SAVE VF `vf` into the image buffer (QUERY first, as a host does); returns the image length. */
  async saveImage(vf: number): Promise<number> {
    const size = await this.query(vf, 'a SAVE image');
    await this.adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(roundUp(size))); // host memory the DMA may write
    await this.pfLm(`SAVE_DATA of VF ${vf} (to get an image)`, LM.SAVE, vf, await this.listPrps(ACCEPTANCE_PLAN.image, ACCEPTANCE_PLAN.imageList, size));
    return size;
  }

  /** Bring VF `vf` into LM state `state` with real PF commands (D5); with `image`, also leave a SAVE of it in the image buffer. */
  async establish(vf: number, state: LmState, image: boolean): Promise<number | undefined> {
    let length: number | undefined;
    const suspend = () => this.pfLm(`precondition: SUSPEND of VF ${vf}`, LM.SUSPEND, vf);
    const resume = () => this.pfLm(`precondition: RESUME of VF ${vf}`, LM.RESUME, vf);
    const save = async () => {
      length = await this.saveImage(vf);
    };
    if (state === 'running' && image) {
      await suspend();
      await save();
      await resume();
    } else if (state === 'suspended') {
      await suspend();
      if (image) {
        await save();
        await resume();
        await suspend();
      }
    } else if (state === 'saved' || state === 'loaded') {
      await suspend();
      await save();
      if (state === 'loaded') {
        const n = length as number;
        const prps = await this.listPrps(ACCEPTANCE_PLAN.image, ACCEPTANCE_PLAN.imageList, n);
        await this.pfLm(`precondition: LOAD_DATA of VF ${vf}'s own image`, LM.LOAD, vf, { ...prps, size: n });
      }
    }
    return length;
  }

  /** More I/O queues make more migration data (D8): add pairs until a PRP list is needed or the VF refuses more; QUERY's size and the pairs. */
  async growMigrationData(vf: number): Promise<{ size: number; pairs: number }> {
    let qid = 2;
    while (qid <= MAX_BULK_QUEUES && (await this.createIoPair(vf, qid, false))) qid++;
    return { size: await this.query(vf, 'a PRP list'), pairs: qid - 1 };
  }


  /**
   * D7 defects in the image buffer. Without the format: the magic leads the
   * data, the last byte is payload. Version and geometry: the target's
   * SavedFormat writes them and re-seals the checksum.
   */
  async corrupt(situation: string, length: number, format: SavedFormat | undefined): Promise<void> {
    const { image } = ACCEPTANCE_PLAN;
    const flip = async (at: number, n: number) => {
      const bytes = await this.adapter.memRead(image + BigInt(at), n);
      await this.adapter.memWrite(image + BigInt(at), bytes.map((b) => b ^ 0xff));
    };
    if (situation === 'badMagic') await flip(0, 4);
    if (situation === 'badChecksum') await flip(length - 1, 1);
    if (situation === 'badVersion' || situation === 'badGeometry') {
      if (!format) throw new Error(`binding bug: ${situation} needs a SavedFormat; play() must refuse the path first`);
      await this.adapter.memWrite(image, withFormatDefect(format, situation, await this.adapter.memRead(image, length)));
    }
  }

  // ---- PRPs ----

  /** PRP1/PRP2 for `length` bytes at page-aligned `base`: PRP2 a page pointer for two pages, else a list at `list`. */
  async listPrps(base: bigint, list: bigint, length: number): Promise<Prps> {
    const pages = Math.max(1, Math.ceil(length / PAGE));
    if (pages === 1) return { prp1: base, prp2: 0n };
    if (pages === 2) return { prp1: base, prp2: base + BigInt(PAGE) };
    await this.adapter.memWrite(list, prpListBytes(Array.from({ length: pages - 1 }, (_, i) => base + BigInt((i + 1) * PAGE))));
    return { prp1: base, prp2: list };
  }

  async prpsFor(situation: string, length: number): Promise<Prps> {
    const { image, imageList, unmapped } = ACCEPTANCE_PLAN;
    switch (situation) {
      case 'entry2Offset': {
        // PRP1 near the end of its page so the rest fits one more page; PRP2 (a page pointer) carries +0x10
        const first = Math.max(8, Math.ceil((length - PAGE) / 4) * 4);
        if (first >= length || first > PAGE - 4) {
          throw new NotRealisable(`a transfer of ${length} bytes cannot span exactly two pages with PRP1 dword aligned`);
        }
        return { prp1: image + BigInt(PAGE - first), prp2: image + BigInt(PAGE + 0x10) };
      }
      case 'listEntryOffset': {
        const pages = Math.ceil((length - 4) / PAGE);
        const list = Array.from({ length: pages }, (_, i) => image + BigInt((i + 1) * PAGE));
        list[0] += 0x10n; // the defect: a list entry with an offset
        await this.adapter.memWrite(imageList, prpListBytes(list));
        return { prp1: image + BigInt(PAGE - 4), prp2: imageList };
      }
      case 'unmapped':
        return { prp1: unmapped, prp2: length > PAGE ? unmapped + BigInt(PAGE) : 0n };
      default:
        return this.listPrps(image, imageList, length);
    }
  }
}
