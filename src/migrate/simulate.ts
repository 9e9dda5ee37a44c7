// End-to-end live migration of one VF between two emulated devices that
// share a namespace (D15), with faults injected at the arcs. A guest runs I/O
// on VF k of the source; the host driver takes the source RUNNING -> STOP ->
// STOP_COPY and reads the saved bytes; the hypervisor copies the guest's
// memory; the destination goes RUNNING -> STOP -> RESUMING, gets the bytes,
// LOADs (-> STOP) and RESUMEs (-> RUNNING); the guest carries on there. A
// second guest on another source VF runs throughout (D14). Every failure is
// handled the way the spec requires: call the migration off and resume the
// source (D6), or let the guest see the reset (D13, D18).
import { RamNamespace } from '../emulator/namespace.ts';
import { MAX_IO_QUEUES } from '../emulator/options.ts';
import { LM } from '../wire/opcodes.ts';
import { SC, statusName } from '../wire/status.ts';
import { LmRefusedError, NvmeLmHost } from '../host/driver.ts';
import { HostError, NvmeCommandError } from '../host/errors.ts';
import { VfioArcError, type VfioMigration } from '../host/vfio/migration.ts';
import type { VfioState } from '../host/vfio/states.ts';
import { DATA_FAULTS, damage } from './damage.ts';
import { arcInfo, type ArcId, type FaultName, type FaultSpec, type Outcome } from './faults.ts';
import { Guest, type AdminRecord } from './guest.ts';
import { hostileCommands } from './hostile.ts';
import { Ledger } from './ledger.ts';
import { hostProfileOf, resolveMigrateOptions, type MigrateOptions } from './options.ts';
import { buildReport, type MigrationReport, type RunFacts } from './report.ts';
import { Rng } from './rng.ts';
import { Side } from './side.ts';
import { Workload } from './workload.ts';

/** Guest-physical memory: VF k's guest owns 64 MiB at 1 GiB + (k - 1) * 64 MiB, below the host driver's region at 4 GiB. */
const GUEST_BASE = 0x4000_0000;
const GUEST_REGION = 0x400_0000;
const CHUNK = 4096;

export async function simulateMigration(partial: Partial<MigrateOptions> = {}): Promise<MigrationReport> {
  return new MigrationRun(resolveMigrateOptions(partial)).run();
}

class MigrationRun {
  private readonly k: number;
  private readonly src: Side;
  private readonly dst: Side;
  private readonly guest: Guest;
  private readonly work: Workload;
  private readonly bystander: Workload | undefined;
  private readonly faultRng: Rng;
  /** the side whose VF k the guest runs on */
  private guestSide: Side;
  private srcVf!: VfioMigration;
  private dstVf!: VfioMigration;
  private srcHost: NvmeLmHost | undefined;
  private dstHost: NvmeLmHost | undefined;
  private readonly fired = new Set<FaultSpec>();
  private readonly outcome: Outcome = { migrated: false, calledOff: false, sourceResumed: false, guestReset: false, bystanderReset: false };
  private readonly facts: RunFacts;
  /** the guest's vCPUs are stopped: from SAVE until a RESUME lets it run again */
  private paused = false;
  private dstLost = false;
  private dstTouched = false;
  private t0: bigint | undefined;
  /** time inside the downtime window spent on the simulation's own work (other guest, fault injection, D7 hashing) */
  private offClockNs = 0n;
  private readonly hostile: AdminRecord[] = [];
  private hostileChanged = false;

  constructor(private readonly o: MigrateOptions) {
    this.k = o.vf;
    const namespace = new RamNamespace();
    const small = o.faults.some((f) => f.fault === 'small-dst-limit');
    this.src = new Side('source', { vfs: o.vfs, profile: o.profile, maxIoQueuesPerVf: MAX_IO_QUEUES, namespace, mutant: o.knobs?.sourceMutant });
    this.dst = new Side('destination', { vfs: o.vfs, profile: o.profile, maxIoQueuesPerVf: small ? o.queues - 1 : MAX_IO_QUEUES, namespace, mutant: o.knobs?.destinationMutant });
    const rng = new Rng(o.seed);
    this.faultRng = rng.fork(3);
    this.guest = new Guest(this.src.dev, this.k, guestRegion(this.k), GUEST_REGION, new Ledger());
    this.work = new Workload(this.guest, rng.fork(1), o.io);
    this.guestSide = this.src;
    const j = o.vfs >= 2 ? (this.k % o.vfs) + 1 : undefined;
    if (j !== undefined) {
      const g = new Guest(this.src.dev, j, guestRegion(j), GUEST_REGION, new Ledger());
      this.bystander = new Workload(g, rng.fork(2), o.io);
    }
    this.facts = { options: o, k: this.k, inFlightAtSuspend: 0, latchedAtSuspend: 0, inFlightAtSave: 0, saveHeld: false, savedBytes: 0, downtimeUs: 0, guestMemoryCopied: 0, memoryCopyUs: 0, idleChanged: [] };
  }

  async run(): Promise<MigrationReport> {
    this.guest.init(this.o.queues);
    this.bystander?.guest.init(Math.min(this.o.queues, 2));
    const busy = this.bystander ? [this.k, this.bystander.guest.fn] : [this.k];
    const idleSrc = this.src.idleHashes(busy);
    const idleDst = this.dst.idleHashes([this.k]);
    try {
      this.srcHost = await NvmeLmHost.attach(this.src.host, { profile: hostProfileOf(this.o.profile) });
    } catch (e) {
      if (!(e instanceof LmRefusedError)) throw e;
      this.facts.refused = { reason: e.result.reason, message: e.message };
      this.finishWorkloads();
      return this.report(idleSrc, idleDst);
    }
    this.dstHost = await NvmeLmHost.attach(this.dst.host, { profile: hostProfileOf(this.o.profile) });
    const [source, destination] = [this.srcHost.cntlidOf(this.k), this.dstHost.cntlidOf(this.k)];
    if (source !== undefined && destination !== undefined) this.facts.cntlid = { source, destination };
    this.srcVf = this.srcHost.vf(this.k - 1);
    this.dstVf = this.dstHost.vf(this.k - 1);
    const half = this.o.io - Math.floor(this.o.io / 2);
    while (this.work.remaining > half) {
      this.work.tick(this.guestSide.dev);
      this.bystander?.tick(this.src.dev);
    }
    await this.migrate();
    this.finishWorkloads();
    return this.report(idleSrc, idleDst);
  }

  private report(idleSrc: Map<number, string>, idleDst: Map<number, string>): MigrationReport {
    for (const [side, before] of [[this.src, idleSrc], [this.dst, idleDst]] as const) {
      for (const [fn, hash] of before) if (side.dev.functionHash(fn) !== hash) this.facts.idleChanged.push(`${side.name} VF ${fn}`);
    }
    this.outcome.guestReset = this.guest.resets > 0;
    this.outcome.bystanderReset = (this.bystander?.guest.resets ?? 0) > 0;
    if (this.fired.size > 0 && [...this.fired].some((f) => f.fault === 'hostile-guest')) this.outcome.hostileRejected = this.hostileOk();
    return buildReport({
      facts: this.facts,
      outcome: this.outcome,
      faults: this.o.faults.map((f) => ({ spec: f, fired: this.fired.has(f) })),
      guest: this.guest,
      bystander: this.bystander?.guest,
      src: this.src,
      dst: this.dst,
      lmLogs: { source: this.srcHost?.channel.log ?? [], destination: this.dstHost?.channel.log ?? [] },
    });
  }

  /** The guests run their workloads to the end wherever they are, then read every written block back. */
  private finishWorkloads(): void {
    this.work.finish(this.guestSide.dev);
    this.work.verify(this.guestSide.dev);
    this.bystander?.finish(this.src.dev);
    this.bystander?.verify(this.src.dev);
  }

  private async migrate(): Promise<void> {
    const k = this.k;
    // Commands in flight at SUSPEND: fetched by the device, not completed (ioCompletion 'deferred').
    this.work.submit(2 * this.o.queues);
    await this.inject('src.suspend');
    if (this.guest.wasReset()) {
      // a reset just before SUSPEND dropped those (D13): the guest brings its VF up again and carries on
      this.work.recoverIfReset();
      this.work.submit(2 * this.o.queues);
    }
    this.bystanderTick();
    this.t0 = process.hrtime.bigint();
    if (!(await this.arc(this.srcVf, 'src.suspend'))) return;
    this.facts.inFlightAtSuspend = this.src.dev.inspect(k).inFlight;
    // The guest still runs a moment: these doorbells are latched, not fetched (D11).
    this.offClock(() => this.work.submit(this.o.queues));
    this.facts.latchedAtSuspend = Object.values(this.src.dev.inspect(k).pendingEntries).reduce((a, b) => a + b, 0);

    await this.inject('src.save');
    if (!(await this.expect(this.srcVf, 'STOP', 'source'))) return;
    if (this.dstLost) return this.callOff('the destination failed before SAVE');
    if (this.take('dma-save')) this.src.host.armUnmappedBuffer();
    this.facts.inFlightAtSave = this.src.dev.inspect(k).inFlight;
    if (!(await this.arc(this.srcVf, 'src.save'))) return;
    // D12: with I/O in flight the device holds SAVE's completion until that I/O has completed
    this.facts.saveHeld = this.src.pfLog.some((t) => t.opcode === LM.SAVE && t.outcome === 'in-flight');
    this.paused = true; // the hypervisor stops the guest's vCPUs for the final copy
    const saved = await this.srcVf.saveStream!.readAll();
    this.facts.savedBytes = saved.length;
    if (!this.o.knobs?.skipMemoryCopy) {
      const t = process.hrtime.bigint();
      this.facts.guestMemoryCopied = this.guest.copyMemory(this.src.dev.memory, this.dst.dev.memory);
      this.facts.memoryCopyUs = Number((process.hrtime.bigint() - t) / 1000n);
    }
    this.bystanderTick();

    await this.inject('dst.suspend');
    if (this.dstLost) return this.callOff('the destination failed before its SUSPEND');
    this.dstTouched = true;
    if (!(await this.expect(this.dstVf, 'RUNNING', 'destination'))) return;
    if (!(await this.arc(this.dstVf, 'dst.suspend'))) return;
    this.bystanderTick();

    await this.inject('dst.resuming');
    if (!(await this.expect(this.dstVf, 'STOP', 'destination'))) return;
    if (this.dstLost) return this.callOff('the destination failed before RESUMING');
    if (this.take('dma-load')) this.dst.host.armUnmappedBuffer();
    if (!(await this.arc(this.dstVf, 'dst.resuming'))) return;
    if (!(await this.transfer(this.damage(saved)))) return;
    this.bystanderTick();

    await this.inject('dst.load');
    if (!(await this.expect(this.dstVf, 'RESUMING', 'destination'))) return;
    if (this.dstLost) return this.callOff('the destination failed before LOAD');
    // D7: a refused LOAD leaves the destination exactly as it was (the PF admin queue's own pointers aside)
    const before = this.offClock(() => this.dst.dev.stateHash({ fn: 0, sqid: 0 }));
    const loaded = await this.arc(this.dstVf, 'dst.load', () => {
      this.outcome.dstUnchanged = this.offClock(() => this.dst.dev.stateHash({ fn: 0, sqid: 0 })) === before;
    });
    if (!loaded) return;
    this.bystanderTick();

    await this.inject('dst.resume');
    if (!(await this.expect(this.dstVf, 'STOP', 'destination'))) return;
    if (this.dstLost) return this.callOff('the destination failed before RESUME');
    if (!(await this.arc(this.dstVf, 'dst.resume'))) return;
    this.facts.downtimeUs = this.elapsedUs();
    this.guest.moveTo(this.dst.dev);
    this.guestSide = this.dst;
    this.paused = false;
    this.outcome.migrated = true;
    for (let i = 0; i < 3; i++) {
      this.work.tick(this.dst.dev);
      this.bystanderTick();
    }

    await this.inject('src.release');
    // A source reset after the data was read already put the source VF back in RUNNING: nothing to release.
    if (this.srcVf.state === 'STOP_COPY') await this.arc(this.srcVf, 'src.release');
  }

  /** Ask for an arc; on failure record where and why, and call the migration off unless the guest already moved. */
  private async arc(vf: VfioMigration, id: ArcId, onFail?: () => void): Promise<boolean> {
    try {
      await vf.setState(arcInfo(id).to);
      return true;
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      const command = e instanceof VfioArcError ? e.command : undefined;
      this.outcome.failure = { at: id, ...(command ? { command } : {}), status: statusOf(e) };
      this.facts.failureMessage = e.message;
      onFail?.();
      if (!this.outcome.migrated) await this.callOff(`${id} failed`);
      return false;
    }
  }

  /** The driver must be where the last arc left it; anything else means a reset intervened (D13, D18). */
  private async expect(vf: VfioMigration, state: VfioState, side: string): Promise<boolean> {
    if (vf.state === state) return true;
    await this.callOff(`the ${side} VF was reset: its driver reports ${vf.state}, the migration left it in ${state} (D13)`);
    return false;
  }

  /** Write the saved bytes into the destination's resume stream, a page at a time (as user space reads a socket). */
  private async transfer(data: Uint8Array): Promise<boolean> {
    try {
      for (let at = 0; at < data.length; at += CHUNK) await this.dstVf.resumeStream!.write(data.subarray(at, at + CHUNK));
      return true;
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      this.outcome.failure = { at: 'resume write', status: e.errno };
      this.facts.failureMessage = e.message;
      await this.callOff('writing the saved data to the destination failed');
      return false;
    }
  }

  /**
   * Call the migration off: drop whatever reached the destination (an FLR,
   * as D16 lets user space do), and resume the source, which carries on with
   * nothing lost or repeated (D6). A source VF that was reset is already
   * running; its guest will find the reset itself.
   */
  private async callOff(reason: string): Promise<void> {
    this.outcome.calledOff = true;
    this.facts.calledOffReason = reason;
    if (this.dstTouched && !this.dstLost) await this.dst.flrVf(this.k);
    if (this.srcVf.state !== 'RUNNING') {
      try {
        await this.srcVf.setState('RUNNING');
        this.outcome.sourceResumed = true;
      } catch (e) {
        if (!(e instanceof HostError)) throw e;
        this.facts.resumeError = e.message;
      }
    }
    this.facts.downtimeUs = this.elapsedUs();
    this.paused = false;
  }

  /** Downtime: from SUSPEND to the RESUME that lets the guest run again, less the simulation's own work in between. */
  private elapsedUs(): number {
    return this.t0 === undefined ? 0 : Number((process.hrtime.bigint() - this.t0 - this.offClockNs) / 1000n);
  }

  private offClock<T>(f: () => T): T {
    const t = process.hrtime.bigint();
    try {
      return f();
    } finally {
      if (this.t0 !== undefined) this.offClockNs += process.hrtime.bigint() - t;
    }
  }

  /** The other guest runs on while the migrating one is stopped; its time is not the migration's. */
  private bystanderTick(): void {
    if (this.bystander) this.offClock(() => this.bystander!.tick(this.src.dev));
  }

  /** Whether `fault` is asked for (at its one arc); marks it fired. */
  private take(fault: FaultName): boolean {
    const spec = this.o.faults.find((f) => f.fault === fault);
    if (spec) this.fired.add(spec);
    return spec !== undefined;
  }

  /** The faults that strike just before arc `arc`. */
  private async inject(arc: ArcId): Promise<void> {
    const t = process.hrtime.bigint();
    await this.fire(arc);
    if (this.t0 !== undefined) this.offClockNs += process.hrtime.bigint() - t;
  }

  private async fire(arc: ArcId): Promise<void> {
    for (const spec of this.o.faults) {
      if (spec.arc !== arc) continue;
      switch (spec.fault) {
        case 'vf-flr-src':
        case 'vf-flr-dst':
        case 'pf-reset-src':
        case 'pf-reset-dst':
          this.fired.add(spec);
          await this.reset(spec.fault);
          break;
        case 'dst-fail':
          this.fired.add(spec);
          this.dstLost = true;
          break;
        case 'hostile-guest':
          this.fired.add(spec);
          this.sendHostile();
          break;
        case 'small-dst-limit':
          this.fired.add(spec); // the destination was built with the smaller limit; LOAD meets it now
          break;
        default:
          break; // data faults fire where they act (take / damage)
      }
    }
  }

  private async reset(fault: 'vf-flr-src' | 'vf-flr-dst' | 'pf-reset-src' | 'pf-reset-dst'): Promise<void> {
    const side = fault.endsWith('-src') ? this.src : this.dst;
    if (fault.startsWith('vf-flr')) await side.flrVf(this.k);
    else side.resetPf();
    const vf = side === this.src ? this.srcVf : this.dstVf;
    this.outcome.driverRunning = (this.outcome.driverRunning ?? true) && vf.state === 'RUNNING' && !vf.saveStream && !vf.resumeStream;
  }

  /** D1, D19: the other VF's guest, and the migrating guest when its vCPUs run, send the profile's migration commands on their own admin queues. */
  private sendHostile(): void {
    const senders: { work: Workload; side: Side }[] = [];
    if (this.bystander) senders.push({ work: this.bystander, side: this.src });
    if (!this.paused) senders.push({ work: this.work, side: this.guestSide });
    for (const { work, side } of senders) {
      work.recoverIfReset();
      // completions the device posted meanwhile (a tp4159 Suspend drains every VF's fetched I/O, D22) are reaped first: reaping is the guest's own change
      work.guest.reap();
      const fn = work.guest.fn;
      // A running VF rejects them at once, changing nothing (I1); a suspended one latches them for after RESUME (D11).
      const running = side.dev.inspect(fn).lmState === 'running';
      const before = running ? side.dev.stateHash({ fn, sqid: 0 }) : '';
      this.hostile.push(...work.guest.sendHostile(hostileCommands(this.o.profile, this.k)));
      if (running && side.dev.stateHash({ fn, sqid: 0 }) !== before) this.hostileChanged = true;
    }
  }

  private hostileOk(): boolean {
    if (this.hostile.length === 0 || this.hostileChanged) return false;
    return this.hostile.every((r) => r.droppedByReset || (r.cqes.length === 1 && r.cqes[0].sct === 0 && r.cqes[0].sc === SC.INVALID_OPCODE && r.cqes[0].dnr));
  }

  /** The saved bytes on their way to the destination, damaged as the data faults ask. */
  private damage(saved: Uint8Array): Uint8Array {
    let data = saved;
    for (const fault of DATA_FAULTS) if (this.take(fault)) data = damage(data, fault, this.faultRng, this.o.profile);
    return data;
  }
}

function guestRegion(fn: number): number {
  return GUEST_BASE + (fn - 1) * GUEST_REGION;
}

/** The NVMe status name behind a failed arc, or the errno when no command failed. */
function statusOf(e: HostError): string {
  const cause = e instanceof VfioArcError ? e.cause : e;
  if (cause instanceof NvmeCommandError) return cause.status ? statusName(cause.status.sct, cause.status.sc) : 'timeout';
  return cause instanceof HostError ? cause.errno : e.errno;
}
