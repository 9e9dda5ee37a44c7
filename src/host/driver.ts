// The host driver for one PF: its profile's guard first (lm: D2, D3;
// tp4159: D21), then one VfioMigration per VF with that profile's commands,
// all kept in step with resets (D13, D18). This is what `nvme-lm migrate`
// builds on: attach to a source and a destination PF, then drive each VF's
// VFIO state.
import { AsyncEvents } from './asyncEvents.ts';
import { AdminChannel } from './channel.ts';
import type { HostDevice } from './device.ts';
import { HostError } from './errors.ts';
import { probe, type ProbeOptions, type ProbeResult } from './probe.ts';
import { probeHmlm, type HmlmProbeResult } from './probeHmlm.ts';
import { LM_ARC_COMMANDS, type ArcCommands } from './vfio/arcCommands.ts';
import { VfioMigration } from './vfio/migration.ts';
import { MIG_STOP_COPY } from './vfio/states.ts';
import { Tp4159ArcCommands } from './vfio/tp4159Arcs.ts';

/** The command sets the driver speaks: the vendor's LM opcodes, or the standard's (TP4159). */
export const HOST_PROFILES = ['lm', 'tp4159'] as const;
export type HostProfile = (typeof HOST_PROFILES)[number];

type Refusal = Extract<ProbeResult | HmlmProbeResult, { supported: false }>;
type Accepted = Extract<ProbeResult | HmlmProbeResult, { supported: true }>;

/** The guard refused the PF: no migration opcode of the profile will be sent to it (I7, D21). */
export class LmRefusedError extends HostError {
  constructor(readonly result: Refusal) {
    super('EPERM', `live migration refused: ${result.message}`);
    this.name = 'LmRefusedError';
  }
}

interface AttachOptions extends ProbeOptions {
  /** VFIO migration feature flags for every VF (default STOP_COPY only, as the RFC driver) */
  flags?: number;
  /** which commands the driver speaks (default lm) */
  profile?: HostProfile;
  /** tp4159: slots of the user data migration queue a pre-copy stream logs into */
  logEntries?: number;
  /** tp4159: state format 0000h alone, no vendor section, even where the PF lists its UUID (D25: the other end lacks it) */
  standardStateOnly?: boolean;
  /** tp4159: take a Get State whose CQE says CSUP = 0 when the state's header (CSATTR) says suspended, and count it (D24; for a controller known to leave DW0 at 0) */
  csattrFallback?: boolean;
}

/** Run the profile's guard; on acceptance, the commands its arcs send. */
async function guard(channel: AdminChannel, options: AttachOptions): Promise<{ result: Accepted; commands: ArcCommands } | Refusal> {
  if ((options.profile ?? 'lm') === 'tp4159') {
    const r = await probeHmlm(channel);
    return r.supported ? { result: r, commands: new Tp4159ArcCommands(r.offer, options.logEntries, options.standardStateOnly, options.csattrFallback) } : r;
  }
  const r = await probe(channel, options);
  return r.supported ? { result: r, commands: LM_ARC_COMMANDS } : r;
}

export class NvmeLmHost {
  private readonly vfs = new Map<number, VfioMigration>();
  private readonly unsubscribe: () => void;
  /** the PF's asynchronous events: one AER outstanding while a pre-copy log waits on them (D33) */
  readonly events: AsyncEvents;

  private constructor(
    readonly channel: AdminChannel,
    readonly probeResult: Accepted,
    readonly flags: number,
    /** what the arcs of every VF send (the profile) */
    readonly commands: ArcCommands,
  ) {
    this.events = new AsyncEvents(channel);
    this.unsubscribe = channel.device.onReset((notice) => {
      if (notice.kind === 'pf') this.events.handlePfReset();
      if (notice.kind === 'pf') for (const m of this.vfs.values()) m.handleReset(true);
      else this.vfs.get(notice.vfId)?.handleReset();
    });
  }

  /** Probe the PF and return a driver for it; throws LmRefusedError when the guard refuses. */
  static async attach(device: HostDevice, options: AttachOptions = {}): Promise<NvmeLmHost> {
    const channel = new AdminChannel(device);
    const g = await guard(channel, options);
    if ('supported' in g) throw new LmRefusedError(g);
    return new NvmeLmHost(channel, g.result, options.flags ?? MIG_STOP_COPY, g.commands);
  }

  /** The migration state of VF `vfId` (0-based, the kernel's VF id; the NVMe VF index is vfId + 1). */
  vf(vfId: number): VfioMigration {
    let m = this.vfs.get(vfId);
    if (!m) {
      m = new VfioMigration(this.channel, vfId, this.flags, this.commands, this.events);
      this.vfs.set(vfId, m);
    }
    return m;
  }

  /** tp4159: the CNTLID of VF `vfIndex` (1-based) from the PF's Secondary Controller List (D20); undefined for lm, or a VF the list lacks. */
  cntlidOf(vfIndex: number): number | undefined {
    return 'offer' in this.probeResult ? this.probeResult.offer.cntlid.get(vfIndex) : undefined;
  }

  /** Stop listening for resets and stop sending migration commands through this driver. */
  detach(): void {
    this.unsubscribe();
    this.channel.revokeLm();
  }
}
