// The byte binding of the vfLifecycle machine: each machine event played on
// VF 1 of a device through the lm profile's VF realisers
// (models/realisers/vf.ts: the event in bytes and its own completion), and
// the machine's observation checked after it.
//
// What each step checks besides the realiser's own, all through the Adapter:
// - every other completion that arrived: exactly the ones the machine says
//   (latched work fetched at RESUME, deferred I/O, the end of a drain), none
//   twice and no stranger (I2);
// - CSTS.RDY of the VF (D13), Identify byte 3072 of the PF per profile (D2,
//   D17);
// - the binding's book against the machine's state (images, queues, I/O);
// - every block the guest wrote reads back (D15).
import { type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { machineInitial } from '../../src/check/machineStep.ts';
import type { Adapter, Profile, ResetOptions } from '../../src/target/adapter.ts';
import { together } from '../../src/target/batch.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import {
  VF_LIFECYCLE_NO_LM_OPTION_SETS,
  VF_LIFECYCLE_OPTION_SETS,
  lmStateOf,
  vfContextOf,
  vfLifecycleSpec,
  type VfContext,
  type VfEventType,
  type VfLifecycleOptions,
} from '../../machines/vfLifecycle.ts';
import { checkRdy, expectOwn, expectRdy, nextState, SizeTable, suiteBranchPaths, suitePaths } from '../engine/observe.ts';
import { PfHost } from '../host/pfHost.ts';
import { describePosted, isOk, VF_DEPTHS, type DriverState, type Posted } from '../host/guest.ts';
import type { LapEnd } from '../host/queueLap.ts';
import { VfGuest, type VfGuestState } from '../host/vfGuest.ts';
import { realise } from '../realisers/realiser.ts';
import { LM_REALISATION, savedImage, type VfBookView, type VfDrivers, type VfImage, type VfObserved, type VfRealisation, type VfStep } from '../realisers/vf.ts';
import { Mismatch, type Suite } from '../engine/suite.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { copyBook, deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';

/** The VF the suites drive (VF index 1, function 1). */
const VF = 1;
/**
 * Writes alternate over the I/O queues and a path writes only a few (some
 * none on a pair they create): each new pair is run round once and one
 * command past, so its CQ wraps on every path that creates it while the VF
 * fetches, and the path's own completions carry the inverted phase tag (the
 * admin queue wraps on the paths).
 */
const IO_LAPS: LapEnd = 'checked';

export interface BindingOptions {
  /**
   * How long to wait for a completion before deciding none came (default
   * DEFAULT_TIMEOUT_MS; a few hundred ms suit QEMU). Ignored, as 0, when the
   * target's reset says it is synchronous (the emulator, in process or over
   * `serve`).
   */
  timeoutMs?: number;
}

/** The host's bookkeeping (kept on snapshots; what LOAD hands over is in `vm`). */
interface HostBook {
  image: VfImage | null;
  /** a SAVE waiting for its drain (D12) */
  draining: { cid: number; size: number } | null;
  /** the bytes of the last SAVE while nothing has changed since (D6) */
  lastSave: Uint8Array | null;
  corruptions: number;
}

interface Saved {
  machine: AnyMachineSnapshot;
  pf: DriverState;
  vf: VfGuestState;
  book: HostBook;
}

/** Events after which a SAVE must give the same bytes as the one before (D6): they change nothing, or load exactly that image. */
const D6_NEUTRAL: ReadonlySet<string> = new Set(['LM_QUERY', 'LM_SUSPEND', 'LM_SAVE', 'LM_SAVE_UNMAPPED', 'LM_LOAD', 'LM_LOAD_CORRUPT', 'LM_LOAD_UNMAPPED']);

const freshBook = (): HostBook => ({ image: null, draining: null, lastSave: null, corruptions: 0 });

export class VfLifecycleBinding implements Implementation<DeviceSnapshot<Saved>> {
  private pf: PfHost;
  private vf: VfGuest;
  private book: HostBook = freshBook();
  /** the machine's state, stepped alongside: a path step's snapshot is its target state, whose observation may be another edge's */
  private machine: AnyMachineSnapshot;
  /** D8: QUERY's size per I/O queue count, over every path this binding plays */
  private readonly sizes = new SizeTable();
  readonly snapshot?: () => Promise<DeviceSnapshot<Saved>>;
  readonly restore?: (s: DeviceSnapshot<Saved>) => Promise<void>;
  readonly release?: (s: DeviceSnapshot<Saved>) => void;
  readonly hostState?: HostState;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: { machine: AnyStateMachine; key?(s: AnyMachineSnapshot): string },
    private readonly o: VfLifecycleOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
    /** the profile's realisers (default the lm profile's) */
    private readonly realisation: VfRealisation = LM_REALISATION,
  ) {
    this.pf = new PfHost(adapter, timeoutMs);
    this.vf = new VfGuest(adapter, VF, timeoutMs, o.maxIoQueues, VF_DEPTHS, IO_LAPS);
    this.machine = machineInitial(spec.machine);
    ({ snapshot: this.snapshot, restore: this.restore, release: this.release, hostState: this.hostState } = deviceSnapshots(adapter, {
      save: (): Saved => ({ machine: this.machine, pf: this.pf.driver.save(), vf: this.vf.save(), book: copyBook(this.book) }),
      restore: (s: Saved) => {
        this.machine = s.machine;
        this.pf.driver.restore(s.pf);
        this.vf.restore(s.vf);
        this.book = copyBook(s.book);
      },
    }));
  }

  /** Power-on, then the PF enabled on its own admin queue so LM commands can be sent; the VF stays disabled (the machine's initial state). */
  async reset(): Promise<void> {
    const wait = completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs);
    this.pf = new PfHost(this.adapter, wait);
    this.vf = new VfGuest(this.adapter, VF, wait, this.o.maxIoQueues, VF_DEPTHS, IO_LAPS);
    this.book = freshBook();
    this.machine = machineInitial(this.spec.machine);
    await this.pf.driver.enable();
    // the CSTS read goes with the Identify after it (one round trip on a batch target); a wrong CSTS is still the failure reported
    await together([checkRdy('reset: PF', this.pf.driver, true), this.realisation.checkPfCapability('reset', this.pf.driver, this.o.lm)]);
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const type = event.type as VfEventType;
    const next = nextState(this.spec, this.machine, event, expected);
    const after = vfContextOf(next);
    const seen = after.last;
    if (!D6_NEUTRAL.has(type)) this.book.lastSave = null;

    this.record(await realise(this.realisation.realisers, type, this.stepOf(type, after), 'vfLifecycle'));

    // read together (one round trip on a batch target), judged in this order
    const [vfGot, pfGot, csts] = await together([this.vf.driver.reap(), this.pf.driver.reap(), this.vf.driver.csts()]);
    this.vf.settle(type, vfGot, { admin: seen.adminCompleted, ioFetched: seen.ioFetched, ioCompleted: seen.ioCompleted });
    await this.settlePf(type, pfGot, after);
    this.checkBook(type, after);
    expectRdy(`${type}: VF ${VF} (D13)`, csts, seen.rdy);
    if (lmStateOf(next) === 'running' && after.enabled) await this.vf.verify(this.o.ioCompletion === 'deferred');
    this.machine = next;
  }

  /** The parts of a step the realisers' helpers need. */
  private drivers(label: string): VfDrivers {
    return { pf: this.pf, guest: this.vf, sizes: this.sizes, label };
  }

  private stepOf(type: string, after: VfContext): VfStep {
    // drivers() spelled out, not spread: on Node 20's V8 a spread that adds fields costs microseconds (src/target/queueState.ts)
    return {
      pf: this.pf,
      guest: this.vf,
      sizes: this.sizes,
      label: type,
      adapter: this.adapter,
      expected: after.last.completion,
      latched: after.last.latched,
      lm: this.o.lm,
      vfQueuePolicy: this.o.vfQueuePolicy,
      book: this.view(),
    };
  }

  /** The realisers' view of the book: a LOAD plays the last SAVE's image; bad data is made from it. */
  private view(): VfBookView {
    const book = this.book;
    return {
      same: book.lastSave,
      last: book.image,
      forLoad: (event) => {
        if (book.image === null) throw new Error(`${event}: the machine loads an image the binding never saved (binding out of step)`);
        return { image: book.image, what: 'the last SAVE\'s image' };
      },
      next: (counter) => (counter === 'corruption' ? book.corruptions++ : 0),
    };
  }

  /** File what the event's realiser observed (D6: a SAVE is the reference for the next while nothing changes). */
  private record(o: VfObserved): void {
    switch (o.kind) {
      case 'saved':
        this.book.lastSave = o.image.bytes;
        this.book.image = o.image;
        return;
      case 'draining':
        this.book.draining = { cid: o.cid, size: o.size };
        return;
      case 'disabled':
        this.book.image = null;
        return;
      case 'reset':
        this.book.image = null;
        this.book.draining = null;
        return;
      default:
        return;
    }
  }

  private async settlePf(type: string, got: Posted[], after: VfContext): Promise<void> {
    const expected = after.last.saveCompleted;
    const rest = [...got];
    if (expected !== 'none') {
      const d = this.book.draining;
      if (d === null) throw new Error(`${type}: the machine completes a SAVE the binding never sent (binding out of step)`);
      const i = rest.findIndex((c) => c.sqid === 0 && c.cid === d.cid);
      const c = i < 0 ? null : rest.splice(i, 1)[0];
      expectOwn(`${type}: the SAVE_DATA that drained (D12)`, expected, c);
      this.book.draining = null;
      if (c !== null && isOk(c)) this.record({ kind: 'saved', image: await savedImage(this.drivers(type), d.size, this.book.lastSave) });
    }
    if (rest.length > 0) throw new Mismatch(`${type}: completions on the PF admin queue`, 'no others', `unexpected ${rest.map(describePosted).join('; ')}`);
  }

  /** The binding's beliefs agree with the machine's state after every step (else the binding itself is wrong). */
  private checkBook(type: string, after: VfContext): void {
    const b = this.vf.book;
    const mine = { enabled: b.enabled, ioQueues: b.queues, outstanding: b.fetched.length, latched: b.latched.length, adminLatched: b.pair?.op ?? 'none', image: this.book.image?.queues ?? null };
    const machine = { enabled: after.enabled, ioQueues: after.ioQueues, outstanding: after.outstanding, latched: after.latched, adminLatched: after.adminLatched, image: after.image?.ioQueues ?? null };
    if (JSON.stringify(mine) !== JSON.stringify(machine)) {
      throw new Error(`vfLifecycle binding out of step after ${type}: it believes ${JSON.stringify(mine)}, the machine says ${JSON.stringify(machine)}`);
    }
  }
}

interface SuiteDef {
  id: string;
  profile: Profile;
  machine: VfLifecycleOptions;
}

function suiteDefs(): SuiteDef[] {
  const lm = VF_LIFECYCLE_OPTION_SETS.map((o) => ({ id: `vfLifecycle:lm:${o.vfQueuePolicy}:${o.ioCompletion}`, profile: 'lm' as const, machine: o }));
  const noLm = VF_LIFECYCLE_NO_LM_OPTION_SETS.map((o) => ({ id: `vfLifecycle:no-lm:${o.ioCompletion}`, profile: 'no-lm' as const, machine: o }));
  return [...lm, ...noLm].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The vfLifecycle suites: profile lm with vfQueuePolicy reject/drop x
 * ioCompletion immediate/deferred, and profile no-lm (D17) immediate and
 * deferred. One VF; paths are a transition cover of the machine.
 */
export function vfLifecycleSuites(options: BindingOptions = {}): Suite[] {
  return suiteDefs().map((d) => {
    const spec = vfLifecycleSpec(d.machine);
    const reset: ResetOptions = {
      vfs: 1,
      profile: d.profile,
      ioCompletion: d.machine.ioCompletion,
      ...(d.profile === 'lm' ? { vfQueuePolicy: d.machine.vfQueuePolicy } : {}),
    };
    return {
      id: d.id,
      profile: d.profile,
      reset,
      spec,
      requires: d.machine.ioCompletion === 'deferred' ? { deferredIo: true } : {},
      paths: () => suitePaths(d.id, spec),
      branchPaths: () => suiteBranchPaths(d.id, spec),
      implementation: (adapter: Adapter) => new VfLifecycleBinding(adapter, spec, d.machine, reset, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    };
  });
}
