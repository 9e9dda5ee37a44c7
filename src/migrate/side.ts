// One end of the migration: an emulated PF with its VFs (I/O held in flight
// until the simulation completes it), the host driver's register-level view
// of the PF, and the log of every PF admin command the device executed.
import { EmulatedDevice } from '../emulator/device.ts';
import type { CommandTrace } from '../emulator/controller.ts';
import type { RamNamespace } from '../emulator/namespace.ts';
import type { Mutant } from '../emulator/options.ts';
import type { Profile } from '../emulator/profiles.ts';
import { HMLM } from '../wire/opcodes.ts';
import { REG } from '../wire/registers.ts';
import { RegisterHostDevice, type RawNvmeBus } from '../host/registerDevice.ts';
import { DmaFaultDevice } from './dmaFaultDevice.ts';
import { EventFaultDevice } from './eventFaultDevice.ts';

/** The host driver's register-level view of an emulated device (its PCI functions, BAR0s and host memory). */
export function emulatorBus(dev: EmulatedDevice): RawNvmeBus {
  return {
    regWrite: (fn, offset, width, value) => dev.regWrite(fn, offset, width, value),
    regRead: (fn, offset, width) => dev.regRead(fn, offset, width),
    memRead: (addr, len) => dev.memory.read(addr, len),
    memWrite: (addr, data) => dev.memory.write(addr, data),
    pciId: (fn) => dev.pciId(fn),
    flr: (fn) => dev.flr(fn),
  };
}

interface SideOptions {
  vfs: number;
  profile: Profile;
  maxIoQueuesPerVf: number;
  namespace: RamNamespace;
  mutant?: Mutant;
}

export class Side {
  readonly dev: EmulatedDevice;
  readonly raw: RegisterHostDevice;
  /** what the host driver is given: the register-level device, with the DMA and event fault switches */
  readonly host: DmaFaultDevice;
  /** the switch that loses or delays the PF's next asynchronous event */
  readonly events: EventFaultDevice;
  /** every command the PF's admin queue executed, in order: what reached the device */
  readonly pfLog: CommandTrace[] = [];

  constructor(
    readonly name: 'source' | 'destination',
    options: SideOptions,
  ) {
    this.dev = new EmulatedDevice({
      vfs: options.vfs,
      profile: options.profile,
      maxIoQueuesPerVf: options.maxIoQueuesPerVf,
      namespace: options.namespace,
      ioCompletion: 'deferred',
      mutant: options.mutant,
    });
    this.dev.trace = (t) => {
      if (t.fn === 0) this.pfLog.push(t);
    };
    const bus = emulatorBus(this.dev);
    // While the driver waits for a completion, the device keeps working: it completes the fetched I/O
    // of every VF, so a SAVE held until its VF's I/O has drained (D12) gets its completion.
    this.raw = new RegisterHostDevice(bus, { idle: () => this.backgroundWork() });
    this.events = new EventFaultDevice(this.raw);
    this.host = new DmaFaultDevice(this.events);
  }

  private async backgroundWork(): Promise<void> {
    for (let fn = 1; fn <= this.dev.vfs; fn++) this.dev.completeIo(fn);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Function-level reset of VF `fn`, and the notice the driver gets (D13). */
  async flrVf(fn: number): Promise<void> {
    await this.raw.flr(fn);
  }

  /** Controller reset of the PF (CC.EN 1 -> 0): every VF is reset too (D18); the driver is told. */
  resetPf(): void {
    this.dev.regWrite(0, REG.CC, 4, 0n);
    this.raw.notifyReset({ kind: 'pf' });
  }

  /** Opcodes 0xC4-0xD5 that reached the PF. */
  lmOpcodesExecuted(): number[] {
    return this.pfLog.map((t) => t.opcode).filter((o) => o >= 0xc4 && o <= 0xd5);
  }

  /** tp4159 management opcodes (3Dh, 3Eh, 41h, 42h, 45h) that reached the PF. */
  managementOpcodesExecuted(): number[] {
    const management: readonly number[] = Object.values(HMLM);
    return this.pfLog.map((t) => t.opcode).filter((o) => management.includes(o));
  }

  /** Hashes of the VFs no guest uses, to show they never change (D14). */
  idleHashes(busy: readonly number[]): Map<number, string> {
    const out = new Map<number, string>();
    for (let fn = 1; fn <= this.dev.vfs; fn++) if (!busy.includes(fn)) out.set(fn, this.dev.functionHash(fn));
    return out;
  }
}
