// The byte binding of the vfLifecycle machine: each machine event played on
// VF 1 of a device (PF commands on the PF admin queue, the guest's own on the
// VF's BAR0 and queues), and the machine's observation checked after it.
//
// What each step checks, all through the Adapter:
// - the completion of the event's own command: status, SCT, DNR, CID, SQ id,
//   or that none came (latched D11, in flight, dropped D1, a draining SAVE);
// - every other completion that arrived: exactly the ones the machine says
//   (latched work fetched at RESUME, deferred I/O, the end of a drain), none
//   twice and no stranger (I2);
// - CSTS.RDY of the VF (D13), Identify byte 3072 of the PF per profile and of
//   the VF (0x00, D2) when enabled;
// - QUERY's size as a function of the I/O queue count (D8), SAVE writing
//   exactly that many bytes (a canary after them), two SAVEs with nothing
//   between giving the same bytes (D6), LOAD with QUERY's size succeeding;
// - every block the guest wrote reads back (D15).
// LM_SAVE is QUERY then SAVE, as the RFC's host driver does it.
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import type { Adapter, Profile, ResetOptions } from '../src/target/adapter.ts';
import type { Implementation } from '../src/paths/trie.ts';
import type { PathStep } from '../src/paths/path.ts';
import { LM_CAPABILITY_OFFSET } from '../src/wire/identify.ts';
import { encodeLmCommand } from '../src/wire/lmCommands.ts';
import {
  VF_LIFECYCLE_NO_LM_OPTION_SETS,
  VF_LIFECYCLE_OPTION_SETS,
  lmStateOf,
  vfContextOf,
  vfLifecycleSpec,
  type VfContext,
  type VfEventType,
  type VfLifecycleOptions,
} from '../machines/vfLifecycle.ts';
import { checkRdy, expectOwn, nextState, SizeTable, SUCCESS_STATUS, suiteBranchPaths, suitePaths } from './observe.ts';
import { CORRUPTIONS, corruptLoad, LM_OPCODE, PfHost, type LmOpName } from './pfHost.ts';
import { PAGE } from './hostPlan.ts';
import { describePosted, isOk, type DriverState, type Posted } from './guest.ts';
import { VfGuest, type VfGuestState, type VmImage } from './vfGuest.ts';
import { Mismatch, type Suite } from './suite.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from './completionWait.ts';

/** The VF the suites drive (VF index 1, function 1). */
const VF = 1;

export interface BindingOptions {
  /**
   * How long to wait for a completion before deciding none came (default
   * DEFAULT_TIMEOUT_MS; a few hundred ms suit QEMU). Ignored, as 0, when the
   * target's reset says it is synchronous (the emulator, in process or over
   * `serve`).
   */
  timeoutMs?: number;
}

interface Image {
  bytes: Uint8Array;
  size: number;
  queues: number;
  vm: VmImage;
}

/** The host's bookkeeping (kept on snapshots; what LOAD hands over is in `vm`). */
interface HostBook {
  image: Image | null;
  /** a SAVE waiting for its drain (D12) */
  draining: { cid: number; size: number } | null;
  /** the bytes of the last SAVE while nothing has changed since (D6) */
  lastSave: Uint8Array | null;
  corruptions: number;
}

interface Saved {
  machine: AnyMachineSnapshot;
  device: unknown;
  pf: DriverState;
  vf: VfGuestState;
  book: HostBook;
}

/** Events after which a SAVE must give the same bytes as the one before (D6): they change nothing, or load exactly that image. */
const D6_NEUTRAL: ReadonlySet<string> = new Set(['LM_QUERY', 'LM_SUSPEND', 'LM_SAVE', 'LM_SAVE_UNMAPPED', 'LM_LOAD', 'LM_LOAD_CORRUPT', 'LM_LOAD_UNMAPPED']);

const VF_QUEUE_OPS: Record<string, LmOpName> = {
  VF_LM_QUERY: 'QUERY',
  VF_LM_SUSPEND: 'SUSPEND',
  VF_LM_RESUME: 'RESUME',
  VF_LM_SAVE: 'SAVE',
  VF_LM_LOAD: 'LOAD',
};

const freshBook = (): HostBook => ({ image: null, draining: null, lastSave: null, corruptions: 0 });

export class VfLifecycleBinding implements Implementation<Saved> {
  private pf: PfHost;
  private vf: VfGuest;
  private book: HostBook = freshBook();
  /** the machine's state, stepped alongside: a path step's snapshot is its target state, whose observation may be another edge's */
  private machine: AnyMachineSnapshot;
  /** D8: QUERY's size per I/O queue count, over every path this binding plays */
  private readonly sizes = new SizeTable();
  readonly snapshot?: () => Promise<Saved>;
  readonly restore?: (s: Saved) => Promise<void>;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: { machine: AnyStateMachine; key?(s: AnyMachineSnapshot): string },
    private readonly o: VfLifecycleOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
  ) {
    this.pf = new PfHost(adapter, timeoutMs);
    this.vf = new VfGuest(adapter, VF, timeoutMs, o.maxIoQueues);
    this.machine = initialTransition(spec.machine)[0];
    if (adapter.snapshot && adapter.restore) {
      const snap = adapter.snapshot.bind(adapter);
      const back = adapter.restore.bind(adapter);
      this.snapshot = async () => ({ machine: this.machine, device: await snap(), pf: this.pf.driver.save(), vf: this.vf.save(), book: structuredClone(this.book) });
      this.restore = async (s) => {
        await back(s.device);
        this.machine = s.machine;
        this.pf.driver.restore(s.pf);
        this.vf.restore(s.vf);
        this.book = structuredClone(s.book);
      };
    }
  }

  /** Power-on, then the PF enabled on its own admin queue so LM commands can be sent; the VF stays disabled (the machine's initial state). */
  async reset(): Promise<void> {
    const wait = completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs);
    this.pf = new PfHost(this.adapter, wait);
    this.vf = new VfGuest(this.adapter, VF, wait, this.o.maxIoQueues);
    this.book = freshBook();
    this.machine = initialTransition(this.spec.machine)[0];
    await this.pf.driver.enable();
    await checkRdy('reset: PF', this.pf.driver, true);
    const byte = await this.pf.driver.capabilityByte();
    const want = this.o.lm ? 0x01 : 0x00;
    if (byte !== want) {
      throw new Mismatch(`reset: PF Identify Controller byte ${LM_CAPABILITY_OFFSET} (D2, D17)`, `0x0${want} (${this.o.lm ? 'lm' : 'no-lm'})`, `0x${byte.toString(16).padStart(2, '0')}`);
    }
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const type = event.type as VfEventType;
    const next = nextState(this.spec, this.machine, event, expected);
    const after = vfContextOf(next);
    const seen = after.last;
    if (!D6_NEUTRAL.has(type)) this.book.lastSave = null;

    await this.play(type, after);

    this.vf.settle(type, await this.vf.driver.reap(), { admin: seen.adminCompleted, ioFetched: seen.ioFetched, ioCompleted: seen.ioCompleted });
    await this.settlePf(type, await this.pf.driver.reap(), after);
    this.checkBook(type, after);
    await checkRdy(`${type}: VF ${VF} (D13)`, this.vf.driver, seen.rdy);
    if (lmStateOf(next) === 'running' && after.enabled) await this.vf.verify(this.o.ioCompletion === 'deferred');
    this.machine = next;
  }

  private async play(type: VfEventType, after: VfContext): Promise<void> {
    const seen = after.last;
    const own = (what: string, got: Posted | null, why = ''): void => expectOwn(`${type}: ${what}`, seen.completion, got, why);
    switch (type) {
      case 'LM_QUERY': {
        const { cqe } = await this.pf.lm('QUERY', VF);
        own('QUERY_DATA_SIZE on the PF', cqe);
        if (cqe !== null && isOk(cqe) && seen.sizeQueues !== null) this.sizes.check(`${type}: QUERY`, seen.sizeQueues, cqe.dw0);
        return;
      }
      case 'LM_SUSPEND':
      case 'LM_RESUME':
        own(`${type === 'LM_SUSPEND' ? 'SUSPEND' : 'RESUME'} on the PF`, (await this.pf.lm(type === 'LM_SUSPEND' ? 'SUSPEND' : 'RESUME', VF)).cqe);
        return;
      case 'LM_SAVE':
        return this.save(after);
      case 'LM_SAVE_UNMAPPED':
        own('SAVE_DATA into unmapped memory', (await this.pf.saveUnmapped(VF)).cqe);
        return;
      case 'LM_LOAD': {
        const image = this.image(type);
        const { cqe } = await this.pf.load(VF, image.bytes, image.size);
        own(`LOAD_DATA of the last SAVE's ${image.size} bytes`, cqe);
        if (cqe !== null && isOk(cqe)) await this.vf.handOver(image.vm);
        return;
      }
      case 'LM_LOAD_CORRUPT': {
        const kind = CORRUPTIONS[this.book.corruptions++ % CORRUPTIONS.length];
        const bad = corruptLoad(kind, this.book.image);
        own(`LOAD_DATA with bad data (${kind}, size ${bad.size})`, (await this.pf.load(VF, bad.data, bad.size)).cqe);
        return;
      }
      case 'LM_LOAD_UNMAPPED':
        own('LOAD_DATA from unmapped memory', (await this.pf.loadUnmapped(VF, this.book.image?.size ?? 256)).cqe);
        return;
      case 'VF_LM_QUERY':
      case 'VF_LM_SUSPEND':
      case 'VF_LM_RESUME':
      case 'VF_LM_SAVE':
      case 'VF_LM_LOAD': {
        const op = VF_QUEUE_OPS[type];
        const d = this.vf.driver;
        await this.adapter.memWrite(d.plan.scratch, new Uint8Array(PAGE));
        const transfer = op === 'SAVE' || op === 'LOAD' ? { prp1: d.plan.scratch } : {};
        const sqe = encodeLmCommand({ opcode: LM_OPCODE[op], cid: d.cid(), vfIndex: VF, ...transfer, ...(op === 'LOAD' ? { size: 256 } : {}) });
        own(`${op} on the VF's own admin queue`, await d.submit(0, sqe), this.o.vfQueuePolicy === 'drop' ? 'policy drop (D1)' : '');
        return;
      }
      case 'ENABLE': {
        await this.vf.enable();
        await checkRdy(`${type}: VF ${VF}`, this.vf.driver, true);
        const byte = await this.vf.driver.capabilityByte();
        if (byte !== 0) throw new Mismatch(`${type}: VF ${VF}'s own Identify Controller byte ${LM_CAPABILITY_OFFSET} (D2)`, '0x00', `0x${byte.toString(16)}`);
        return;
      }
      case 'DISABLE':
        await this.vf.disable();
        this.book.image = null;
        return;
      case 'CREATE_IO_QUEUE':
      case 'DELETE_IO_QUEUE': {
        const { qid, cqes } = type === 'CREATE_IO_QUEUE' ? await this.vf.createPair() : await this.vf.deletePair();
        const names = type === 'CREATE_IO_QUEUE' ? [`Create I/O CQ ${qid}`, `Create I/O SQ ${qid}`] : [`Delete I/O SQ ${qid}`, `Delete I/O CQ ${qid}`];
        cqes.forEach((c, i) => own(names[i], c, seen.latched ? 'latched while suspended (D11)' : ''));
        return;
      }
      case 'SUBMIT_IO': {
        const { rec, cqe } = await this.vf.submitWrite();
        const why = seen.latched ? 'latched while suspended (D11)' : 'in flight until completeIo (deferred)';
        own(`Write of LBA ${rec.lba} on SQ ${rec.sqid}`, cqe, why);
        if (cqe !== null) this.vf.completedNow(rec, cqe);
        else if (seen.latched) this.vf.book.latched.push(rec);
        else this.vf.book.fetched.push(rec);
        return;
      }
      case 'IO_COMPLETE': {
        const n = (await this.adapter.completeIo?.(VF, 1)) ?? 0;
        if (n !== 1) throw new Mismatch(`${type}: completeIo(${VF}, 1)`, '1 I/O in flight completed', `${n} completed`);
        return;
      }
      case 'FLR':
        await this.adapter.flr(VF);
        this.vf.powerOn(false);
        this.book.image = null;
        this.book.draining = null;
        return;
      default:
        throw new Error(`vfLifecycle binding: no realisation for event ${type}`);
    }
  }

  private image(type: string): Image {
    if (this.book.image === null) throw new Error(`${type}: the machine loads an image the binding never saved (binding out of step)`);
    return this.book.image;
  }

  /** LM_SAVE: QUERY (its size), then SAVE into a canary-filled buffer of that size. */
  private async save(after: VfContext): Promise<void> {
    const seen = after.last;
    let size = 256;
    if (this.o.lm) {
      const q = await this.pf.lm('QUERY', VF);
      expectOwn('LM_SAVE: the QUERY_DATA_SIZE before it', SUCCESS_STATUS, q.cqe);
      size = (q.cqe as Posted).dw0;
      this.sizes.check('LM_SAVE: QUERY', this.vf.book.queues, size);
    }
    const { cid, cqe } = await this.pf.save(VF, size);
    expectOwn(`LM_SAVE: SAVE_DATA of QUERY's ${size} bytes`, seen.completion, cqe, 'SAVE drains fetched I/O first (D12)');
    if (cqe === null) this.book.draining = { cid, size };
    else if (isOk(cqe)) await this.saved('LM_SAVE', size);
  }

  /** A SAVE completed successfully: check the bytes, keep the image and the VM it belongs to. */
  private async saved(type: string, size: number): Promise<void> {
    const { bytes, fault } = await this.pf.saved(VF, size);
    if (fault !== null) throw new Mismatch(`${type}: SAVE_DATA writes exactly QUERY's size (D8)`, `${size} bytes`, fault);
    const last = this.book.lastSave;
    if (last !== null) {
      const i = bytes.findIndex((b, k) => last[k] !== b);
      if (i >= 0 || last.length !== bytes.length) {
        throw new Mismatch(`${type}: two SAVEs with nothing between (D6)`, 'identical bytes', `they differ from byte ${i < 0 ? Math.min(last.length, bytes.length) : i}`);
      }
    }
    this.book.lastSave = bytes;
    this.book.image = { bytes, size, queues: this.vf.book.queues, vm: await this.vf.captureVm() };
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
      if (c !== null && isOk(c)) await this.saved(type, d.size);
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
