// The byte binding of the composed tp4159 system machine (the PF and 2 VFs of
// profile tp4159): each event played on the PF or on the VF it names, a VF's
// migration events through the profile's realisers (models/realisers/
// tp4159.ts), its UDMQ through the host's Controller Data Queue commands, and
// after each step the machine's observation checked, plus isolation (I13,
// D14, D20) on every VF:
// - no completion but the event's own, on the PF or any VF (I2);
// - CSTS.RDY of the PF and of every VF: up while the PF is enabled (D34; a
//   target whose VFs are offline while it is disabled cannot show their
//   power-on CSTS then: not realisable there, models/engine/offlineVfs.ts);
// - every VF's UDMQ holds exactly the entries its own controller posted
//   (tp4159SystemLog.ts): a VF's write in another VF's queue is caught there;
// - Get Controller State (with the vendor section: queues, CC, admin queue)
//   of every VF the event did not name gives the bytes it gave after the last
//   step that named it.
// The system's VF is a guest that is up with no I/O queues between steps: a
// WRITE creates a queue pair, writes one block, deletes the pair, so a
// suspended VF can take a state (D26: only a VF without I/O queues). SET_STATE
// sets the VF's own state, taken (format 0, suspended) just before.
import { type AnyMachineSnapshot, type EventObject } from 'xstate';
import { machineInitial } from '../../src/check/machineStep.ts';
import { tpPfEnabled, tpSystemLast, tpSystemSpec, tpVfLocals } from '../../machines/tp4159System.ts';
import type { TpLifecycleEventType, TpObservation } from '../../machines/tp4159Lifecycle.ts';
import { tpCompletion, type TpCompletion } from '../../machines/tp4159/status.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import type { Adapter, ResetInfo, ResetOptions } from '../../src/target/adapter.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import { CNS_CONTROLLER, decodeIdentifyController } from '../../src/wire/identify.ts';
import { decodeCdqCreateDw0 } from '../../src/wire/tp4159/completions.ts';
import { encodeTp4159 } from '../../src/wire/tp4159/commandCodec.ts';
import { checkRdy, expectOwn, machineSuite, nextState, SUCCESS_STATUS } from '../engine/observe.ts';
import { describePosted, isOk, type DriverState, type Posted, type QueueDepths } from '../host/guest.ts';
import { udmqRing } from '../host/hostPlan.ts';
import { stateWritten, TpHost } from '../host/tp4159Host.ts';
import { decodeGot } from './tp4159State.ts';
import { VfGuest, type VfGuestState } from '../host/vfGuest.ts';
import { realise } from '../realisers/realiser.ts';
import { TP4159_REALISERS, type TpStep } from '../realisers/tp4159.ts';
import { Mismatch, type Suite } from '../engine/suite.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { copyBook, deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';
import { checkVfsWhilePfDisabled } from '../engine/offlineVfs.ts';
import type { TpBindingOptions } from './tp4159Lifecycle.ts';
import { checkRing, freshRing, postedBy, SYSTEM_RING_ENTRIES, type RingBook } from './tp4159SystemLog.ts';

export const TP_SYSTEM_SUITE_VFS = 2;
/**
 * The guests' queues: every VF admin command here completes at once (no
 * drop policy), and a WRITE's pair carries its one Write (D26: the pair is
 * deleted again, so Set State finds none): 2 entries each, the admin queue
 * wrapping on a WRITE's four commands; each new pair is run round with two
 * Flushes first, so the Write's completion comes after its CQ wrapped.
 */
const GUEST_DEPTHS: QueueDepths = { admin: 2, io: 2 };

/** What the host keeps per VF. */
interface VfBook {
  ring: RingBook | null;
  /** the LBA of the guest's last Write (a range entry logs it, D30) */
  lba: number | null;
  /** the bytes the next GET_STATE must give, nothing having changed the VF since (D24) */
  same: Uint8Array | null;
  /** the VF's Get State (vendor section) as read after the last step: a step that does not name the VF must leave it (I13) */
  baseline: Uint8Array | null;
}

interface Saved {
  machine: AnyMachineSnapshot;
  pf: DriverState;
  vfs: VfGuestState[];
  books: VfBook[];
  pfCntlid: number;
}

const freshBook = (): VfBook => ({ ring: null, lba: null, same: null, baseline: null });

/** The system's events the lifecycle's realisers play (the same commands, D22-D26, D34). */
const REALISED: ReadonlySet<string> = new Set(['SUSPEND', 'RESUME', 'GET_STATE', 'SET_STATE', 'FLR'] satisfies TpLifecycleEventType[]);
/** VF events after which its next Get State must give the same bytes (D24): they change nothing of the controller's state. */
const UNCHANGING: ReadonlySet<string> = new Set(['GET_STATE', 'RELEASE']);

const QUIET: Omit<TpObservation, 'event' | 'completion'> = {
  suspendCompleted: 'none', csup: null, got: null, ioFetched: 0, ioCompleted: 0, adminCompleted: 'none', ioDropped: 0, adminDropped: 'none',
};

export class TpSystemBinding implements Implementation<DeviceSnapshot<Saved>> {
  private host: TpHost;
  private vfs: VfGuest[];
  private books: VfBook[] = [];
  private wait: number;
  private pfCntlid = 0;
  /** what the last reset told of the target (VFs offline while the PF is disabled) */
  private info: ResetInfo | void = undefined;
  private machine: AnyMachineSnapshot;
  readonly snapshot?: () => Promise<DeviceSnapshot<Saved>>;
  readonly restore?: (s: DeviceSnapshot<Saved>) => Promise<void>;
  readonly release?: (s: DeviceSnapshot<Saved>) => void;
  readonly hostState?: HostState;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: MachineSpec,
    private readonly reset_: ResetOptions,
    private readonly timeoutMs: number,
  ) {
    this.wait = timeoutMs;
    this.host = new TpHost(adapter, timeoutMs);
    this.vfs = this.newGuests();
    this.books = this.vfs.map(freshBook);
    this.machine = machineInitial(spec.machine);
    ({ snapshot: this.snapshot, restore: this.restore, release: this.release, hostState: this.hostState } = deviceSnapshots(adapter, {
      save: (): Saved => ({ machine: this.machine, pf: this.host.driver.save(), vfs: this.vfs.map((v) => v.save()), books: this.books.map(copyBook), pfCntlid: this.pfCntlid }),
      restore: (s: Saved) => {
        this.machine = s.machine;
        this.host.driver.restore(s.pf);
        s.vfs.forEach((v, i) => this.vfs[i].restore(v));
        this.books = s.books.map(copyBook);
        this.pfCntlid = s.pfCntlid;
      },
    }));
  }

  private newGuests(): VfGuest[] {
    return Array.from({ length: TP_SYSTEM_SUITE_VFS }, (_, i) => new VfGuest(this.adapter, i + 1, this.wait, 1, GUEST_DEPTHS, 'wrapped'));
  }

  /** Power-on: every controller disabled (the machine starts with the PF disabled). */
  async reset(): Promise<void> {
    this.info = await this.adapter.reset(this.reset_);
    this.wait = completionWait(this.info, this.timeoutMs);
    this.host = new TpHost(this.adapter, this.wait);
    this.vfs = this.newGuests();
    this.books = this.vfs.map(freshBook);
    this.machine = machineInitial(this.spec.machine);
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const before = this.machine;
    const next = nextState(this.spec, before, event, expected);
    const last = tpSystemLast(next);
    const vf = (event as { vf?: number }).vf ?? 0;
    const label = vf === 0 ? event.type : `${event.type}(vf=${vf})`;
    const own: TpCompletion | 'none' = last.status === 'none' || last.decision === 'none' ? 'none' : tpCompletion(last.status, last.decision);
    if (vf === 0) await this.pfEvent(event.type, label, own);
    else await this.vfEvent(event.type, label, vf, before, next, own);

    const strays = [...(await this.host.driver.reap()), ...(await Promise.all(this.vfs.map((g) => g.driver.reap()))).flat()];
    if (strays.length > 0) throw new Mismatch(`${label}: completions`, 'none but the event\'s own (I2, I13)', strays.map(describePosted).join('; '));
    const up = tpPfEnabled(next);
    await checkRdy(`${label}: PF${up ? '' : ' (D34)'}`, this.host.driver, up);
    const vfWhat = (fn: number): string => `${label}: VF ${fn} (${fn === vf ? 'D34' : 'I13'})`;
    if (up) for (const g of this.vfs) await checkRdy(vfWhat(g.fn), g.driver, true);
    else await checkVfsWhilePfDisabled(label, this.vfs.map((g) => g.driver), vfWhat, this.info);
    if (up) await this.isolation(label, event.type, vf, before, next);
    this.machine = next;
  }

  private async pfEvent(type: string, label: string, own: TpCompletion | 'none'): Promise<void> {
    switch (type) {
      case 'PF_ENABLE': {
        await this.host.driver.enable();
        await checkRdy(`${label}: PF`, this.host.driver, true);
        await this.host.learn(label);
        this.pfCntlid = decodeIdentifyController(await this.host.driver.identify(CNS_CONTROLLER, 'Identify Controller of the PF')).cntlid;
        for (const g of this.vfs) await this.guestUp(label, g);
        return;
      }
      case 'PF_NAMES_ITSELF': {
        // D20: the management controller never suspends itself
        const { cqe } = await this.host.send((cid) => ({ kind: 'suspend', cid, cntlid: this.pfCntlid, stype: 1, dudmq: false }));
        expectOwn(`${label}: Suspend naming the PF's own CNTLID ${this.pfCntlid} (D20)`, own, cqe);
        return;
      }
      case 'PF_DISABLE':
        await this.host.driver.disable();
        break;
      case 'PF_FLR':
        await this.adapter.flr(0);
        this.host.driver.forget();
        break;
      default:
        throw new Error(`tp4159System binding: no realisation for PF event ${type}`);
    }
    // D34: every VF reset, every CDQ deleted
    for (const g of this.vfs) g.powerOn(false);
    this.books = this.vfs.map(freshBook);
  }

  /** The guest brings its VF up: enabled, its admin queue fresh, no I/O queues. */
  private async guestUp(label: string, g: VfGuest): Promise<void> {
    await g.enable();
    await checkRdy(`${label}: VF ${g.fn} brought up by its guest`, g.driver, true);
  }

  private async vfEvent(type: string, label: string, vf: number, before: AnyMachineSnapshot, next: AnyMachineSnapshot, own: TpCompletion | 'none'): Promise<void> {
    const g = this.vfs[vf - 1];
    const b = this.books[vf - 1];
    const was = tpVfLocals(before, TP_SYSTEM_SUITE_VFS)[vf - 1];
    const now = tpVfLocals(next, TP_SYSTEM_SUITE_VFS)[vf - 1];
    const failed = own !== 'none' && own.status !== 'SUCCESS';
    if (!UNCHANGING.has(type) && !failed) b.same = null;
    if (REALISED.has(type)) {
      const held = type === 'SET_STATE' ? await this.stateOf(`${label}: Get Controller State of the state to set (D24)`, vf, false) : null;
      const suspended = was.startsWith('suspended');
      const step: TpStep = {
        adapter: this.adapter, host: this.host, guest: g, label, latched: suspended, vendor: false,
        seen: { ...QUIET, event: type as TpLifecycleEventType, completion: own, csup: type === 'GET_STATE' ? suspended : null },
        book: { held, partsSent: 0, same: b.same },
      };
      const o = await realise(TP4159_REALISERS, type, step, 'tp4159System');
      if (o.kind === 'got') b.same = o.bytes;
      if (o.kind === 'reset') await this.guestUp(`${label}: the guest brings its VF up again`, g);
      if (o.kind === 'draining') throw new Mismatch(`${label}: Suspend of a VF with nothing in flight (D22)`, 'completed at once', 'no completion');
    } else {
      await this.udmqEvent(type, label, vf, own);
    }
    await this.checkLogs(label, type, vf, was, now);
  }

  /** Get Controller State of VF `vf` as the host reads it: the state's own bytes, nothing written past them (D24). */
  private async stateOf(what: string, vf: number, vendor: boolean): Promise<Uint8Array> {
    const { sent, bytes } = await this.host.getState(vf, vendor);
    expectOwn(what, SUCCESS_STATUS, sent.cqe);
    return stateWritten(what, bytes, decodeGot(what, bytes).length);
  }

  /** A CDQID no VF's queue has (what a command naming a VF without a queue names). */
  private noQueue(vf: number): number {
    const ring = this.books[vf - 1].ring;
    if (ring !== null) return ring.cdqid;
    const used = new Set(this.books.flatMap((x) => (x.ring === null ? [] : [x.ring.cdqid])));
    let id = 1;
    while (used.has(id)) id++;
    return id;
  }

  private async udmqEvent(type: string, label: string, vf: number, own: TpCompletion | 'none'): Promise<void> {
    const g = this.vfs[vf - 1];
    const b = this.books[vf - 1];
    const expect = (what: string, got: Posted | null): void => expectOwn(`${label}: ${what}`, own, got);
    switch (type) {
      case 'CREATE_CDQ': {
        if (b.ring === null) await this.adapter.memWrite(udmqRing(vf), freshRing(0).bytes);
        const { cqe } = await this.host.cdqCreate(vf, udmqRing(vf), SYSTEM_RING_ENTRIES);
        expect(`Controller Data Queue Create, CQS = VF ${vf}'s CNTLID (D28)`, cqe);
        if (cqe !== null && isOk(cqe)) b.ring = freshRing(decodeCdqCreateDw0(cqe.dw0).cdqid);
        return;
      }
      case 'DELETE_CDQ': {
        const { cqe } = await this.host.cdqDelete(this.noQueue(vf));
        expect(`Controller Data Queue Delete (D28)`, cqe);
        if (cqe !== null && isOk(cqe)) b.ring = null;
        return;
      }
      case 'TRACK_START':
      case 'TRACK_STOP':
        expect(`Track Send LACT ${type === 'TRACK_START' ? 1 : 0} (D29)`, (await this.host.track(this.noQueue(vf), type === 'TRACK_START' ? 1 : 0)).cqe);
        return;
      case 'RELEASE': {
        if (b.ring === null) throw new Error(`${label}: the machine releases entries of a queue the binding never created (binding out of step)`);
        expect(`Set Features 21h HP ${b.ring.tail} (D31)`, (await this.host.setCdq(b.ring.cdqid, b.ring.tail, { etpt: false, tpt: 0 })).cqe);
        return;
      }
      case 'WRITE':
        await this.write(label, g);
        return;
      case 'VF_MANAGEMENT': {
        // D19: a management opcode on the VF's own admin queue, naming the VF itself
        const sqe = encodeTp4159({ kind: 'suspend', cid: g.driver.cid(), cntlid: this.host.cntlidOf(vf), stype: 1, dudmq: false });
        expect(`Migration Send Suspend on VF ${vf}'s own admin queue (D19)`, await g.driver.submit(0, sqe));
        return;
      }
      default:
        throw new Error(`tp4159System binding: no realisation for VF event ${type}`);
    }
  }

  /** A user-data change completes on the VF (D30): its guest creates a queue pair, writes one block, deletes the pair. */
  private async write(label: string, g: VfGuest): Promise<void> {
    const ok = (what: string, c: Posted | null): void => expectOwn(`${label}: the guest's ${what} on VF ${g.fn}`, SUCCESS_STATUS, c);
    const created = await g.createPair();
    created.cqes.forEach((c) => ok('Create I/O queue pair 1', c));
    const { rec, cqe } = await g.submitWrite();
    ok(`Write of LBA ${rec.lba}`, cqe);
    if (cqe !== null) g.completedNow(rec, cqe);
    this.books[g.fn - 1].lba = rec.lba;
    const deleted = await g.deletePair();
    deleted.cqes.forEach((c) => ok('Delete I/O queue pair 1', c));
  }

  /** Every VF's UDMQ: the entries this step posted into the named VF's, none into any other (I13). */
  private async checkLogs(label: string, type: string, vf: number, was: string, now: string): Promise<void> {
    for (const [i, b] of this.books.entries()) {
      if (b.ring === null) continue;
      const posted = i + 1 === vf ? postedBy(type, was, now) : [];
      b.ring = await checkRing(this.adapter, label, i + 1, b.ring, posted, b.lba);
    }
  }

  /** I13: Get State of every VF the step did not name is what it was; the named VF's (all after a PF event) is the new baseline. */
  private async isolation(label: string, type: string, vf: number, before: AnyMachineSnapshot, next: AnyMachineSnapshot): Promise<void> {
    const locals = tpVfLocals(next, TP_SYSTEM_SUITE_VFS);
    const wasUp = tpPfEnabled(before);
    for (const [i, b] of this.books.entries()) {
      const got = await this.stateOf(`${label}: I13 isolation: Get Controller State of VF ${i + 1}`, i + 1, true);
      const named = vf === i + 1 || !wasUp || (type !== 'PF_NAMES_ITSELF' && vf === 0);
      if (!named && b.baseline !== null && (b.baseline.length !== got.length || b.baseline.some((x, k) => got[k] !== x))) {
        throw new Mismatch(`${label}: I13 isolation: the state of VF ${i + 1} (${locals[i]}), which the command did not name`, 'the bytes it had before', 'they differ');
      }
      b.baseline = got;
    }
  }
}

/** `tp4159System:2`: the PF and two VFs of profile tp4159, each event in bytes, every VF's state and UDMQ checked after each. */
export function tpSystemSuites(options: TpBindingOptions = {}): Suite[] {
  const spec = tpSystemSpec(TP_SYSTEM_SUITE_VFS);
  const reset: ResetOptions = { vfs: TP_SYSTEM_SUITE_VFS, profile: 'tp4159', ioCompletion: 'immediate' };
  return [
    machineSuite(spec, reset, {}, (adapter: Adapter) => new TpSystemBinding(adapter, spec, reset, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)),
  ];
}
