// HostDevice over a register-level target: anything with BAR0 register
// access per function, host memory and PCI IDs (the emulator, or a verify
// adapter plus an ID). It brings the PF's admin queue up itself, in a memory
// region it owns, and re-does it after a PF reset (D18).
import { CQE_SIZE, type Cqe } from '../wire/cqe.ts';
import { REG } from '../wire/registers.ts';
import { SQE_SIZE } from '../wire/sqe.ts';
import { AdminQueue, adminQueueEntries, type RegisterAccess, type Waiter } from './adminQueue.ts';
import { PageAllocator } from './allocator.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import type { HostDevice, PciId, ResetListener, ResetNotice } from './device.ts';

/** A raw PF with VFs: function 0 is the PF, function k (1..) is VF k, i.e. vfId k - 1. */
export interface RawNvmeBus {
  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): void | Promise<void>;
  regRead(fn: number, offset: number, width: 4 | 8): bigint | Promise<bigint>;
  memRead(addr: bigint, len: number): Uint8Array | Promise<Uint8Array>;
  memWrite(addr: bigint, data: Uint8Array): void | Promise<void>;
  pciId(fn: number): PciId | Promise<PciId>;
  /** function-level reset; needed only for RegisterHostDevice.flr */
  flr?(fn: number): void | Promise<void>;
}

interface RegisterDeviceOptions {
  /** start of the host memory region the driver owns (page aligned); default 4 GiB */
  memoryBase?: bigint;
  /** size of that region; default 64 MiB */
  memoryBytes?: number;
  /** admin queue entries wanted (capped by CAP.MQES); default 32 */
  adminQueueEntries?: number;
  /** how long to wait for a completion or a CSTS.RDY change; default 1000 ms */
  timeoutMs?: number;
  /** run between polls while waiting (a target that needs its clock stepped does it here); default: yield to the event loop */
  idle?: () => Promise<void>;
}

const DEFAULT_MEMORY_BASE = 0x1_0000_0000n;
const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RegisterHostDevice implements HostDevice {
  readonly memory: PageAllocator;
  private queue: AdminQueue | undefined;
  private readonly listeners = new Set<ResetListener>();
  private readonly pf: RegisterAccess;
  private readonly waiter: Waiter;

  constructor(
    private readonly raw: RawNvmeBus,
    private readonly options: RegisterDeviceOptions = {},
  ) {
    this.memory = new PageAllocator(options.memoryBase ?? DEFAULT_MEMORY_BASE, options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.pf = {
      regWrite: async (offset, width, value) => raw.regWrite(0, offset, width, value),
      regRead: async (offset, width) => raw.regRead(0, offset, width),
      memRead: async (addr, len) => raw.memRead(addr, len),
      memWrite: async (addr, data) => raw.memWrite(addr, data),
    };
    const timeoutMs = options.timeoutMs ?? 1000;
    const idle = options.idle ?? yieldToEventLoop;
    this.waiter = {
      async until(ready) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (await ready()) return true;
          if (Date.now() >= deadline) return false;
          await idle();
        }
      },
    };
  }

  async pciId(): Promise<PciId> {
    return this.raw.pciId(0);
  }

  async adminCommand(sqe: Uint8Array): Promise<Cqe | null> {
    const q = this.queue ?? (await this.bringUp());
    return q.submit(sqe);
  }

  async postAdminCommand(sqe: Uint8Array): Promise<void> {
    const q = this.queue ?? (await this.bringUp());
    await q.post(sqe);
  }

  async postedCompletion(cid: number): Promise<Cqe | undefined> {
    return this.queue?.completion(cid); // a PF reset dropped the queue and every posted command with it
  }

  /** The admin queue in use (brought up on first use), for inspection. */
  get adminQueue(): AdminQueue | undefined {
    return this.queue;
  }

  async alloc(bytes: number): Promise<bigint> {
    const addr = this.memory.alloc(bytes);
    await this.raw.memWrite(addr, new Uint8Array(Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE));
    return addr;
  }

  free(addr: bigint): void {
    this.memory.free(addr);
  }

  async read(addr: bigint, len: number): Promise<Uint8Array> {
    return this.raw.memRead(addr, len);
  }

  async write(addr: bigint, data: Uint8Array): Promise<void> {
    await this.raw.memWrite(addr, data);
  }

  onReset(listener: ResetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Function-level reset of function `fn` (0 = the PF), then the reset notification (D13, D18). */
  async flr(fn: number): Promise<void> {
    if (!this.raw.flr) throw new Error('this target cannot do a function-level reset; give RawNvmeBus an flr(fn) method');
    await this.raw.flr(fn);
    this.notifyReset(fn === 0 ? { kind: 'pf' } : { kind: 'vf', vfId: fn - 1 });
  }

  /**
   * Tell the driver about a reset someone else caused (a guest's CC.EN 1->0 on a
   * VF, a PF controller reset). After a PF reset the admin queue is rebuilt on
   * the next command.
   */
  notifyReset(notice: ResetNotice): void {
    if (notice.kind === 'pf') this.dropQueue();
    for (const l of [...this.listeners]) l(notice);
  }

  private dropQueue(): void {
    if (!this.queue) return;
    this.memory.free(this.queue.memory.asq);
    this.memory.free(this.queue.memory.acq);
    this.queue = undefined;
  }

  private async bringUp(): Promise<AdminQueue> {
    const cap = await this.pf.regRead(REG.CAP, 8);
    const entries = adminQueueEntries(cap, this.options.adminQueueEntries ?? 32);
    // through alloc, so the queue memory exists (is written) before the controller checks it
    const asq = await this.alloc(entries * SQE_SIZE);
    const acq = await this.alloc(entries * CQE_SIZE);
    let q: AdminQueue;
    try {
      q = await AdminQueue.bringUp(this.pf, this.waiter, { asq, acq, entries });
    } catch (e) {
      this.memory.free(asq);
      this.memory.free(acq);
      throw e;
    }
    this.queue = q;
    // Taking over an enabled PF cleared CC.EN, and that reset every VF (D18): tell the driver.
    if (q.resetPf) for (const l of [...this.listeners]) l({ kind: 'pf' });
    return q;
  }
}
