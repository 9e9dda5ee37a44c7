// The byte binding of the composed system machine (the PF and 2 VFs): its
// events played on the PF and on VF 1 and VF 2 (a VF's through the lm
// profile's VF realisers, models/realisers/vf.ts), and after each one the
// machine's observation checked, plus isolation (D14): every VF the event was
// not aimed at got no completion, still answers QUERY with the same size, and
// when idle still completes a Read of data it wrote.
//
// The system's VF is a guest that is up (controller enabled, one I/O queue
// pair): PF_ENABLE brings each VF's guest up, and so does the guest itself
// after its VF's FLR. A LOAD needs an image: into a saved or loaded VF its
// own last one; into a suspended VF one the host made at PF_ENABLE (SAVE of
// the VF idle, and again with one Write latched), as a destination receives
// an image from elsewhere. A successful LOAD hands the VM over: its memory
// and the guest's beliefs are those of the image.
import { type AnyMachineSnapshot, type EventObject } from 'xstate';
import { machineInitial } from '../../src/check/machineStep.ts';
import {
  pfEnabled,
  systemLast,
  systemSpec,
  systemStateKey,
  vfLocals,
  type SystemObservation,
  type VfSlot,
} from '../../machines/system.ts';
import { VF_STATUS } from '../../machines/vfLifecycle.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import { together } from '../../src/target/batch.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import { describePosted, type DriverState, type Posted } from '../host/guest.ts';
import { expectOwn, expectRdy, machineSuite, nextState, SizeTable, SUCCESS_STATUS, type ExpectedStatus } from '../engine/observe.ts';
import { PfHost, type Sent } from '../host/pfHost.ts';
import { Mismatch, type Suite } from '../engine/suite.ts';
import { VfGuest, type VfGuestState } from '../host/vfGuest.ts';
import { realise } from '../realisers/realiser.ts';
import { LM_REALISATION, queryBeforeSave, savedImage, savedImageReads, type VfBookView, type VfImage, type VfRealisation, type VfStep } from '../realisers/vf.ts';
import type { BindingOptions } from './vfLifecycle.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { copyBook, deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';

export const SYSTEM_SUITE_VFS = 2;

/** What the host keeps per VF. */
interface VfHost {
  /** the image a LOAD into a saved or loaded VF uses: its last SAVE, or what it was loaded with */
  own: VfImage | null;
  /** images made at PF_ENABLE: the VF idle, and with one Write latched */
  idle: VfImage | null;
  busy: VfImage | null;
  /** the bytes the next SAVE must give while nothing changed the VF since its last SAVE or LOAD (D6) */
  same: Uint8Array | null;
  corruptions: number;
  vfLm: number;
}

interface Saved {
  machine: AnyMachineSnapshot;
  pf: DriverState;
  vfs: VfGuestState[];
  hosts: VfHost[];
}

const freshHost = (): VfHost => ({ own: null, idle: null, busy: null, same: null, corruptions: 0, vfLm: 0 });

/** Events for a VF after which its next SAVE must give the same bytes (they change nothing, or load exactly that image). */
const D6_NEUTRAL: ReadonlySet<string> = new Set(['LM_QUERY', 'LM_SUSPEND', 'LM_SAVE', 'LM_LOAD', 'LM_LOAD_IO', 'LM_LOAD_CORRUPT']);

function expectedOf(last: SystemObservation): ExpectedStatus | 'none' {
  return last.status === 'none' ? 'none' : { status: last.status, ...VF_STATUS[last.status] };
}

const isBusy = (s: VfSlot): boolean => s.endsWith('Busy');
const isRunning = (s: VfSlot): boolean => s.startsWith('running');

export class SystemBinding implements Implementation<DeviceSnapshot<Saved>> {
  private pf: PfHost;
  private vfs: VfGuest[];
  /** the completion wait in force since the last reset (completionWait) */
  private wait: number;
  private hosts: VfHost[];
  private machine: AnyMachineSnapshot;
  private readonly sizes = new SizeTable();
  readonly snapshot?: () => Promise<DeviceSnapshot<Saved>>;
  readonly restore?: (s: DeviceSnapshot<Saved>) => Promise<void>;
  readonly release?: (s: DeviceSnapshot<Saved>) => void;
  readonly hostState?: HostState;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: MachineSpec,
    private readonly reset_: ResetOptions,
    private readonly timeoutMs: number,
    /** the profile's realisers (default the lm profile's) */
    private readonly realisation: VfRealisation = LM_REALISATION,
  ) {
    this.wait = timeoutMs;
    this.pf = new PfHost(adapter, timeoutMs);
    this.vfs = this.newGuests();
    this.hosts = this.vfs.map(freshHost);
    this.machine = machineInitial(this.spec.machine);
    ({ snapshot: this.snapshot, restore: this.restore, release: this.release, hostState: this.hostState } = deviceSnapshots(adapter, {
      save: (): Saved => ({ machine: this.machine, pf: this.pf.driver.save(), vfs: this.vfs.map((v) => v.save()), hosts: this.hosts.map(copyBook) }),
      restore: (s: Saved) => {
        this.machine = s.machine;
        this.pf.driver.restore(s.pf);
        s.vfs.forEach((v, i) => this.vfs[i].restore(v));
        this.hosts = s.hosts.map(copyBook);
      },
    }));
  }

  private newGuests(): VfGuest[] {
    return Array.from({ length: SYSTEM_SUITE_VFS }, (_, i) => new VfGuest(this.adapter, i + 1, this.wait, 1));
  }

  /** Power-on: every controller disabled (the machine starts with the PF disabled). */
  async reset(): Promise<void> {
    this.wait = completionWait(await this.adapter.reset(this.reset_), this.timeoutMs);
    this.pf = new PfHost(this.adapter, this.wait);
    this.vfs = this.newGuests();
    this.hosts = this.vfs.map(freshHost);
    this.machine = machineInitial(this.spec.machine);
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const before = this.machine;
    const next = nextState({ machine: this.spec.machine, key: (s) => systemStateKey(s, SYSTEM_SUITE_VFS) }, before, event, expected);
    const last = systemLast(next);
    const vf = (event as { vf?: number }).vf ?? 0;
    const label = vf === 0 ? event.type : `${event.type}(vf=${vf})`;
    const was = vf === 0 ? 'offline' : vfLocals(before, SYSTEM_SUITE_VFS)[vf - 1];
    const now = vfLocals(next, SYSTEM_SUITE_VFS);
    if (vf !== 0 && !D6_NEUTRAL.has(event.type)) this.hosts[vf - 1].same = null;

    if (vf === 0) await this.pfEvent(event.type, label);
    else await this.vfEvent(event.type, label, vf, was, now[vf - 1], expectedOf(last));

    // Completions after the step: only the aimed VF's RESUME fetches latched I/O, and its IO_COMPLETE completes one; no other VF may see any (D14).
    // read together (one round trip on a batch target), judged in this order
    const [reaped, stray, csts, pfCsts] = await together([
      together(this.vfs.map((g) => g.driver.reap())),
      pfEnabled(next) ? this.pf.driver.reap() : Promise.resolve([]),
      together(this.vfs.map((g) => g.driver.csts())),
      this.pf.driver.csts(),
    ]);
    for (const [i, g] of this.vfs.entries()) {
      const aimed = g.fn === vf;
      const fetched = aimed && event.type === 'LM_RESUME' && !isRunning(was) ? g.book.latched.length : 0;
      g.settle(label, reaped[i], { admin: 'none', ioFetched: fetched, ioCompleted: aimed && event.type === 'IO_COMPLETE' ? 1 : 0 });
    }
    if (stray.length > 0) throw new Mismatch(`${label}: completions on the PF admin queue`, 'no others', `unexpected ${stray.map(describePosted).join('; ')}`);

    this.checkBook(label, next);
    for (const [i, g] of this.vfs.entries()) expectRdy(`${label}: VF ${g.fn} (${g.fn === vf ? 'D13' : 'D14, D18'})`, csts[i], pfEnabled(next));
    if (pfEnabled(next)) {
      expectRdy(`${label}: PF`, pfCsts, true);
      for (const g of this.vfs) {
        if (!isRunning(now[g.fn - 1])) continue;
        await g.verify(true);
        if (vf !== 0 && g.fn !== vf) await g.probe(`${label}: D14 isolation`, true);
      }
      if (vf !== 0) {
        for (const g of this.vfs) {
          if (g.fn === vf) continue;
          const q = await this.pf.lm('QUERY', g.fn);
          expectOwn(`${label}: D14 isolation: QUERY_DATA_SIZE of VF ${g.fn}`, SUCCESS_STATUS, q.cqe);
          this.sizes.check(`${label}: D14 isolation: QUERY of VF ${g.fn}`, g.book.queues, (q.cqe as Posted).dw0);
        }
      }
    } else {
      expectRdy(`${label}: PF (D18)`, pfCsts, false);
    }
    this.machine = next;
  }

  private async pfEvent(type: string, label: string): Promise<void> {
    switch (type) {
      case 'PF_ENABLE': {
        await this.pf.driver.enable();
        await this.realisation.checkPfCapability(label, this.pf.driver, true);
        for (const g of this.vfs) await this.bringUp(label, g, true);
        return;
      }
      case 'PF_DISABLE':
        await this.pf.driver.disable();
        break;
      case 'PF_FLR':
        await this.adapter.flr(0);
        this.pf.driver.forget();
        break;
      default:
        throw new Error(`system binding: no realisation for PF event ${type}`);
    }
    // D18: every VF reset as by its own FLR; the host's images of them are void.
    for (const g of this.vfs) g.powerOn(false);
    this.hosts = this.vfs.map(freshHost);
  }

  /** The guest brings its VF up (enable, Identify byte 3072 = 0x00 (D2), one I/O queue pair); at PF_ENABLE the host also makes its images. */
  private async bringUp(label: string, g: VfGuest, images: boolean): Promise<void> {
    await this.realisation.enableVf(label, g);
    const { cqes } = await g.createPair();
    cqes.forEach((c) => expectOwn(`${label}: bring-up of VF ${g.fn}: Create I/O queue pair 1`, SUCCESS_STATUS, c));
    if (!images) return;
    // the admin queue is deep for the drop policy's commands that never complete, deeper than a path's VF admin traffic: run it round
    // (at PF_ENABLE only: enough for every path from there to see it wrapped, and a VF's FLR re-enables it rarely)
    await g.driver.lap(0, `${label}: bring-up of VF ${g.fn}`, 'checked');
    const h = this.hosts[g.fn - 1];
    const ok = (what: string, s: Sent): void => expectOwn(`${label}: image of VF ${g.fn}: ${what}`, SUCCESS_STATUS, s.cqe);
    ok('SUSPEND', await this.pf.lm('SUSPEND', g.fn));
    h.idle = await this.saveImage(label, g);
    const { rec, cqe } = await g.submitWrite();
    expectOwn(`${label}: image of VF ${g.fn}: Write while suspended`, 'none', cqe, 'latched (D11)');
    g.book.latched.push(rec);
    h.busy = await this.saveImage(label, g);
    ok('RESUME', await this.pf.lm('RESUME', g.fn));
    g.settle(label, await g.driver.reap(), { admin: 'none', ioFetched: 1, ioCompleted: 0 });
    // completeIo and the reap after it asked for together (one round trip on a target that takes completeIo in a batch)
    const [n, got] = await together([this.adapter.completeIo?.(g.fn, 1) ?? Promise.resolve(0), g.driver.reap()]);
    if (n !== 1) throw new Mismatch(`${label}: image of VF ${g.fn}: the latched Write after RESUME (D11)`, 'in flight, completed by completeIo', `completeIo completed ${n}`);
    g.settle(label, got, { admin: 'none', ioFetched: 0, ioCompleted: 1 });
    await g.verify(true);
  }

  /** QUERY, then SAVE into a canary buffer of that size; the bytes, checked (D8), with the VM they belong to. */
  private async saveImage(label: string, g: VfGuest): Promise<VfImage> {
    const drivers = { pf: this.pf, guest: g, sizes: this.sizes, label };
    const size = await queryBeforeSave(drivers);
    const s = await this.pf.save(g.fn, size, savedImageReads(drivers, size));
    expectOwn(`${label}: SAVE_DATA of VF ${g.fn} (QUERY's ${size} bytes)`, SUCCESS_STATUS, s.cqe);
    return savedImage(drivers, size, null, s.data);
  }

  /** A VF event through the lm profile's realisers, then what the host files: its images (D6), and the guest's bring-up after an FLR. */
  private async vfEvent(type: string, label: string, vf: number, was: VfSlot, now: VfSlot, expected: ExpectedStatus | 'none'): Promise<void> {
    const g = this.vfs[vf - 1];
    const h = this.hosts[vf - 1];
    const view: VfBookView = {
      same: h.same,
      last: h.own ?? h.idle,
      forLoad: (event) => ({ image: this.imageFor(event, was, h), what: `an image ${event === 'LM_LOAD_IO' ? 'with a latched Write' : 'without I/O'}` }),
      next: (counter) => (counter === 'corruption' ? h.corruptions++ : h.vfLm++),
    };
    const step: VfStep = { adapter: this.adapter, pf: this.pf, guest: g, label, expected, latched: !isRunning(was), lm: true, vfQueuePolicy: this.reset_.vfQueuePolicy ?? 'reject', sizes: this.sizes, book: view };
    const o = await realise(this.realisation.realisers, type, step, 'system');
    switch (o.kind) {
      case 'saved':
      case 'loaded':
        h.own = o.image;
        h.same = o.image.bytes;
        return;
      case 'reset':
        h.own = null;
        h.same = null;
        if (now !== 'runningIdle') throw new Error(`${label}: the machine leaves the VF ${now} after FLR (binding out of step)`);
        await this.bringUp(label, g, false);
        return;
      case 'done':
        return;
      default:
        throw new Error(`${label}: the system machine has no ${o.kind} VF (binding out of step)`);
    }
  }

  /** The image a LOAD uses: the VF's own in saved/loaded, else one made at PF_ENABLE (a running VF rejects it anyway, D5). */
  private imageFor(type: string, was: VfSlot, h: VfHost): VfImage {
    const own = was.startsWith('saved') || was.startsWith('loaded');
    const image = own ? h.own : type === 'LM_LOAD_IO' ? h.busy : h.idle;
    if (image === null) throw new Error(`${type}: no image to load into a VF in ${was} (binding out of step)`);
    return image;
  }

  /** The binding's beliefs agree with each VF's local state (else the binding itself is wrong). */
  private checkBook(label: string, next: AnyMachineSnapshot): void {
    const locals = vfLocals(next, SYSTEM_SUITE_VFS);
    this.vfs.forEach((g, i) => {
      const s = locals[i];
      const b = g.book;
      const ok =
        s === 'offline'
          ? !b.enabled && g.inFlight === 0
          : b.enabled && b.queues === 1 && b.pair === null && g.inFlight === (isBusy(s) ? 1 : 0) && (isRunning(s) ? b.latched.length === 0 : b.fetched.length === 0);
      if (!ok) throw new Error(`system binding out of step after ${label}: VF ${g.fn} is ${s}, the guest believes ${JSON.stringify({ enabled: b.enabled, queues: b.queues, fetched: b.fetched.length, latched: b.latched.length })}`);
    });
  }
}

/** `system:2` and `system:2:drop` (profile lm, deferred I/O): the composed machine with two VFs, each event in bytes, isolation checked after each. */
export function systemSuites(options: BindingOptions = {}): Suite[] {
  return (['reject', 'drop'] as const).map((policy) => {
    const spec = systemSpec(SYSTEM_SUITE_VFS, { vfQueuePolicy: policy });
    const reset: ResetOptions = { vfs: SYSTEM_SUITE_VFS, profile: 'lm', vfQueuePolicy: policy, ioCompletion: 'deferred' };
    return machineSuite(spec, reset, { deferredIo: true }, (adapter: Adapter) => new SystemBinding(adapter, spec, reset, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  });
}
