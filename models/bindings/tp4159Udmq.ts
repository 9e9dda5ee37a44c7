// The byte binding of the tp4159Udmq machine: VF 1 of a tp4159 device, the
// one UDMQ the PF creates for it (a page of the memory plan, zeroed by the
// host), and every event played in bytes through the Adapter. After each
// step it checks:
// - the event's own completion (status, SCT, DNR) and no other completion
//   on the PF or the VF (I2);
// - the entries the machine says were posted, in order, at the slots from
//   the controller's tail: phase tag, ESA, LBACIR, and for a range the LBA
//   the guest wrote (D29-D32);
// - every slot's phase tag as the machine has it: nothing written where the
//   host has not released (D31, I14);
// - HOST_RELEASE: the phase the host finds at its head (D31);
// - then the One-Shot events those entries raised, on the outstanding AER
//   (D33), the two of one entry in either order.
import { type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { machineInitial } from '../../src/check/machineStep.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import { decodeCdqCreateDw0 } from '../../src/wire/tp4159/completions.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { decodeUdmqEntries, UDMQ_ENTRY_SIZE, UDMQ_LBACIR } from '../../src/wire/tp4159/udmq.ts';
import { ESA, UDMQ_OPTION_SETS, udmqSpec, type OneShot, type UdmqContext, type UdmqOptions } from '../../machines/tp4159Udmq.ts';
import type { TpCompletion } from '../../machines/tp4159/status.ts';
import { checkRdy, expectOwn, machineSuite, nextState } from '../engine/observe.ts';
import { describePosted, isOk, NSID, type DriverState, type Posted, type QueueDepths, VF_DEPTHS } from '../host/guest.ts';
import { VfGuest, type VfGuestState } from '../host/vfGuest.ts';
import { udmqRing } from '../host/hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { TpHost } from '../host/tp4159Host.ts';
import { wantedEvent } from './tp4159UdmqEvents.ts';
import { Mismatch, type Suite } from '../engine/suite.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';
import type { TpBindingOptions } from './tp4159Lifecycle.ts';

const VF = 1;
/** The guest's admin queue carries only its bring-up (Create I/O CQ, then SQ, and a no-op past the wrap): 2 entries. */
const UDMQ_DEPTHS: QueueDepths = { ...VF_DEPTHS, admin: 2 };

interface Book {
  cdqid: number | null;
  /** CIDs of the Asynchronous Event Requests outstanding on the PF's admin queue, oldest first (D33) */
  aers: number[];
  /** the CDQID (DW1) of each raised event not yet reported, in the machine's order */
  waiting: number[];
  /** the LBA of the last change the guest completed (a range entry logs it, D30) */
  lastLba: number | null;
  /** of the two events one entry raised (D33, order the controller's): the one it reported first */
  pairFirst: OneShot | null;
  /** an AER completed with a One-Shot event since the PF's last reset */
  reportedBefore: boolean;
  /** the queue filled (ESA 7) with ETPT 0 since the PF's last reset: D33 raises no event then */
  filledUntriggered: boolean;
  /** what ended the log the machine has off, as a failure names it (null: logging on, or never started) */
  logEnd: string | null;
}

/**
 * A copy of a book sharing nothing changed in place (the two lists are
 * pushed to). A copy, then the lists: on Node 20's V8 `{ ...book, aers }`
 * costs several times as much (src/target/queueState.ts), at every one of
 * the runner's snapshots and restores.
 */
function copyUdmqBook(b: Book): Book {
  const c = { ...b };
  c.aers = [...b.aers];
  c.waiting = [...b.waiting];
  return c;
}

/** What ended logging in this step, if it did (the history a later failure names: D31's full queue, D34's reset). */
function logEndOf(type: string, before: UdmqContext, after: UdmqContext, prev: string | null): string | null {
  if (after.logging) return null;
  if (!before.logging) return prev;
  if (after.last.posted.includes('full')) return 'a full queue (D31)';
  if (type === 'FLR') return 'a VF reset (D34)';
  if (type === 'PF_RESET') return 'a PF reset (D34)';
  return type === 'TRACK_STOP' ? 'Track Send stop (D29)' : 'the queue\'s deletion (D32)';
}

interface Saved {
  machine: AnyMachineSnapshot;
  host: DriverState;
  vf: VfGuestState;
  book: Book;
}

export class TpUdmqBinding implements Implementation<DeviceSnapshot<Saved>> {
  private host: TpHost;
  private vf: VfGuest;
  private book: Book = { cdqid: null, aers: [], waiting: [], lastLba: null, pairFirst: null, reportedBefore: false, filledUntriggered: false, logEnd: null };
  private machine: AnyMachineSnapshot;
  readonly snapshot?: () => Promise<DeviceSnapshot<Saved>>;
  readonly restore?: (s: DeviceSnapshot<Saved>) => Promise<void>;
  readonly release?: (s: DeviceSnapshot<Saved>) => void;
  readonly hostState?: HostState;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: { machine: AnyStateMachine; key?(s: AnyMachineSnapshot): string },
    private readonly o: UdmqOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
  ) {
    this.host = new TpHost(adapter, timeoutMs);
    this.vf = new VfGuest(adapter, VF, timeoutMs, 1, UDMQ_DEPTHS);
    this.machine = machineInitial(spec.machine);
    ({ snapshot: this.snapshot, restore: this.restore, release: this.release, hostState: this.hostState } = deviceSnapshots(adapter, {
      save: (): Saved => ({ machine: this.machine, host: this.host.driver.save(), vf: this.vf.save(), book: copyUdmqBook(this.book) }),
      restore: (s: Saved) => {
        this.machine = s.machine;
        this.host.driver.restore(s.host);
        this.vf.restore(s.vf);
        this.book = copyUdmqBook(s.book);
      },
    }));
  }

  /** Power-on; the PF enabled and its offer read (D21); the VF's guest up with one I/O queue pair, so it can change user data. */
  async reset(): Promise<void> {
    const wait = completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs);
    this.host = new TpHost(this.adapter, wait);
    this.vf = new VfGuest(this.adapter, VF, wait, 1, UDMQ_DEPTHS);
    this.book = { cdqid: null, aers: [], waiting: [], lastLba: null, pairFirst: null, reportedBefore: false, filledUntriggered: false, logEnd: null };
    this.machine = machineInitial(this.spec.machine);
    await this.host.driver.enable();
    await this.host.learn('reset');
    await this.guestUp('reset');
    // the pair's two commands wrapped the guest's admin queue and no path sends it more: one no-op past the wrap
    // (at reset only, which the runner shares among the paths; the guest's later bring-ups are as they were)
    await this.vf.driver.lap(0, `reset: the guest's admin queue on VF ${VF}`, 'checked');
  }

  private async guestUp(label: string): Promise<void> {
    await this.vf.enable();
    await checkRdy(`${label}: VF ${VF}`, this.vf.driver, true);
    const { cqes } = await this.vf.createPair();
    for (const c of cqes) expectOwn(`${label}: the guest's I/O queue pair on VF ${VF}`, { status: 'SUCCESS', sct: 0, sc: 0, dnr: false }, c);
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const type = event.type;
    const before = this.machine.context as UdmqContext;
    const next = nextState(this.spec, this.machine, event, expected);
    const after = next.context as UdmqContext;
    const own = (what: string, got: Posted | null): void => expectOwn(`${type}: ${what}`, after.last.completion as TpCompletion | 'none', got);
    // events this step raised carry the queue's CDQID as it was when the entry was posted (before a DUDMQ delete)
    const raised = after.last.reported.length + after.queued.length - before.queued.length;
    for (let i = 0; i < raised; i++) this.book.waiting.push(this.book.cdqid ?? 0);
    await this.play(type, before, after, own);
    // an outstanding AER completes when an event is raised: the only completions a step may bring besides its own
    const pf = await this.host.driver.reap();
    const events = pf.filter((c) => this.book.aers.includes(c.cid));
    // the entries first, then the events they raise: an entry written where none is due names its own rule (D29-D32)
    await this.checkRing(type, before, after);
    this.book.filledUntriggered ||= after.last.posted.includes('full') && !before.etpt;
    if (type !== 'AER') this.checkEvents(type, after, events);
    this.book.aers = this.book.aers.filter((cid) => !events.some((c) => c.cid === cid));
    const strays = [...pf.filter((c) => !events.includes(c)), ...(await this.vf.driver.reap())];
    if (strays.length > 0) throw new Mismatch(`${type}: completions`, 'none but the event\'s own', strays.map(describePosted).join('; '));
    this.book.logEnd = logEndOf(type, before, after, this.book.logEnd);
    this.machine = next;
  }

  private cdqid(type: string): number {
    if (this.book.cdqid === null) throw new Error(`${type}: the machine names a queue the binding never created (binding out of step)`);
    return this.book.cdqid;
  }

  private async play(type: string, before: UdmqContext, after: UdmqContext, own: (what: string, got: Posted | null) => void): Promise<void> {
    switch (type) {
      case 'CREATE_CDQ': {
        if (!before.cdq) await this.adapter.memWrite(udmqRing(VF), new Uint8Array(PAGE));
        const { cqe } = await this.host.cdqCreate(VF, udmqRing(VF), this.o.entries);
        own(`Controller Data Queue Create of ${this.o.entries} entries (D28)`, cqe);
        if (cqe !== null && isOk(cqe)) this.book.cdqid = decodeCdqCreateDw0(cqe.dw0).cdqid;
        return;
      }
      case 'DELETE_CDQ':
        own('Controller Data Queue Delete (D28)', (await this.host.cdqDelete(this.cdqid(type))).cqe);
        this.book.cdqid = null;
        return;
      case 'TRACK_START':
      case 'TRACK_STOP':
        own(`Track Send LACT ${type === 'TRACK_START' ? 1 : 0} (D29)`, (await this.host.track(this.cdqid(type), type === 'TRACK_START' ? 1 : 0)).cqe);
        return;
      case 'WRITE': {
        const { rec, cqe } = await this.vf.submitWrite();
        expectOwn(`${type}: the guest's Write of LBA ${rec.lba} (D30)`, after.last.changeCompleted ? { status: 'SUCCESS', sct: 0, sc: 0, dnr: false } : 'none', cqe);
        if (cqe !== null) this.vf.completedNow(rec, cqe);
        this.book.lastLba = rec.lba;
        return;
      }
      case 'READ':
        await this.vf.probe(`${type}: the guest's Read (never logged, D30)`, false);
        return;
      case 'HOST_RELEASE': {
        const [entry] = decodeUdmqEntries(await this.adapter.memRead(udmqRing(VF) + BigInt(before.head * UDMQ_ENTRY_SIZE), UDMQ_ENTRY_SIZE));
        if (entry.phase !== after.last.read) throw new Mismatch(`${type}: phase tag of the entry at the host's head ${before.head} (D31)`, String(after.last.read), String(entry.phase));
        own(`Set Features 21h HP ${after.head} (D31)`, (await this.host.setCdq(this.cdqid(type), after.head, { etpt: after.etpt, tpt: after.tpt })).cqe);
        return;
      }
      case 'SUSPEND':
      case 'SUSPEND_DUDMQ':
        own(`Suspend STYPE 1${type === 'SUSPEND_DUDMQ' ? ' DUDMQ 1' : ''} (D32)`, (await this.host.suspend(VF, 1, type === 'SUSPEND_DUDMQ')).cqe);
        if (type === 'SUSPEND_DUDMQ') this.book.cdqid = null;
        return;
      case 'RESUME':
        own('Resume (D23, D32)', (await this.host.resume(VF)).cqe);
        return;
      case 'FLR':
        await this.adapter.flr(VF);
        this.vf.powerOn(false);
        await this.guestUp(`${type}: the guest brings its VF up again (no user data changes)`);
        return;
      case 'PF_RESET':
        await this.adapter.flr(0);
        this.host.driver.forget();
        this.vf.powerOn(false);
        this.book.cdqid = null;
        this.book.aers = []; // a controller reset ends every outstanding command, and the events waiting for one
        this.book.waiting = [];
        this.book.pairFirst = null;
        this.book.reportedBefore = false;
        this.book.filledUntriggered = false;

        await this.host.driver.enable();
        await this.guestUp(`${type}: the guest brings its VF up again`);
        return;
      case 'SET_TRIGGER':
        own(`Set Features 21h ETPT 1 TPT ${after.tpt} (D33)`, (await this.host.setCdq(this.cdqid(type), after.head, { etpt: true, tpt: after.tpt })).cqe);
        return;
      case 'AER': {
        // held by the controller until an event completes it; a waiting event completes it at once (D33)
        const cid = this.host.driver.cid();
        const cqe = await this.host.driver.submit(0, sqeFor.asyncEventRequest(cid));
        if (cqe === null) this.book.aers.push(cid);
        this.checkEvents(type, after, cqe === null ? [] : [cqe]);
        return;
      }
      default:
        throw new Error(`${type}: no realisation in the UDMQ binding (binding out of step with the machine)`);
    }
  }

  /**
   * The AER completions of this step against the events the machine reported,
   * in order: One-Shot, its information and the CDQID (D33; the two events of
   * one entry in either order, tp4159UdmqEvents.ts).
   */
  private checkEvents(type: string, after: UdmqContext, got: Posted[]): void {
    const ids = this.book.waiting.splice(0, after.last.reported.length);
    const seen = got.map((c) => ({ dw0: [c.dw0 >>> 0], dw1: c.dw1, ok: isOk(c) }));
    const want = after.last.reported.map((e, i) => {
      const w = wantedEvent(e, ids[i], seen[i]?.dw0[0], this.book.pairFirst);
      this.book.pairFirst = w.pairFirst;
      return w;
    });
    const show = (ws: Array<{ dw0: number[]; dw1: number }>): string => ws.map((w) => `DW0 ${w.dw0.map((d) => `0x${d.toString(16)}`).join(' or ')} DW1 ${w.dw1}`).join(', ') || 'none';
    if (seen.length !== want.length || seen.some((c, i) => !c.ok || !want[i].dw0.includes(c.dw0[0]) || c.dw1 !== want[i].dw1)) {
      // an earlier report matters to a controller that masks One-Shot events after the first (D33 says never)
      // and what ended a log the machine has off: a controller that keeps logging past it raises events from entries it should not post (D34)
      const earlier =
        (this.book.reportedBefore ? ', after an earlier One-Shot event was reported' : '') +
        (this.book.filledUntriggered ? ', after the queue filled with ETPT 0' : '') +
        (this.book.logEnd === null ? '' : `; logging ended by ${this.book.logEnd}`);
      throw new Mismatch(`${type}: Asynchronous Event Request completions, One-Shot (D33)${earlier}`, show(want), show(seen));
    }
    if (seen.length > 0) this.book.reportedBefore = true;
  }

  /** The entries posted in this step (from the controller's tail before it), then every slot's phase tag. */
  private async checkRing(type: string, before: UdmqContext, after: UdmqContext): Promise<void> {
    if (!after.cdq && !before.cdq) return;
    const ring = decodeUdmqEntries(await this.adapter.memRead(udmqRing(VF), this.o.entries * UDMQ_ENTRY_SIZE));
    let slot = before.tail;
    let phase = before.ctrlPhase;
    for (const kind of after.last.posted) {
      const e = ring[slot];
      const what = `${type}: UDMQ entry at slot ${slot}`;
      if (e.phase !== phase) throw new Mismatch(`${what}: phase tag (I14)`, String(phase), String(e.phase));
      if (e.esa !== ESA[kind]) throw new Mismatch(`${what}: ESA (D29-D32)`, `${ESA[kind]} (${kind})`, String(e.esa));
      if (kind === 'range') {
        const want = `NSID ${NSID}, SLBA ${this.book.lastLba}, NLB 0, LBACIR ${UDMQ_LBACIR.RANGE_VALID}`;
        const got = `NSID ${e.nsid}, SLBA ${e.slba}, NLB ${e.nlb}, LBACIR ${e.lbacir}`;
        if (want !== got) throw new Mismatch(`${what}: the logged range (D30)`, want, got);
      } else if (e.lbacir !== UDMQ_LBACIR.NO_RANGE) {
        // D31: the queue-full entry ends the log and carries no range (the host copies everything anyway)
        const of = kind === 'full' ? 'the queue-full entry (D31)' : 'a sequence entry (D29)';
        throw new Mismatch(`${what}: LBACIR of ${of}`, String(UDMQ_LBACIR.NO_RANGE), String(e.lbacir));
      }
      slot = (slot + 1) % this.o.entries;
      if (slot === 0) phase = phase === 1 ? 0 : 1;
    }
    if (!after.cdq) return;
    const phases = ring.map((e) => e.phase).join('');
    if (phases !== after.slots.join('')) {
      const ended = this.book.logEnd === null ? '' : `; logging ended by ${this.book.logEnd}`;
      throw new Mismatch(`${type}: phase tags of the UDMQ's slots (D31: nothing written the host did not release)${ended}`, after.slots.join(''), phases);
    }
  }
}

/** The tp4159Udmq suites, one per option set (with and without One-Shot events and AERs). */
export function tpUdmqSuites(options: TpBindingOptions = {}): Suite[] {
  return UDMQ_OPTION_SETS.map((o) => {
    const spec = udmqSpec(o);
    const reset: ResetOptions = { vfs: 1, profile: 'tp4159', ioCompletion: 'immediate' };
    return machineSuite(spec, reset, {}, (adapter: Adapter) => new TpUdmqBinding(adapter, spec, o, reset, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  });
}
