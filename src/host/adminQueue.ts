// The PF's admin queue pair, driven through BAR0 registers and host memory
// the way a host NVMe driver does it: disable, program AQA/ASQ/ACQ, enable
// with CC.EN and wait for CSTS.RDY; then submit by writing the SQE at the
// tail and ringing the SQ 0 tail doorbell, and complete by watching the
// phase tag of the CQE at the head and ringing the CQ 0 head doorbell. The
// ring arithmetic is src/target/ring.ts's.
import { decodeCqe, CQE_SIZE, type Cqe } from '../wire/cqe.ts';
import { AQA_FIELDS, bitsOf, CAP_FIELDS, CC_ENABLE, CSTS_FIELDS, cqHeadDoorbell, REG, sqTailDoorbell, withBits } from '../wire/registers.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { cqTake, newCq, newSq, sqeCid, sqFull, sqHeadFrom, sqPush, type CqRing, type SqRing } from '../target/ring.ts';
import { HostError } from './errors.ts';

/** Register and memory access to one PCI function (the PF is function 0). */
export interface RegisterAccess {
  regWrite(offset: number, width: 4 | 8, value: bigint): Promise<void>;
  regRead(offset: number, width: 4 | 8): Promise<bigint>;
  memRead(addr: bigint, len: number): Promise<Uint8Array>;
  memWrite(addr: bigint, data: Uint8Array): Promise<void>;
}

export interface Waiter {
  /** poll `ready` until it holds or the timeout passes; false on timeout */
  until(ready: () => Promise<boolean>): Promise<boolean>;
}

interface AdminQueueMemory {
  asq: bigint;
  acq: bigint;
  entries: number;
}

/** Most entries AQA can describe (ASQS/ACQS are 12-bit, zero-based). */
const AQA_MAX_ENTRIES = 4096;

/** How many admin entries to use: the request, capped by CAP.MQES and AQA; at least 2 (one slot always stays empty). */
export function adminQueueEntries(cap: bigint, requested: number): number {
  const mqes = bitsOf(cap, CAP_FIELDS.MQES) + 1;
  return Math.max(2, Math.min(requested, mqes, AQA_MAX_ENTRIES));
}

export class AdminQueue {
  /** `head` is the last SQ head the controller reported */
  private sq: SqRing;
  private cq: CqRing;
  /** completions whose command had already timed out, kept for diagnosis */
  readonly lateCompletions: Cqe[] = [];
  /** commands posted without waiting (an Asynchronous Event Request, held until an event): their completion once taken */
  private readonly posted = new Map<number, Cqe | undefined>();

  private constructor(
    private readonly bus: RegisterAccess,
    private readonly wait: Waiter,
    readonly memory: AdminQueueMemory,
    private readonly dstrd: number,
    /** the PF was enabled and bring-up disabled it, which resets every VF (D18) */
    readonly resetPf: boolean,
  ) {
    this.sq = newSq(memory.entries);
    this.cq = newCq(memory.entries);
  }

  /** Reset the controller and bring its admin queue up in `memory` (already allocated, page aligned). */
  static async bringUp(bus: RegisterAccess, wait: Waiter, memory: AdminQueueMemory): Promise<AdminQueue> {
    const cap = await bus.regRead(REG.CAP, 8);
    const dstrd = bitsOf(cap, CAP_FIELDS.DSTRD);
    const ready = async () => bitsOf(await bus.regRead(REG.CSTS, 4), CSTS_FIELDS.RDY) === 1;
    const wasEnabled = bitsOf(await bus.regRead(REG.CC, 4), [0, 0]) === 1 || (await ready());
    if (wasEnabled) {
      await bus.regWrite(REG.CC, 4, 0n);
      if (!(await wait.until(async () => !(await ready())))) {
        throw new HostError('EIO', 'the PF did not clear CSTS.RDY after CC.EN was cleared; reset the PF (FLR) and retry');
      }
    }
    // A stale CQE with the phase bit set would be taken for a completion.
    await bus.memWrite(memory.acq, new Uint8Array(memory.entries * CQE_SIZE));
    let aqa = 0n;
    aqa = withBits(aqa, AQA_FIELDS.ASQS, memory.entries - 1);
    aqa = withBits(aqa, AQA_FIELDS.ACQS, memory.entries - 1);
    await bus.regWrite(REG.AQA, 4, aqa);
    await bus.regWrite(REG.ASQ, 8, memory.asq);
    await bus.regWrite(REG.ACQ, 8, memory.acq);
    await bus.regWrite(REG.CC, 4, CC_ENABLE);
    if (!(await wait.until(ready))) {
      const csts = await bus.regRead(REG.CSTS, 4);
      const fatal = bitsOf(csts, CSTS_FIELDS.CFS) === 1 ? ' (CSTS.CFS: controller fatal status)' : '';
      throw new HostError('EIO', `the PF did not set CSTS.RDY after CC.EN was set${fatal}; check its CAP and reset it (FLR)`);
    }
    return new AdminQueue(bus, wait, memory, dstrd, wasEnabled);
  }

  /** Submit an SQE (its CID already set) and wait for the completion with that CID; null on timeout. */
  async submit(sqe: Uint8Array): Promise<Cqe | null> {
    const cid = await this.ring(sqe);
    let mine: Cqe | null = null;
    await this.wait.until(async () => {
      for (let cqe = await this.take(); cqe; cqe = await this.take()) {
        if (cqe.cid === cid) {
          mine = cqe;
          return true;
        }
        this.file(cqe);
      }
      return false;
    });
    return mine;
  }

  /** Submit an SQE (its CID already set) whose completion comes later, if ever (an AER, D33); collect it with completion(). */
  async post(sqe: Uint8Array): Promise<void> {
    const cid = await this.ring(sqe);
    this.posted.set(cid, undefined);
  }

  /** The completion of a posted command once the controller posted it (taken now or while waiting for another); undefined until then. */
  async completion(cid: number): Promise<Cqe | undefined> {
    for (let cqe = await this.take(); cqe; cqe = await this.take()) this.file(cqe);
    const cqe = this.posted.get(cid);
    if (cqe) this.posted.delete(cid);
    return cqe;
  }

  /** Write the SQE at the tail and ring the doorbell; its CID. */
  private async ring(sqe: Uint8Array): Promise<number> {
    if (sqFull(this.sq)) {
      throw new HostError('EIO', `the admin SQ is full (${this.sq.size - 1} commands without completions); reset the PF (FLR)`);
    }
    if (sqe.length !== SQE_SIZE) throw new RangeError(`an SQE is ${SQE_SIZE} bytes, got ${sqe.length}`);
    await this.bus.memWrite(this.memory.asq + BigInt(this.sq.tail * SQE_SIZE), sqe);
    this.sq = sqPush(this.sq);
    await this.bus.regWrite(sqTailDoorbell(0, this.dstrd), 4, BigInt(this.sq.tail));
    return sqeCid(sqe);
  }

  /** A completion that is not the one waited for: a posted command's, or a late one. */
  private file(cqe: Cqe): void {
    if (this.posted.has(cqe.cid)) this.posted.set(cqe.cid, cqe);
    else this.lateCompletions.push(cqe);
  }

  /** Consume the CQE at the head if the controller has posted it. */
  private async take(): Promise<Cqe | undefined> {
    const bytes = await this.bus.memRead(this.memory.acq + BigInt(this.cq.head * CQE_SIZE), CQE_SIZE);
    const next = cqTake(this.cq, bytes);
    if (!next) return undefined;
    const cqe = decodeCqe(bytes);
    this.cq = next;
    this.sq = sqHeadFrom(this.sq, cqe.sqhd);
    await this.bus.regWrite(cqHeadDoorbell(0, this.dstrd), 4, BigInt(this.cq.head));
    return cqe;
  }
}
