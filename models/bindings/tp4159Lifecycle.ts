// The byte binding of the tp4159Lifecycle machine: each event played on VF 1
// of a tp4159 device through the profile's realisers (models/realisers/
// tp4159.ts), and the machine's observation checked after it, through the
// Adapter only:
// - every other completion that arrived: the end of a Suspend's drain on the
//   PF (D22), latched work fetched at Resume (D23), I/O completed; none
//   twice and no stranger (I2);
// - CSTS.RDY of the VF: CC.EN as the machine has it, a Set State with the
//   vendor section restoring it (D25);
// - the binding's book against the machine's state.
// The guest's queues are small (a 4-entry admin queue, 3-entry I/O queues)
// so they wrap on the paths: states are taken with a CQ tail back at 0.
import { type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { machineInitial } from '../../src/check/machineStep.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import {
  TP_LIFECYCLE_OPTION_SETS,
  tpContextOf,
  tpLifecycleSpec,
  tpLmStateOf,
  type TpLifecycleContext,
  type TpLifecycleOptions,
} from '../../machines/tp4159Lifecycle.ts';
import type { TpCompletion } from '../../machines/tp4159/status.ts';
import { checkRdy, expectOwn, machineSuite, nextState } from '../engine/observe.ts';
import { describePosted, type DriverState, type Posted, type QueueDepths } from '../host/guest.ts';
import type { LapEnd } from '../host/queueLap.ts';
import { VfGuest, type VfGuestState } from '../host/vfGuest.ts';
import { realise } from '../realisers/realiser.ts';
import { TP4159_REALISERS, type TpBookView, type TpObserved, type TpStep } from '../realisers/tp4159.ts';
import { TpHost } from '../host/tp4159Host.ts';
import { TP_ADMIN_DEPTH } from './tp4159State.ts';
import { Mismatch, type Suite } from '../engine/suite.ts';
import { requireVendorOffer } from './tp4159VendorOffer.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { copyBook, deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';

/** The VF the suites drive (VF 1). */
const VF = 1;

/** Small enough to wrap on a path: two commands per admin operation wrap the admin queue every two; three I/O entries hold two in flight. */
export const TP_DEPTHS: QueueDepths = { admin: TP_ADMIN_DEPTH, io: 3 };
/** A path writes only a few blocks, alternating over the pairs: each new pair is run round once and a command past, so it wraps (vfGuest.ts QueueLaps). */
const TP_LAPS: LapEnd = 'checked';

interface Book {
  held: Uint8Array | null;
  partsSent: number;
  same: Uint8Array | null;
  /** a Suspend waiting for its drain (D22) */
  draining: number | null;
}

interface Saved {
  machine: AnyMachineSnapshot;
  host: DriverState;
  vf: VfGuestState;
  book: Book;
}

const freshBook = (): Book => ({ held: null, partsSent: 0, same: null, draining: null });

/** Events after which the next Get State must give the same bytes (D24): they change nothing of the VF. */
const UNCHANGING: ReadonlySet<string> = new Set(['GET_STATE', 'SUSPEND_NOTICE']);

export class TpLifecycleBinding implements Implementation<DeviceSnapshot<Saved>> {
  private host: TpHost;
  private vf: VfGuest;
  private book: Book = freshBook();
  private machine: AnyMachineSnapshot;
  readonly snapshot?: () => Promise<DeviceSnapshot<Saved>>;
  readonly restore?: (s: DeviceSnapshot<Saved>) => Promise<void>;
  readonly release?: (s: DeviceSnapshot<Saved>) => void;
  readonly hostState?: HostState;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: { machine: AnyStateMachine; key?(s: AnyMachineSnapshot): string },
    private readonly o: TpLifecycleOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
  ) {
    this.host = new TpHost(adapter, timeoutMs);
    this.vf = new VfGuest(adapter, VF, timeoutMs, o.maxIoQueues, TP_DEPTHS, TP_LAPS);
    this.machine = machineInitial(spec.machine);
    ({ snapshot: this.snapshot, restore: this.restore, release: this.release, hostState: this.hostState } = deviceSnapshots(adapter, {
      save: (): Saved => ({ machine: this.machine, host: this.host.driver.save(), vf: this.vf.save(), book: copyBook(this.book) }),
      restore: (s: Saved) => {
        this.machine = s.machine;
        this.host.driver.restore(s.host);
        this.vf.restore(s.vf);
        this.book = copyBook(s.book);
      },
    }));
  }

  /** Power-on, the PF enabled and its offer read (D21); the VF stays disabled (the machine's initial state). */
  async reset(): Promise<void> {
    const wait = completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs);
    this.host = new TpHost(this.adapter, wait);
    this.vf = new VfGuest(this.adapter, VF, wait, this.o.maxIoQueues, TP_DEPTHS, TP_LAPS);
    this.book = freshBook();
    this.machine = machineInitial(this.spec.machine);
    await this.host.driver.enable();
    await checkRdy('reset: PF', this.host.driver, true);
    const offer = await this.host.learn('reset');
    if (this.o.stateFormat === 'vendor') requireVendorOffer('tp4159Lifecycle', true, offer.csuuidi !== 0);
    this.host.cntlidOf(VF);
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const type = event.type;
    const next = nextState(this.spec, this.machine, event, expected);
    const after = tpContextOf(next);
    const seen = after.last;
    const observed = await realise(TP4159_REALISERS, type, this.stepOf(type, after), 'tp4159Lifecycle');
    this.file(type, observed, after);
    const vfGot = await this.vf.driver.reap();
    if (seen.ioDropped === 0 && seen.adminDropped === 'none') {
      // the guest's own admin pair completes in its realiser; settle takes only a latched one (fetched at RESUME, D23)
      const admin = this.vf.book.pair !== null ? seen.adminCompleted : 'none';
      this.vf.settle(type, vfGot, { admin, ioFetched: seen.ioFetched, ioCompleted: seen.ioCompleted });
    } else if (vfGot.length > 0) {
      throw new Mismatch(`${type}: completions on VF ${VF} after a reset (D34)`, 'none: the guest\'s work is dropped', vfGot.map(describePosted).join('; '));
    }
    this.settlePf(type, await this.host.driver.reap(), seen.suspendCompleted);
    this.checkBook(type, after);
    await checkRdy(`${type}: VF ${VF} (CC.EN as the machine has it)`, this.vf.driver, after.enabled);
    if (tpLmStateOf(next) === 'active' && after.enabled && after.mig === 'none') await this.vf.verify(true);
    this.machine = next;
  }

  private stepOf(type: string, after: TpLifecycleContext): TpStep {
    const book = this.book;
    const view: TpBookView = { held: book.held, partsSent: book.partsSent, same: book.same };
    return {
      adapter: this.adapter,
      host: this.host,
      guest: this.vf,
      label: type,
      seen: after.last,
      latched: tpLmStateOf(this.machine) !== 'active',
      vendor: this.o.stateFormat === 'vendor',
      book: view,
    };
  }

  /** File what the realiser observed; the held state follows the machine's (kept when taken suspended, D24). */
  private file(type: string, o: TpObserved, after: TpLifecycleContext): void {
    const b = this.book;
    const failed = after.last.completion !== 'none' && after.last.completion.status !== 'SUCCESS';
    if (!UNCHANGING.has(type) && !failed) b.same = null;
    if (o.kind === 'draining') b.draining = o.cid;
    if (o.kind === 'got') {
      b.same = o.bytes;
      if (after.image !== null && b.held === null) b.held = o.bytes;
    }
    if (o.kind === 'parts') b.partsSent = o.sent;
    // D26: the state applied is the held one, so a Get State now gives its bytes (taken suspended, and suspended still)
    if (o.kind === 'applied') b.same = b.held;
    if (after.parts === 'none') b.partsSent = 0;
    if (after.image === null) b.held = null;
  }

  private settlePf(type: string, got: Posted[], expected: TpCompletion | 'none'): void {
    const rest = [...got];
    if (expected !== 'none') {
      const cid = this.book.draining;
      if (cid === null) throw new Error(`${type}: the machine completes a Suspend the binding never sent (binding out of step)`);
      const i = rest.findIndex((c) => c.sqid === 0 && c.cid === cid);
      expectOwn(`${type}: the Suspend that drained (D22)`, expected, i < 0 ? null : rest.splice(i, 1)[0]);
      this.book.draining = null;
    }
    if (rest.length > 0) throw new Mismatch(`${type}: completions on the PF admin queue`, 'no others', `unexpected ${rest.map(describePosted).join('; ')}`);
  }

  /** The binding's beliefs agree with the machine's guest after every step (else the binding itself is wrong). */
  private checkBook(type: string, after: TpLifecycleContext): void {
    const b = this.vf.book;
    const mine = { guestIo: b.fetched.length + b.latched.length, guestAdmin: b.pair?.op ?? 'none', held: this.book.held !== null };
    const machine = { guestIo: after.guestIo, guestAdmin: after.guestAdmin, held: after.image !== null };
    if (JSON.stringify(mine) !== JSON.stringify(machine)) {
      throw new Error(`tp4159Lifecycle binding out of step after ${type}: it believes ${JSON.stringify(mine)}, the machine says ${JSON.stringify(machine)}`);
    }
  }
}

export interface TpBindingOptions {
  /** how long to wait for a completion before deciding none came (ignored, as 0, on a synchronous target) */
  timeoutMs?: number;
}

/**
 * The tp4159Lifecycle suites, I/O held in flight, one per option set: SEQIND
 * 'whole-only' asks the reset for a device that takes Set State whole only
 * (ResetOptions.tp4159.seqind; a target that cannot be one answers reset with an
 * error and the suite is reported unsupported).
 */
export function tpLifecycleSuites(options: TpBindingOptions = {}): Suite[] {
  return TP_LIFECYCLE_OPTION_SETS.map((o) => {
    const spec = tpLifecycleSpec(o);
    const reset: ResetOptions = { vfs: 1, profile: 'tp4159', ioCompletion: 'deferred', ...(o.seqind === 'whole-only' ? { tp4159: { seqind: 'whole-only' } } : {}) };
    return machineSuite(spec, reset, { deferredIo: true }, (adapter: Adapter) => new TpLifecycleBinding(adapter, spec, o, reset, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  });
}
