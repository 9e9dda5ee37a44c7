// What the fuzzer knows about the standard profile's (tp4159) management
// commands from their bytes alone, and the controller data queues the host
// created: the VF a command names (D20), whether it is a Suspend that may
// wait for its drain (D22, L5), how much host memory it may write (Get
// Controller State, Get Features 21h), and the host memory each live UDMQ
// owns, which the device writes whenever it logs (D29-D33).
import { HMLM, ADMIN, FEATURE_CONTROLLER_DATA_QUEUE } from '../wire/opcodes.ts';
export { ASYNC_EVENT_REQUEST } from '../wire/opcodes.ts';
import { numdBytes } from '../wire/tp4159/commandCodec.ts';
import { EFFECTS_LOG_SIZE, GET_LOG_PAGE } from '../wire/effectsLog.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import { u16 } from './bytes.ts';
import type { UdmqCursor } from './udmqWatch.ts';


const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x100_0000;

/** The CNTLID a management command names: Migration Send/Receive CDW11 15:0, CDQ Create CQS (CDW11 31:16). */
export function hmlmTarget(sqe: Uint8Array): number | undefined {
  if (sqe[0] === HMLM.MIGRATION_SEND || sqe[0] === HMLM.MIGRATION_RECEIVE) return u16(sqe, 44);
  if (sqe[0] === HMLM.CONTROLLER_DATA_QUEUE && sqe[40] === 0) return u16(sqe, 46);
  return undefined;
}

/** Suspend with STYPE 1 (CDW11 23:16): it may be held until the VF's fetched commands complete (D22). */
export function isHmlmSuspend(sqe: Uint8Array): boolean {
  return sqe[0] === HMLM.MIGRATION_SEND && sqe[40] === 0 && sqe[46] === 1;
}

/** Set Controller State (41h SEL 2). */
export function isSetState(sqe: Uint8Array): boolean {
  return sqe[0] === HMLM.MIGRATION_SEND && sqe[40] === 2;
}

/** The longest state the emulator can return, rounded up: Get Controller State never writes past min(NUMD bytes, this). */
const MAX_GET_STATE = 4 * PAGE_SIZE;

/** Bytes of host memory a tp4159 admin command may write (length 0: none), and the buffer its PRPs describe, by the spec's transfer rules. */
export function hmlmWriteLength(sqe: Uint8Array): { length: number; buffer: number } {
  const upTo = (numd: number, most: number): { length: number; buffer: number } => ({ length: Math.min(numdBytes(numd), most), buffer: numdBytes(numd) });
  if (sqe[0] === HMLM.MIGRATION_RECEIVE) return upTo(u32(sqe, 60), MAX_GET_STATE); // D24: min(left, (NUMD+1) x 4)
  if (sqe[0] === ADMIN.GET_FEATURES && sqe[40] === FEATURE_CONTROLLER_DATA_QUEUE) return { length: 8, buffer: 8 }; // {HP, TPT}
  if (sqe[0] === GET_LOG_PAGE) return upTo(u16(sqe, 42) + u16(sqe, 44) * 0x1_0000, EFFECTS_LOG_SIZE); // D19's effects log
  return { length: 0, buffer: 0 };
}

/** The bytes of a CDQ Create's queue: PRP1 and CDQSIZE dwords (CDW12). */
export function cdqRegion(sqe: Uint8Array): { base: number; bytes: number } {
  const lo = u32(sqe, 24);
  const hi = u32(sqe, 28);
  return { base: hi * 0x1_0000_0000 + lo, bytes: u32(sqe, 48) * 4 };
}

interface LiveCdq extends UdmqCursor {
  end: number;
  /** host pages the queue lives in, held until the queue is gone */
  pages: number[];
}

/** The UDMQs the host created and that still exist, as their successful commands say. */
export class CdqLedger {
  private readonly live = new Map<number, LiveCdq>();

  add(cdqid: number, q: LiveCdq): void {
    this.live.set(cdqid, q);
  }

  /** Forget one queue (Delete), the queues of one VF (Suspend with DUDMQ), or all (PF reset); returns the pages to release. */
  remove(which: { cdqid: number } | { cntlid: number } | 'all'): number[] {
    const out: number[] = [];
    for (const [id, q] of this.live) {
      const hit = which === 'all' || ('cdqid' in which ? which.cdqid === id : which.cntlid === q.cntlid);
      if (!hit) continue;
      out.push(...q.pages);
      this.live.delete(id);
    }
    return out;
  }

  /** Every live UDMQ with its id. */
  all(): IterableIterator<[number, LiveCdq]> {
    return this.live.entries();
  }

  /** [start, end) pairs the device may write at any time (UDMQ entries). */
  ranges(): number[] {
    const out: number[] = [];
    for (const q of this.live.values()) out.push(q.base, q.end);
    return out;
  }

  get(cdqid: number): LiveCdq | undefined {
    return this.live.get(cdqid);
  }

  /** The VF a live UDMQ logs for. */
  owner(cdqid: number): number | undefined {
    return this.live.get(cdqid)?.cntlid;
  }

  /** True when VF `vf` has a UDMQ: its work may change the PF's queue state (tail, logging). */
  logsFor(vf: number): boolean {
    for (const q of this.live.values()) if (q.cntlid === vf) return true;
    return false;
  }
}
