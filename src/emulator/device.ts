// The emulated NVMe PF with N SR-IOV VFs, reached only through raw
// operations, as a host reaches hardware: BAR0 register reads and writes per
// function (doorbells included), host memory, FLR, and PCI IDs. Written from
// the NVMe specification and the project's decisions, never from the
// machines (architecture rule 1). Function 0 is the PF, function k is VF k.
import { Controller, type CommandTrace, type DeviceContext, type LmState } from './controller.ts';
import { HostMemory } from './hostMemory.ts';
import { RamNamespace } from './namespace.ts';
import { MAX_IO_QUEUES, resolveOptions, type DeviceConfig, type DeviceOptions } from './options.ts';
import { functionHash, stateHash, type HashExclusion } from './stateHash.ts';
import { savedDataSize } from './savedData.ts';
import type { LmView } from './acceptance.ts';
import { completionPosterFor, executorsFor, type ProfileExecutors } from './executors.ts';
import type { PostCompletion } from './context.ts';

const MAX_U32 = 0xffff_ffffn;
const MAX_U64 = 0xffff_ffff_ffff_ffffn;

export interface PciId {
  vendor: number;
  device: number;
}

/** A read-only summary of one function, for tests and observers. */
export interface FunctionInfo {
  fn: number;
  lmState: LmState;
  /** CSTS.RDY = 1 and no fatal status */
  ready: boolean;
  /** I/O queue ids holding an SQ or a CQ */
  ioQueues: number;
  /** fetched commands awaiting completeIo */
  inFlight: number;
  /** SQ entries written (doorbell rung) but not fetched, per SQ id: latched doorbells while suspended (D11) */
  pendingEntries: Record<number, number>;
  /** bytes a SAVE would write now (what QUERY reports, D8) */
  migrationDataSize: number;
}

/** An opaque deep copy of the whole device (controllers, host memory, namespace). */
export interface DeviceSnapshot {
  readonly controllers: readonly Controller[];
  readonly memory: HostMemory;
  readonly namespace: RamNamespace;
}

export class EmulatedDevice implements DeviceContext {
  readonly memory: HostMemory;
  readonly namespace: RamNamespace;
  readonly config: DeviceConfig;
  readonly lmView: LmView;
  readonly executors: ProfileExecutors;
  readonly post: PostCompletion;
  /** Called once per command outcome when set (costs nothing when unset). */
  trace: ((e: CommandTrace) => void) | undefined = undefined;
  private controllers: Controller[];

  constructor(options: DeviceOptions = {}) {
    this.config = resolveOptions(options);
    this.executors = executorsFor(this.config);
    this.post = completionPosterFor(this.config);
    this.memory = options.memory ?? new HostMemory();
    this.namespace = options.namespace ?? new RamNamespace();
    this.controllers = [];
    for (let fn = 0; fn <= this.config.vfs; fn++) {
      this.controllers.push(new Controller(this, fn, fn === 0 ? MAX_IO_QUEUES : this.config.maxIoQueuesPerVf));
    }
    const self = this;
    this.lmView = {
      config: this.config,
      memory: this.memory,
      lmState: (vf) => self.controllers[vf].lmState,
      ioQueueCount: (vf) => self.controllers[vf].ioQueueCount(),
      maxIoQueues: (vf) => self.controllers[vf].maxIoQueues,
    };
  }

  /** Number of enabled VFs (functions 1..vfs). */
  get vfs(): number {
    return this.config.vfs;
  }

  controller(fn: number): Controller {
    const c = this.controllers[fn];
    if (c === undefined || !Number.isInteger(fn)) {
      throw new RangeError(`function ${fn} does not exist: use 0 for the PF or 1..${this.config.vfs} for a VF`);
    }
    return c;
  }

  regWrite(fn: number, offset: number, width: number, value: bigint): void {
    // Plain Number() when the value fits (no bigint arithmetic on the doorbell path).
    const limit = width === 8 ? MAX_U64 : MAX_U32;
    const n = value >= 0n && value <= limit ? Number(value) : Number(BigInt.asUintN(width === 8 ? 64 : 32, value));
    this.controller(fn).regWrite(offset, width, n);
  }

  regRead(fn: number, offset: number, width: number): bigint {
    return this.controller(fn).regRead(offset, width);
  }

  /** Function-level reset. A VF returns to its power-on state (D13); the PF takes every VF with it (D18). */
  flr(fn: number): void {
    this.controller(fn).flr();
  }

  resetAllVfs(): void {
    for (let fn = 1; fn < this.controllers.length; fn++) this.controllers[fn].flr();
  }

  /** Complete the oldest `n` (default all) NVM commands held in flight on function `fn`; returns how many. */
  completeIo(fn: number, n?: number): number {
    return this.controller(fn).completeIo(n);
  }

  /** PCI IDs: the PF's from the profile; a VF reports the VF Device ID of the PF's SR-IOV capability. */
  pciId(fn: number): PciId {
    const c = this.controller(fn);
    const p = this.config.profile;
    return c.isVf ? { vendor: p.vendor, device: p.vfDevice } : { vendor: p.vendor, device: p.device };
  }

  inspect(fn: number): FunctionInfo {
    const c = this.controller(fn);
    const pendingEntries: Record<number, number> = {};
    c.sqs.forEach((sq) => {
      if (sq && sq.pending > 0) pendingEntries[sq.qid] = sq.pending;
    });
    return {
      fn,
      lmState: c.lmState,
      ready: c.ready,
      ioQueues: c.ioQueueCount(),
      inFlight: c.inFlight.length,
      pendingEntries,
      migrationDataSize: savedDataSize(c.ioQueueCount()),
    };
  }

  /**
   * Hash of the whole controller state and the namespace (I3). With
   * `exclude`, the pointers of the queue pair a command used are left out:
   * posting its completion moves them even when the command is rejected.
   */
  stateHash(exclude?: HashExclusion): string {
    return stateHash(this.controllers, this.namespace, exclude);
  }

  /** Hash of one function's controller state alone (registers, queues, LM state, in flight): D14 isolation. */
  functionHash(fn: number): string {
    return functionHash(this.controller(fn));
  }

  snapshot(): DeviceSnapshot {
    return { controllers: this.controllers.map((c) => c.clone(this)), memory: this.memory.clone(), namespace: this.namespace.clone() };
  }

  /** Restore a snapshot in place (the memory and namespace objects stay the same; a snapshot can be restored many times). */
  restore(s: DeviceSnapshot): void {
    if (s.controllers.length !== this.controllers.length) {
      throw new RangeError(`snapshot has ${s.controllers.length - 1} VFs, this device ${this.config.vfs}: restore it into a device built with the same options`);
    }
    this.controllers = s.controllers.map((c) => c.clone(this));
    this.memory.restoreFrom(s.memory);
    this.namespace.restoreFrom(s.namespace);
  }
}
