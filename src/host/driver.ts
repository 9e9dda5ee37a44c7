// The host driver for one PF: probe first (D2, D3), then one VfioMigration
// per VF, all kept in step with resets (D13, D18). This is what `nvme-lm
// migrate` builds on: attach to a source and a destination PF, then drive
// each VF's VFIO state.
import { AdminChannel } from './channel.ts';
import type { HostDevice } from './device.ts';
import { HostError } from './errors.ts';
import { probe, type ProbeOptions, type ProbeResult } from './probe.ts';
import { VfioMigration } from './vfio/migration.ts';
import { MIG_STOP_COPY } from './vfio/states.ts';

/** The probe refused the PF: no LM opcode will be sent to it (I7). */
export class LmRefusedError extends HostError {
  constructor(readonly result: Extract<ProbeResult, { supported: false }>) {
    super('EPERM', `live migration refused: ${result.message}`);
    this.name = 'LmRefusedError';
  }
}

interface AttachOptions extends ProbeOptions {
  /** VFIO migration feature flags for every VF (default STOP_COPY only, as the RFC driver) */
  flags?: number;
}

export class NvmeLmHost {
  private readonly vfs = new Map<number, VfioMigration>();
  private readonly unsubscribe: () => void;

  private constructor(
    readonly channel: AdminChannel,
    readonly probeResult: Extract<ProbeResult, { supported: true }>,
    readonly flags: number,
  ) {
    this.unsubscribe = channel.device.onReset((notice) => {
      if (notice.kind === 'pf') for (const m of this.vfs.values()) m.handleReset();
      else this.vfs.get(notice.vfId)?.handleReset();
    });
  }

  /** Probe the PF and return a driver for it; throws LmRefusedError when the guard refuses. */
  static async attach(device: HostDevice, options: AttachOptions = {}): Promise<NvmeLmHost> {
    const channel = new AdminChannel(device);
    const result = await probe(channel, options);
    if (!result.supported) throw new LmRefusedError(result);
    return new NvmeLmHost(channel, result, options.flags ?? MIG_STOP_COPY);
  }

  /** The migration state of VF `vfId` (0-based, the kernel's VF id; the NVMe VF index is vfId + 1). */
  vf(vfId: number): VfioMigration {
    let m = this.vfs.get(vfId);
    if (!m) {
      m = new VfioMigration(this.channel, vfId, this.flags);
      this.vfs.set(vfId, m);
    }
    return m;
  }

  /** Stop listening for resets and stop sending LM commands through this driver. */
  detach(): void {
    this.unsubscribe();
    this.channel.revokeLm();
  }
}
