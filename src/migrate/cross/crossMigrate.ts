// I15: one VF moved between two implementations behind Adapters (the
// emulator, QEMU with TP4159): the guest runs I/O on the source, the host
// driver suspends it (writes in flight, more latched: D11) and Gets its
// state, the guest's memory is copied, the destination is suspended, Set
// State, and resumed; the guest carries on there. Format 0000h alone when
// either PF lacks this project's vendor UUID (D25): the guest's admin queue
// then restarts at slot 0 and only its I/O queues carry on. The two sides
// share no storage and this run copies none (crossStorageCopy.ts does): the
// data check is every write completed exactly once, and every write done on
// the destination read back.
import type { Adapter, Tp4159Capabilities } from '../../target/adapter.ts';
import type { PciId } from '../../host/device.ts';
import { HostError } from '../../host/errors.ts';
import { NvmeLmHost } from '../../host/driver.ts';
import type { VfioMigration } from '../../host/vfio/migration.ts';
import { PROFILE_INFO } from '../../emulator/profiles.ts';
import { MIG_STOP_COPY } from '../../host/vfio/states.ts';
import { REG } from '../../wire/registers.ts';
import { AdapterGuest, IO_ENTRIES } from './adapterGuest.ts';
import { AdapterHostDevice } from './adapterHost.ts';
import { diffStateBytes, fieldsOutsideDestination, type FieldDiff } from './stateDiff.ts';

export const IMPLEMENTATIONS = ['emulator', 'qemu'] as const;
export type Implementation = (typeof IMPLEMENTATIONS)[number];

export interface CrossSide {
  implementation: Implementation;
  target: Adapter;
  /** the device's choices at reset (the emulator only; QEMU is what it is) */
  tp4159?: Tp4159Capabilities;
}

/** What the host driver reads as the PF's PCI ID (an Adapter has none to ask): the emulator's tp4159 profile, QEMU's NVMe controller. */
export const PCI_IDS: Readonly<Record<Implementation, PciId>> = {
  emulator: { vendor: PROFILE_INFO.tp4159.vendor, device: PROFILE_INFO.tp4159.device },
  qemu: { vendor: 0x1b36, device: 0x0010 },
};

export interface CrossOptions {
  from: CrossSide;
  to: CrossSide;
  vfs: number;
  vf: number;
  /** writes the guest does in all (half before the move), at most the I/O queue's depth per burst */
  io: number;
}

export interface CrossReport {
  from: Implementation;
  to: Implementation;
  vf: number;
  format: '0000h' | '0000h + vendor section';
  /** D25: what becomes of the guest's admin queue */
  adminQueue: string;
  inFlightAtSuspend: number;
  latchedAtSuspend: number;
  /** L6: writes still not completed after Resume, before the guest rang any doorbell again */
  unfetchedAfterResume: number;
  savedBytes: number;
  /** the step that failed, and why (absent: the move completed) */
  failure?: { step: string; message: string };
  /** the source's state against the destination's after Set State (or against what the destination allows, when Set State failed) */
  stateDiff: FieldDiff[];
  writes: number;
  lost: number;
  duplicated: number;
  failedStatus: number;
  strays: string[];
  readBack: { checked: number; failed: number };
  storage: string;
  /** deviations of a QEMU build that docs/ writes up, met on the way (never a pass) */
  knownDeviations: string[];
  /** every check held */
  ok: boolean;
  /** pass; known deviation (the checks held, a written-up deviation was met); fail */
  verdict: 'pass' | 'known deviation' | 'fail';
}

/** Guest memory of VF k, and the host driver's region: both inside QEMU's 512 MiB of RAM. */
export const GUEST_BASE = 0x0400_0000n;
export const GUEST_REGION = 0x0010_0000n;
export const HOST_BASE = 0x1000_0000n;
export const HOST_BYTES = 16 * 1024 * 1024;

const STORAGE_NOTE =
  'not copied: the two sides share no namespace and this run moves the state alone (--storage copy moves the data too, through the UDMQ log and each PF\'s I/O queues), so writes completed on the source stay there; the check is their completions, and a read-back of every write completed on the destination';

export async function crossMigrate(o: CrossOptions): Promise<CrossReport> {
  const run = new CrossRun(o);
  try {
    return await run.run();
  } finally {
    await o.from.target.close();
    await o.to.target.close();
  }
}

class CrossRun {
  private readonly guest: AdapterGuest;
  private readonly r: CrossReport;

  constructor(private readonly o: CrossOptions) {
    if (o.io < 2 || o.io > 3 * (IO_ENTRIES / 4)) throw new Error(`--io ${o.io}: a cross-implementation run does 2 to ${3 * (IO_ENTRIES / 4)} writes (one I/O queue of ${IO_ENTRIES})`);
    this.guest = new AdapterGuest(o.from.target, 'source', o.vf, GUEST_BASE + BigInt(o.vf - 1) * GUEST_REGION);
    this.r = {
      from: o.from.implementation,
      to: o.to.implementation,
      vf: o.vf,
      format: '0000h',
      adminQueue: '',
      inFlightAtSuspend: 0,
      latchedAtSuspend: 0,
      unfetchedAfterResume: 0,
      savedBytes: 0,
      stateDiff: [],
      writes: 0,
      lost: 0,
      duplicated: 0,
      failedStatus: 0,
      strays: [],
      readBack: { checked: 0, failed: 0 },
      storage: STORAGE_NOTE,
      knownDeviations: [],
      ok: false,
      verdict: 'fail',
    };
  }

  async run(): Promise<CrossReport> {
    const { from, to, vfs } = this.o;
    for (const s of [from, to]) await s.target.reset({ vfs, profile: 'tp4159', ...(s.tp4159 ? { tp4159: s.tp4159 } : {}) });
    const { src, dst, vendor } = await attachHosts(from, to);
    this.r.format = vendor ? '0000h + vendor section' : '0000h';
    this.r.adminQueue = vendor
      ? 'carried in the vendor section (D25): the guest admin queue carries on'
      : 'not carried: format 0000h has no admin queue (D25), so the destination restarts it at slot 0 and the guest’s next admin command is never seen completed; the guest’s I/O queues carry on';
    try {
      await this.move(src.vf(this.o.vf - 1), dst.vf(this.o.vf - 1), vendor);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      this.r.failure ??= { step: 'run', message: e.message };
    }
    for (const [host, side] of [[src, 'source'], [dst, 'destination']] as const) {
      if (csupDisagreements(host) > 0) {
        this.r.knownDeviations.push(`QEMU-TP4159-D24-NO-CSUP (${side}): Get Controller State answered CSUP = 0 in CQE DW0 while the state's CSATTR said suspended; the host took CSATTR`);
      }
    }
    this.tally();
    return this.r;
  }

  private async move(srcVf: VfioMigration, dstVf: VfioMigration, vendor: boolean): Promise<void> {
    const g = this.guest;
    const half = Math.ceil(this.o.io / 2);
    const burst = Math.max(1, Math.floor(half / 2));
    await g.boot();
    await g.queueWrites(half - burst);
    await g.ringIo();
    await g.drainIo();
    // in flight at Suspend: rung, fetched and completed by the controller (both complete what they fetch), not reaped
    await g.queueWrites(burst);
    await g.ringIo();
    this.r.inFlightAtSuspend = g.inFlight;
    await this.step('source Suspend', () => srcVf.setState('STOP'));
    // the guest runs a moment more: these are latched, not fetched (D11), and travel in the SQ's tail (D25)
    const latched = Math.max(1, Math.floor(burst / 2));
    // from here on every write is fetched by the destination: its data lands there, so it reads back there
    const firstOnDestination = g.writes.length;
    await g.queueWrites(latched);
    await g.ringIo();
    this.r.latchedAtSuspend = latched;
    await this.step('source Get State', () => srcVf.setState('STOP_COPY'));
    const saved = await this.step('source Get State', () => srcVf.saveStream!.readAll());
    this.r.savedBytes = saved.length;
    const mem = g.memory;
    await this.o.to.target.memWrite(mem.base, await this.o.from.target.memRead(mem.base, mem.bytes));
    // format 0000h: the destination VF needs a running controller to suspend and fill; its admin queue starts afresh at slot 0 (D25)
    if (!vendor) await g.enable(this.o.to.target);
    await this.step('destination Suspend', () => dstVf.setState('STOP'));
    await this.step('destination Set State', () => dstVf.setState('RESUMING'));
    await this.step('destination Set State', () => dstVf.resumeStream!.write(saved));
    try {
      await dstVf.setState('STOP');
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      this.r.stateDiff = fieldsOutsideDestination(saved, await this.destinationMqes());
      this.r.failure = { step: 'destination Set State', message: e.message };
      throw e;
    }
    await this.step('destination Get State', () => dstVf.setState('STOP_COPY'));
    const loaded = await this.step('destination Get State', () => dstVf.saveStream!.readAll());
    await this.step('destination Get State', () => dstVf.setState('STOP'));
    this.r.stateDiff = diffStateBytes(saved, loaded);
    await this.step('destination Resume', () => dstVf.setState('RUNNING'));
    await this.step('source release', () => srcVf.setState('STOP'));
    g.moveTo(this.o.to.target, 'destination');
    await g.drainIo();
    // L6: Resume fetches the latched entries with no further doorbell; what is still outstanding now waited for one
    this.r.unfetchedAfterResume = g.inFlight;
    await g.queueWrites(this.o.io - half);
    await g.ringIo();
    await g.drainIo();
    for (const w of g.writes.slice(firstOnDestination).filter((x) => x.completions === 1 && x.status === 0)) {
      this.r.readBack.checked++;
      if (!(await g.readBack(w))) this.r.readBack.failed++;
    }
  }

  private async step<T>(step: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof Error) this.r.failure ??= { step, message: e.message };
      throw e;
    }
  }

  private async destinationMqes(): Promise<number> {
    return Number((await this.o.to.target.regRead(this.o.vf, REG.CAP, 8)) & 0xffffn);
  }

  private tally(): void {
    const w = this.guest.writes;
    this.r.writes = w.length;
    this.r.lost = w.filter((x) => x.completions === 0).length;
    this.r.duplicated = w.filter((x) => x.completions > 1).length + this.guest.strays.length;
    this.r.failedStatus = w.filter((x) => x.completions === 1 && x.status !== 0).length;
    this.r.strays = this.guest.strays;
    this.r.ok = !this.r.failure && this.r.stateDiff.length === 0 && this.r.lost === 0 && this.r.duplicated === 0 && this.r.failedStatus === 0 && this.r.readBack.failed === 0 && this.r.unfetchedAfterResume === 0;
    this.r.verdict = !this.r.ok ? 'fail' : this.r.knownDeviations.length > 0 ? 'known deviation' : 'pass';
  }
}

/**
 * The host driver on both PFs, profile tp4159 (`flags`: the VFIO migration
 * features). The vendor state section travels only when both PFs list its
 * UUID (D25); else both drivers move format 0000h alone.
 */
export async function attachHosts(from: CrossSide, to: CrossSide, flags = MIG_STOP_COPY, logEntries?: number): Promise<{ src: NvmeLmHost; dst: NvmeLmHost; vendor: boolean }> {
  const attachHost = (side: CrossSide, standardStateOnly = false): Promise<NvmeLmHost> =>
    // QEMU's build leaves CQE DW0 at 0 (docs/qemu-tp4159-deviations.md, D24-NO-CSUP): the host reads CSATTR there and says so
    NvmeLmHost.attach(new AdapterHostDevice(side.target, PCI_IDS[side.implementation], HOST_BASE, HOST_BYTES), { profile: 'tp4159', flags, logEntries, standardStateOnly, csattrFallback: side.implementation === 'qemu' });
  let [src, dst] = await Promise.all([attachHost(from), attachHost(to)]);
  const vendor = vendorOf(src) && vendorOf(dst);
  if (!vendor && (vendorOf(src) || vendorOf(dst))) {
    src.detach();
    dst.detach();
    [src, dst] = await Promise.all([attachHost(from, true), attachHost(to, true)]);
  }
  return { src, dst, vendor };
}

/** D24: Get States whose CQE said CSUP = 0 while the header said suspended (QEMU), which the driver took by CSATTR. */
export function csupDisagreements(host: NvmeLmHost): number {
  return 'csupDisagreements' in host.commands && typeof host.commands.csupDisagreements === 'number' ? host.commands.csupDisagreements : 0;
}

function vendorOf(host: NvmeLmHost): boolean {
  return 'vendorSection' in host.commands && host.commands.vendorSection === true;
}

/** The report as text, one fact a line; the disagreeing fields named. */
export function formatCrossReport(r: CrossReport): string {
  const lines = [
    `cross-implementation migration of VF ${r.vf}: ${r.from} -> ${r.to}: ${r.verdict.toUpperCase()}`,
    `state format: ${r.format}; admin queue: ${r.adminQueue}`,
    `in flight at Suspend: ${r.inFlightAtSuspend} (completed, not reaped); latched after Suspend: ${r.latchedAtSuspend}; state: ${r.savedBytes} bytes`,
  ];
  if (r.failure) lines.push(`failed at ${r.failure.step}: ${r.failure.message}`);
  for (const d of r.stateDiff) lines.push(`state field differs: ${d.field}: source ${d.source}, destination ${d.destination}`);
  if (r.unfetchedAfterResume > 0) lines.push(`L6: ${r.unfetchedAfterResume} writes latched while suspended were not fetched after Resume until the guest rang the doorbell again`);
  lines.push(`writes ${r.writes}: lost ${r.lost}, duplicated ${r.duplicated}, failed status ${r.failedStatus}; read back on the destination ${r.readBack.checked}, wrong ${r.readBack.failed}`);
  for (const s of r.strays) lines.push(`stray completion: ${s}`);
  for (const d of r.knownDeviations) lines.push(`known deviation: ${d}`);
  lines.push(`storage: ${r.storage}`);
  return lines.join('\n');
}
