// I13 for the fuzzer: a UDMQ holds entries of its own controller only. The
// host reads each live UDMQ after every device action (by phase tag, as a
// migration driver does) and checks every range entry names blocks that its
// VF wrote (Write or Write Zeroes; a VF that sent Dataset Management is not
// checked, its ranges are its own business). Entries are never overwritten
// before the host released them (D31), so reading after each action sees all;
// an entry in a slot the host has not released breaks I14.
import { decodeUdmqEntry, UDMQ_ENTRY_SIZE, UDMQ_LBACIR } from '../wire/tp4159/udmq.ts';
import { NVM, NVM_DATASET_MANAGEMENT, NVM_WRITE_ZEROES } from '../wire/opcodes.ts';
import { FuzzFailure } from './failure.ts';
import { u16, u64 } from './bytes.ts';
import type { MemoryWatch } from './memoryWatch.ts';

/** A live UDMQ as the reader sees it: where the next entry lands and its phase. */
export interface UdmqCursor {
  cntlid: number;
  base: number;
  entries: number;
  next: number;
  phase: number;
  /** the head the host last released up to (Set Features 21h HP) */
  hp: number;
}

export class UdmqWatch {
  /** per VF: "slba:nlb" of every Write and Write Zeroes it submitted */
  private readonly written = new Map<number, Set<string>>();
  private readonly deallocates = new Set<number>();

  /** Note an I/O command VF `fn` submitted. */
  noteIo(fn: number, sqe: Uint8Array): void {
    if (sqe[0] === NVM_DATASET_MANAGEMENT) this.deallocates.add(fn);
    if (sqe[0] !== NVM.WRITE && sqe[0] !== NVM_WRITE_ZEROES) return;
    let s = this.written.get(fn);
    if (!s) this.written.set(fn, (s = new Set()));
    s.add(`${u64(sqe, 40)}:${u16(sqe, 48)}`);
  }

  /** Read every new entry of `q`; a range entry of blocks its VF never wrote breaks I13. */
  read(watch: MemoryWatch, q: UdmqCursor, cdqid: number, what: string): void {
    for (let n = 0; n < q.entries; n++) {
      const e = decodeUdmqEntry(watch.read(q.base + q.next * UDMQ_ENTRY_SIZE, UDMQ_ENTRY_SIZE));
      if (e.phase !== q.phase) return;
      // D31, I14: a full queue (tail one behind the head) takes nothing more
      if ((q.next + 1) % q.entries === q.hp) throw new FuzzFailure('I14', `${what}: UDMQ ${cdqid} of VF${q.cntlid} got an entry in slot ${q.next} although the host released only up to head ${q.hp} (the queue was full)`);
      q.next = (q.next + 1) % q.entries;
      if (q.next === 0) q.phase ^= 1;
      if (e.lbacir !== UDMQ_LBACIR.RANGE_VALID || this.deallocates.has(q.cntlid)) continue;
      if (!this.written.get(q.cntlid)?.has(`${e.slba}:${e.nlb}`)) {
        throw new FuzzFailure('I13', `${what}: UDMQ ${cdqid} of VF${q.cntlid} holds an entry for blocks ${e.slba}..${e.slba + BigInt(e.nlb)}, which VF${q.cntlid} never wrote (another controller's change)`);
      }
    }
  }
}
