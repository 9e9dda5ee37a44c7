// The host driver, profile tp4159, over an emulated tp4159 PF through
// registers and host memory, with every SQE the driver hands the device kept
// (decoded by the wire codec, not by the driver) and a hook that may change a
// completion or the data a command returned, for the guard's and the arcs'
// failure cases.
import type { Cqe } from '../../src/wire/cqe.ts';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { DeviceOptions } from '../../src/emulator/options.ts';
import { ForwardingDevice } from '../../src/host/forwardingDevice.ts';
import { RegisterHostDevice } from '../../src/host/registerDevice.ts';
import { emulatorBus } from '../../src/migrate/side.ts';
import { decodeTp4159 } from '../../src/wire/tp4159/commandCodec.ts';

/** After a command: return another completion (or the same), possibly after rewriting host memory. */
type AfterHook = (sqe: Uint8Array, cqe: Cqe | null, dev: RegisterHostDevice) => Promise<Cqe | null> | Cqe | null;

export class RecordingDevice extends ForwardingDevice<RegisterHostDevice> {
  readonly sqes: Uint8Array[] = [];
  after: AfterHook | undefined;

  override async adminCommand(sqe: Uint8Array): Promise<Cqe | null> {
    this.sqes.push(new Uint8Array(sqe));
    const cqe = await this.inner.adminCommand(sqe);
    return this.after ? this.after(sqe, cqe, this.inner) : cqe;
  }

  /** What the device received since SQE `from`, one word each: the tp4159 kind, or "identify CNS xxh", or the opcode. */
  sent(from = 0): string[] {
    return this.sqes.slice(from).map((s) => {
      if (s[0] === 0x06) return `identify CNS ${s[40].toString(16).padStart(2, '0')}h`;
      return decodeTp4159(s)?.command.kind ?? `opcode 0x${s[0].toString(16)}`;
    });
  }

  /** The decoded tp4159 fields of SQE `i` (negative: from the end). */
  fields(i: number): Record<string, bigint> {
    const s = this.sqes.at(i);
    const d = s && decodeTp4159(s);
    if (!d) throw new Error(`SQE ${i} is not a tp4159 command`);
    return d.fields;
  }
}

export function tpRig(options: Partial<DeviceOptions> = {}) {
  const dev = new EmulatedDevice({ vfs: 4, profile: 'tp4159', ...options });
  const hd = new RecordingDevice(new RegisterHostDevice(emulatorBus(dev), { memoryBytes: 16 << 20, timeoutMs: 50 }));
  return { dev, hd };
}
