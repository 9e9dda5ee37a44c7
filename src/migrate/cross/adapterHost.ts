// The host driver's view of a PF behind an Adapter (the emulator, QEMU over
// qtest): it enables the PF on an admin queue of its own and submits through
// the adapter, so a target that tracks its queues (QEMU's bring-up sends
// Virtualization Management on that same queue) never sees two writers. A
// target that hands over late completions (Adapter.reap) can hold the
// driver's Asynchronous Event Request: it is submitted like any command (the
// adapter stops waiting after its timeout) and its event reaped later (D33).
import type { Adapter } from '../../target/adapter.ts';
import { decodeCqe, type Cqe } from '../../wire/cqe.ts';
import { CC_ENABLE, REG } from '../../wire/registers.ts';
import { PageAllocator } from '../../host/allocator.ts';
import type { HostDevice, PciId, ResetListener } from '../../host/device.ts';

const ADMIN_ENTRIES = 16;
const PAGE = 0x1000n;
const READY_TIMEOUT_MS = 1000;

export class AdapterHostDevice implements HostDevice {
  private readonly memory: PageAllocator;
  private readonly asq: bigint;
  private readonly acq: bigint;
  private up = false;
  /** completions of posted commands, reaped and not yet asked for */
  private readonly reaped = new Map<number, Cqe>();
  readonly postAdminCommand?: (sqe: Uint8Array) => Promise<void>;
  readonly postedCompletion?: (cid: number) => Promise<Cqe | undefined>;

  /** `base`..`base + bytes`: the host memory this driver owns (inside the target's RAM). */
  constructor(
    private readonly target: Adapter,
    private readonly id: PciId,
    base: bigint,
    bytes: number,
  ) {
    this.memory = new PageAllocator(base + 2n * PAGE, bytes - 2 * Number(PAGE));
    this.asq = base;
    this.acq = base + PAGE;
    const reap = target.reap?.bind(target);
    if (reap) {
      this.postAdminCommand = async (sqe) => {
        const cqe = await this.adminCommand(sqe); // null: the controller holds it
        if (cqe) this.reaped.set(cqe.cid, cqe);
      };
      this.postedCompletion = async (cid) => {
        for (const bytes of await reap(0)) {
          const cqe = decodeCqe(bytes);
          this.reaped.set(cqe.cid, cqe);
        }
        const cqe = this.reaped.get(cid);
        this.reaped.delete(cid);
        return cqe;
      };
    }
  }

  pciId(): PciId {
    return this.id;
  }

  async adminCommand(sqe: Uint8Array): Promise<Cqe | null> {
    if (!this.up) await this.bringUp();
    const cqe = await this.target.submit(0, 0, sqe);
    return cqe === null ? null : decodeCqe(cqe);
  }

  private async bringUp(): Promise<void> {
    const n = ADMIN_ENTRIES - 1;
    await this.target.regWrite(0, REG.CC, 4, 0n);
    await this.target.regWrite(0, REG.AQA, 4, BigInt((n << 16) | n));
    await this.target.regWrite(0, REG.ASQ, 8, this.asq);
    await this.target.regWrite(0, REG.ACQ, 8, this.acq);
    await this.target.regWrite(0, REG.CC, 4, CC_ENABLE);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (((await this.target.regRead(0, REG.CSTS, 4)) & 1n) !== 1n) {
      if (Date.now() > deadline) throw new Error('the PF did not set CSTS.RDY within 1 s of CC.EN=1: the target cannot run the host driver');
    }
    this.up = true;
  }

  async alloc(bytes: number): Promise<bigint> {
    const addr = this.memory.alloc(bytes);
    await this.target.memWrite(addr, new Uint8Array(bytes));
    return addr;
  }

  free(addr: bigint): void {
    this.memory.free(addr);
  }

  read(addr: bigint, len: number): Promise<Uint8Array> {
    return this.target.memRead(addr, len);
  }

  write(addr: bigint, data: Uint8Array): Promise<void> {
    return this.target.memWrite(addr, data);
  }

  /** No reset is injected in a cross-implementation run: nobody is ever told of one. */
  onReset(_listener: ResetListener): () => void {
    return () => undefined;
  }
}
