// The built-in emulated controller as an Adapter: what `nvme-lm serve`
// speaks for, what the generated suites run against by default, and the
// baseline every other implementation is compared with.
import { EmulatedDevice, type DeviceSnapshot } from '../emulator/device.ts';
import type { Mutant } from '../emulator/options.ts';
import { RamNamespace } from '../emulator/namespace.ts';
import type { Adapter, Profile, ResetInfo, ResetOptions } from '../target/adapter.ts';
import { PROFILES as EMULATOR_PROFILES, type Profile as EmulatorProfile } from '../emulator/profiles.ts';
import { UnsupportedProfileError } from '../target/errors.ts';
import { QueueTracker } from '../target/queueTracker.ts';
import { DOORBELL_BASE } from '../wire/registers.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import { batchedAnswer, type BatchedRequest, type BatchedResponse } from './protocol.ts';
import type { WireAnswers } from './server.ts';

interface EmulatorAdapterOptions {
  /** a deliberately broken variant (to show the suites catch it) */
  mutant?: Mutant;
  /** I/O queue pairs each VF may have (geometry limit, D7) */
  maxIoQueuesPerVf?: number;
  /** the namespace's size in 512-byte blocks (default 1 GiB): a run that copies every block wants a small one */
  namespaceBlocks?: number;
}

export class EmulatorAdapter implements Adapter, WireAnswers {
  private device: EmulatedDevice | undefined;
  /** the device itself, for the queue tracker behind `submit` */
  private readonly raw = {
    regWrite: async (fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> => this.dev().regWrite(fn, offset, width, value),
    regRead: async (fn: number, offset: number, width: 4 | 8): Promise<bigint> => this.dev().regRead(fn, offset, width),
    memWrite: async (addr: bigint, data: Uint8Array): Promise<void> => this.dev().memory.write(addr, data),
    memRead: async (addr: bigint, len: number): Promise<Uint8Array> => this.dev().memory.read(addr, len),
  };
  /** the emulator answers synchronously: one poll decides whether a completion came */
  private readonly tracker = new QueueTracker(this.raw, { timeoutMs: 0 });
  /**
   * The tracker's state as last saved or restored, while nothing has changed
   * it since (undefined once something may have): a snapshot then hands out
   * the same saved state again, and restoring that state changes nothing.
   * The suites drive queues with trackers of their own, so this one changes
   * only at a controller enable or reset, not at each of the runner's
   * snapshots and restores.
   */
  private trackerSaved: unknown;

  /** The tracker, about to be told something that may change what it remembers. */
  private changing(): QueueTracker {
    this.trackerSaved = undefined;
    return this.tracker;
  }

  constructor(private readonly options: EmulatorAdapterOptions = {}) {}

  private dev(): EmulatedDevice {
    if (!this.device) throw new Error('the emulated device has not been reset yet: send reset first');
    return this.device;
  }

  async reset(o: ResetOptions): Promise<ResetInfo> {
    this.device = new EmulatedDevice({
      vfs: o.vfs,
      profile: emulatorProfile(o.profile),
      strict: o.strict,
      vfQueuePolicy: o.vfQueuePolicy,
      ioCompletion: o.ioCompletion,
      tp4159: o.tp4159,
      mutant: this.options.mutant,
      maxIoQueuesPerVf: this.options.maxIoQueuesPerVf,
      namespace: new RamNamespace(this.options.namespaceBlocks),
    });
    this.changing().forgetAll();
    // every command a doorbell write lets the controller fetch completes within that write
    return { synchronous: true };
  }

  private checkFn(fn: number): void {
    if (!this.isFn(fn)) throw new Error(`function ${fn} does not exist: 0 is the PF, 1..${this.dev().vfs} are the VFs`);
  }

  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    this.checkFn(fn);
    // a doorbell teaches the tracker nothing (it learns the queues from the
    // controller registers and its own submits): straight to the device
    if (offset >= DOORBELL_BASE) return this.dev().regWrite(fn, offset, width, value);
    // through the tracker, so `submit` knows the queues the register writes set up
    await this.changing().regWrite(fn, offset, width, value);
  }

  /**
   * `nvme-lm serve`'s raw operations answered at once (server.ts,
   * WireAnswers): a doorbell, a register read, and memory within one page,
   * read as hex straight from the page and written from hex straight into
   * it. Anything else (a register the tracker learns from, memory across
   * pages, an address beyond 2^53, data longer than its len) goes the
   * ordinary way, which also words its errors.
   */
  answerWire(req: BatchedRequest, zeroTail: boolean): BatchedResponse | undefined {
    const device = this.device;
    if (device === undefined) return undefined;
    switch (req.op) {
      case 'regWrite':
        if (req.offset < DOORBELL_BASE || !this.isFn(req.fn)) return undefined;
        device.regWrite(req.fn, req.offset, req.width, BigInt(req.value));
        return { ok: true };
      case 'regRead':
        if (!this.isFn(req.fn)) return undefined;
        return batchedAnswer({ op: 'regRead', value: device.regRead(req.fn, req.offset, req.width) });
      case 'memWrite': {
        const addr = Number(req.addr);
        const len = req.len ?? req.data.length / 2;
        const off = addr % PAGE_SIZE;
        if (!Number.isSafeInteger(addr + len) || off + len > PAGE_SIZE || req.data.length > 2 * len || len === 0) return undefined;
        device.memory.map(addr, len);
        const page = device.memory.writablePageAt(addr);
        if (page === undefined) return undefined;
        const into = Buffer.from(page.bytes.buffer, page.bytes.byteOffset + off, len);
        into.fill(0, into.write(req.data, 'hex'));
        return { ok: true };
      }
      case 'memRead': {
        const addr = Number(req.addr);
        const off = addr % PAGE_SIZE;
        if (!Number.isSafeInteger(addr + req.len) || off + req.len > PAGE_SIZE) return undefined;
        const page = device.memory.pageAt(addr);
        // a page that does not exist reads as zeros
        if (page === undefined) return { data: req.zeroTail === true && zeroTail ? '' : '00'.repeat(req.len) };
        return batchedAnswer({ op: 'memRead', data: page.bytes.subarray(off, off + req.len) }, req.zeroTail === true && zeroTail);
      }
      default:
        return undefined;
    }
  }

  private isFn(fn: number): boolean {
    return Number.isInteger(fn) && fn >= 0 && fn <= (this.device?.vfs ?? -1);
  }

  async regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    this.checkFn(fn);
    return this.dev().regRead(fn, offset, width);
  }

  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    this.dev().memory.write(addr, data);
  }

  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    return this.dev().memory.read(addr, len);
  }

  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    this.checkFn(fn);
    return this.changing().submit(fn, qid, sqe);
  }

  async reap(fn: number): Promise<Uint8Array[]> {
    this.checkFn(fn);
    return this.changing().reap(fn);
  }

  async flr(fn: number): Promise<void> {
    this.checkFn(fn);
    this.dev().flr(fn);
    if (fn === 0) this.changing().forgetAll();
    else this.changing().forgetFunction(fn);
  }

  async completeIo(fn: number, count?: number): Promise<number> {
    this.checkFn(fn);
    return this.dev().completeIo(fn, count);
  }

  /** Cheap copies for the prefix-sharing runner (replay from a snapshot instead of from reset). */
  async snapshot(): Promise<unknown> {
    const device = this.dev().snapshot();
    this.trackerSaved ??= this.tracker.saveState();
    return { device, tracker: this.trackerSaved };
  }

  async restore(s: unknown): Promise<void> {
    const snap = s as { device: DeviceSnapshot; tracker: unknown };
    this.dev().restore(snap.device);
    if (snap.tracker === this.trackerSaved) return;
    this.tracker.restoreState(snap.tracker);
    this.trackerSaved = snap.tracker;
  }

  async close(): Promise<void> {
    this.device = undefined;
  }
}

/** Whether the built-in emulator offers `profile` (a suite of another profile is not played on it). */
export function emulatorOffers(profile: Profile): boolean {
  return (EMULATOR_PROFILES as readonly string[]).includes(profile);
}

/** The emulator's name for `profile`; UnsupportedProfileError when the emulator does not offer it (yet). */
export function emulatorProfile(profile: Profile): EmulatorProfile {
  if (!emulatorOffers(profile)) throw new UnsupportedProfileError(profile, `the built-in emulator offers ${EMULATOR_PROFILES.join(', ')}`);
  return profile as EmulatorProfile;
}
