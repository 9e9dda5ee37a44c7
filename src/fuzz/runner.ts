// The model-based run: one fresh EmulatedDevice driven from the outside, as a
// host drives hardware (SQEs in host memory, doorbells, completions read by
// phase tag), with every device action checked at once:
//   exception  no exception escapes the emulator
//   I2         every completion belongs to exactly one outstanding command
//              (its CID and SQ id, on that SQ's CQ), has DW1 = 0, a valid SQ
//              head and a known status; a command without completion is
//              allowed only while D1 drop, D11 suspension or deferred I/O
//              says so (ledger.ts), and gets it later
//   I1, I3     an LM opcode on a VF admin queue, and any rejected command,
//              leave stateHash unchanged (its own queue pointers aside)
//   I4         a command aimed at one function leaves every other one's
//              functionHash unchanged (D14)
//   memory     the device writes host memory only inside the PRP buffers and
//              CQ slots of the commands it completed in that action (so a
//              CQE with a wrong phase tag, which the host cannot see, shows
//              up as a stray write)
// plus the decisions the host can see: D1, D5, D7, D8, D12, D13, D17, D18.
// Each completion is checked and learnt from in completions.ts.
import { EmulatedDevice } from '../emulator/device.ts';
import { describeStatus, isSuccess } from '../wire/status.ts';
import { REG } from '../wire/registers.ts';
import type { Cqe } from '../wire/cqe.ts';
import { FuzzHost, type Reaped } from './host.ts';
import { FuzzFailure } from './failure.ts';
import { onCompletion } from './completions.ts';
import { u16, u64 } from './bytes.ts';
import { keyOf, managementOpcodes, type Origin, type Outstanding } from './ledger.ts';
import { UdmqWatch } from './udmqWatch.ts';
import { ASYNC_EVENT_REQUEST, CdqLedger, hmlmTarget, hmlmWriteLength, isHmlmSuspend, isSetState } from './hmlmLedger.ts';
import { prpWriteRanges } from './prpRanges.ts';
import { describeCqe, describeSqe, queueName } from './describe.ts';
import type { FuzzDevice } from './steps.ts';

export { FuzzFailure };

/** What a submission carries besides its bytes. */
interface SubmitMeta {
  origin: Origin;
  pages?: number[];
  buffer?: { pages: number[]; offset: number };
  mustSucceed?: string;
  mustFail?: string;
  creates?: Outstanding['creates'];
  image?: Outstanding['image'];
}

interface Done {
  o: Outstanding;
  cqe: Cqe;
}

export interface RunStats {
  commands: number;
  rejected: number;
  latched: number;
  dropped: number;
  deferred: number;
  lmSuccess: number;
  /** LOADs of a VF's own SAVE that succeeded, and mutated images refused (D7) */
  realLoads: number;
  refusedImages: number;
  /** fuzzed commands whose PRPs were moved off host memory they did not own */
  movedPrps: number;
  skipped: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

export class Runner {
  readonly dev: EmulatedDevice;
  readonly host: FuzzHost;
  readonly transcript: string[] = [];
  readonly outstanding = new Map<string, Outstanding>();
  /** the host's view of each VF's LM state: false once a SUSPEND (SAVE, LOAD) succeeded, true again after RESUME or a reset */
  readonly running = new Map<number, boolean>();
  /** the VF's latest SAVE while nothing changed on that VF since: LOADing it must succeed and restores the same state */
  readonly cleanSave = new Map<number, Uint8Array>();
  lastImage: Uint8Array | undefined;
  readonly stats: RunStats = { commands: 0, rejected: 0, latched: 0, dropped: 0, deferred: 0, lmSuccess: 0, realLoads: 0, refusedImages: 0, movedPrps: 0, skipped: 0 };
  /** index of the step being run (-1: bring-up, steps.length: finish) */
  step = -1;
  private cid = 0;
  /** VFs a SAVE succeeded on in the current action: nothing of theirs may stay in flight (D12) */
  readonly drained = new Set<number>();
  /** functionHash of every function after the last action: only actions change the device, so the next one starts from here */
  private hashes: string[] | undefined;
  /** SAVEs that succeeded in the current action, and the bytes they wrote */
  readonly saves: Array<{ vf: number; image: Uint8Array }> = [];
  /** tp4159: the UDMQs the host created that still exist (the device writes them whenever it logs) */
  readonly cdqs = new CdqLedger();
  /** tp4159: VFs holding Set Controller State parts (SEQIND 1/0) that a failed part discards (D26) */
  readonly parts = new Set<number>();
  /** tp4159: what each VF wrote, and the UDMQs read after every action (I13) */
  readonly udmq = new UdmqWatch();
  private readonly management: ReadonlySet<number>;
  readonly hmlm: boolean;

  constructor(
    readonly cfg: FuzzDevice,
    readonly record = false,
  ) {
    this.dev = new EmulatedDevice({
      vfs: cfg.vfs,
      profile: cfg.profile,
      strict: cfg.strict,
      vfQueuePolicy: cfg.vfQueuePolicy,
      ioCompletion: cfg.ioCompletion,
      maxIoQueuesPerVf: cfg.maxIoQueuesPerVf,
      ...(cfg.mutant ? { mutant: cfg.mutant } : {}),
    });
    this.host = new FuzzHost(this.dev);
    this.management = managementOpcodes(cfg.profile);
    this.hmlm = cfg.profile === 'tp4159';
    for (let vf = 1; vf <= cfg.vfs; vf++) this.running.set(vf, true);
  }

  log(line: string): void {
    if (this.record) this.transcript.push(line);
  }

  skip(why: string): void {
    this.stats.skipped++;
    this.log(`  (skipped: ${why})`);
  }

  /** Run host code that calls into the device; an exception from it is a failure. */
  device<T>(what: string, body: () => T): T {
    try {
      return body();
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      throw new FuzzFailure('exception', `${what}: an exception escaped the emulator: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private fnHashes(): string[] {
    const out: string[] = [];
    for (let fn = 0; fn <= this.cfg.vfs; fn++) out.push(this.dev.functionHash(fn));
    return out;
  }

  /**
   * One device action: run it, reap every CQ, then check memory, each
   * completion, I1/I3 for `own`, I4 for every function outside `changes`,
   * and what is still pending.
   */
  act(what: string, changes: readonly number[] | 'all', body: () => void, own?: Outstanding): Done[] {
    const before = this.hashes ?? this.fnHashes();
    this.hashes = undefined;
    // D26: a failed Set State part discards the parts accumulated so far, its one permitted change
    const partsOf = own && this.hmlm && own.fn === 0 && isSetState(own.sqe) ? hmlmTarget(own.sqe) : undefined;
    const exclusion = own ? { fn: own.fn, sqid: own.sqid, ...(partsOf !== undefined && this.parts.has(partsOf) ? { partsOf } : {}) } : undefined;
    const stateBefore = own ? this.dev.stateHash(exclusion) : '';
    const reaped: Reaped[] = this.device(what, () => {
      body();
      return this.host.reapAll();
    });
    const after = this.fnHashes();
    this.hashes = after;
    const stateAfter = own ? this.dev.stateHash(exclusion) : '';
    const allowed: number[] = this.cdqs.ranges();
    const done: Done[] = [];
    for (const r of reaped) {
      allowed.push(r.slot, r.slot + 16);
      const o = this.outstanding.get(keyOf(r.fn, r.cqe.sqid, r.cqe.cid));
      if (!o || o.cqid !== r.cqid) {
        throw new FuzzFailure('I2', `${what}: a completion on ${queueName(r.fn, r.cqid)} names SQ ${r.cqe.sqid} CID ${hex(r.cqe.cid)}, which has no command outstanding there (a duplicate, or a wrong CID or SQ id): ${describeCqe(r.cqe)}`);
      }
      this.outstanding.delete(o.key);
      done.push({ o, cqe: r.cqe });
      for (const x of this.writeRanges(o.admin, o.sqe)) allowed.push(x);
    }
    const stray = this.host.watch.check(allowed);
    if (stray) throw new FuzzFailure('memory', `${what}: ${stray}`);
    if (own) {
      const mine = done.find((d) => d.o === own);
      if (own.lmOpcode && own.fn !== 0 && stateAfter !== stateBefore) {
        throw new FuzzFailure('I1', `${what}: an LM opcode on ${queueName(own.fn, 0)} changed the device state (${mine ? describeStatus(mine.cqe) : 'no completion'})`);
      }
      if (mine && !isSuccess(mine.cqe) && stateAfter !== stateBefore) {
        throw new FuzzFailure('I3', `${what}: the command was rejected (${describeStatus(mine.cqe)}) but the device state changed`);
      }
    }
    if (changes !== 'all') {
      // tp4159: a VF's work is logged into its UDMQ, which is the PF's (D30-D33)
      const logs = changes.some((f) => f !== 0 && this.cdqs.logsFor(f));
      for (let fn = 0; fn <= this.cfg.vfs; fn++) {
        if (!changes.includes(fn) && !(fn === 0 && logs) && before[fn] !== after[fn]) {
          throw new FuzzFailure('I4', `${what}: aimed at ${changes.map((f) => (f === 0 ? 'the PF' : `VF${f}`)).join(' and ')}, but ${fn === 0 ? 'the PF' : `VF${fn}`} changed (D14)`);
        }
      }
    }
    for (let vf = 1; vf <= this.cfg.vfs; vf++) if (before[vf] !== after[vf]) this.cleanSave.delete(vf);
    for (const d of done) onCompletion(this, d.o, d.cqe);
    for (const s of this.saves) {
      this.lastImage = s.image;
      // Completions drained and reaped in the same action moved the CQ head after the SAVE captured it: not clean then.
      if (!reaped.some((r) => r.fn === s.vf)) this.cleanSave.set(s.vf, s.image);
    }
    this.saves.length = 0;
    for (const [id, q] of this.cdqs.all()) this.udmq.read(this.host.watch, q, id, what);
    this.checkPending(what);
    return done;
  }

  /** Bytes of host memory a command may write when it completes (Identify, SAVE, Read data), by the PRP rules. */
  writeRanges(admin: boolean, sqe: Uint8Array): number[] {
    const opc = sqe[0];
    let len = 0;
    let buffer = 0;
    if (admin) {
      if (opc === 0x06) len = 4096;
      else if (this.hmlm) ({ length: len, buffer } = hmlmWriteLength(sqe));
      else if (opc === 0xd2) {
        const vf = u16(sqe, 40);
        if (vf >= 1 && vf <= this.cfg.vfs) len = this.dev.inspect(vf).migrationDataSize;
      }
    } else if (opc === 0x02) {
      len = (u16(sqe, 48) + 1) * 512;
    }
    return len === 0 ? [] : prpWriteRanges(u64(sqe, 24), u64(sqe, 32), len, (a) => this.host.watch.entryBefore(a), Math.max(buffer, len));
  }

  /** Every outstanding command must be one the rules let wait (ledger.ts); D12 after a SAVE. */
  private checkPending(what: string): void {
    for (const o of this.outstanding.values()) {
      const sq = this.host.queues(o.fn)?.sqs.get(o.sqid);
      if (!sq) {
        if (o.fetched) throw new FuzzFailure('I2', `${what}: ${queueName(o.fn, o.sqid)} was deleted with CID ${hex(o.cid)} in flight, and it got no completion (Command Aborted due to SQ Deletion expected)`);
        this.discard(o); // unfetched entries of a deleted SQ are discarded (NVMe)
        continue;
      }
      // A VF whose Suspend waits for its drain fetches nothing either (D22).
      const stopped = o.fn !== 0 && (this.running.get(o.fn) === false || this.heldSave(o.fn) !== undefined);
      if (o.waitsForEvent) continue;
      if (o.mayDrop && !stopped) {
        this.stats.dropped++;
        this.discard(o);
        continue;
      }
      if ((stopped && !o.fetched) || o.drainsVf !== undefined) continue;
      if (o.deferrable) {
        if (!o.fetched) this.stats.deferred++;
        o.fetched = true;
        continue;
      }
      throw new FuzzFailure('I2', `${what}: ${queueName(o.fn, o.sqid)} ${describeSqe(o.sqe, !o.admin)} got no completion although ${o.fn === 0 ? 'the PF' : `VF${o.fn}`} is running`);
    }
    // A SAVE may wait for its VF's fetched I/O, and only for that (D12, L4).
    for (const o of this.outstanding.values()) {
      if (o.drainsVf !== undefined && this.inFlight(o.drainsVf) === 0) {
        const [rule, cmd, d] = this.hmlm ? ['L5', 'Suspend', 'D22'] : ['L4', 'SAVE', 'D12'];
        throw new FuzzFailure(rule, `${what}: ${cmd} of VF${o.drainsVf} (CID ${hex(o.cid)}) got no completion although VF${o.drainsVf} has nothing in flight to drain (${d})`);
      }
    }
    for (const vf of this.drained) {
      for (const o of this.outstanding.values()) {
        if (o.fn === vf && o.fetched) throw new FuzzFailure(this.hmlm ? 'D22' : 'D12', `${what}: ${this.hmlm ? 'Suspend' : 'SAVE'} of VF${vf} completed while ${queueName(o.fn, o.sqid)} CID ${hex(o.cid)} was still in flight (it drains first)`);
      }
    }
    this.drained.clear();
  }

  /** Commands of `fn` the device fetched and holds in flight. */
  inFlight(fn: number): number {
    let n = 0;
    for (const o of this.outstanding.values()) if (o.fn === fn && o.fetched) n++;
    return n;
  }

  /** The SAVE of `vf` still waiting for its drain, if any. */
  heldSave(vf: number): Outstanding | undefined {
    for (const o of this.outstanding.values()) if (o.drainsVf === vf) return o;
    return undefined;
  }

  discard(o: Outstanding): void {
    this.outstanding.delete(o.key);
    this.host.release(o.pages);
  }

  private nextCid(): number {
    this.cid = (this.cid % 0xffff) + 1;
    return this.cid;
  }

  /** Outstanding commands on one SQ (the host never fills an SQ: at most size - 1). */
  private countOn(fn: number, sqid: number): number {
    let n = 0;
    for (const o of this.outstanding.values()) if (o.fn === fn && o.sqid === sqid) n++;
    return n;
  }

  /** True when the host can post one more command to (fn, qid) now. */
  canPost(fn: number, qid: number): boolean {
    const sq = this.host.queues(fn)?.sqs.get(qid);
    return sq !== undefined && sq.ready && this.countOn(fn, qid) < sq.size - 1;
  }

  /**
   * Write the SQE (with a fresh CID) to the SQ and ring its doorbell, as one
   * checked action. Returns the command and its completion if it came at
   * once, or undefined when the queue cannot take it (the step is skipped).
   */
  submit(fn: number, qid: number, sqe: Uint8Array, meta: SubmitMeta): { o: Outstanding; cqe?: Cqe } | undefined {
    if (!this.canPost(fn, qid)) {
      this.host.release(meta.pages ?? []);
      this.skip(`${queueName(fn, qid)} is not there or full`);
      return undefined;
    }
    const sq = this.host.queues(fn)!.sqs.get(qid)!;
    const cid = this.nextCid();
    sqe[2] = cid & 0xff;
    sqe[3] = cid >> 8;
    const lmOpcode = qid === 0 && this.management.has(sqe[0]);
    const named = this.hmlm ? hmlmTarget(sqe) : u16(sqe, 40);
    const drains = fn === 0 && named !== undefined && named >= 1 && named <= this.cfg.vfs && (this.hmlm ? isHmlmSuspend(sqe) : sqe[0] === 0xd2);
    const o: Outstanding = {
      key: keyOf(fn, qid, cid),
      fn,
      sqid: qid,
      cid,
      cqid: sq.cqid,
      sqSize: sq.size,
      sqe: sqe.slice(),
      admin: qid === 0,
      lmOpcode,
      origin: meta.origin,
      // D1's drop policy is the vendor profiles'; D19 always answers Invalid Command Opcode
      mayDrop: lmOpcode && fn !== 0 && this.cfg.vfQueuePolicy === 'drop' && !this.hmlm,
      deferrable: fn !== 0 && qid !== 0 && this.cfg.ioCompletion === 'deferred' && sqe[0] <= 0x02,
      ...(drains ? { drainsVf: named } : {}),
      ...(this.hmlm && qid === 0 && sqe[0] === ASYNC_EVENT_REQUEST ? { waitsForEvent: true } : {}),
      fetched: false,
      pages: meta.pages ?? [],
      ...(meta.buffer ? { buffer: meta.buffer } : {}),
      step: this.step,
      ...(meta.mustSucceed ? { mustSucceed: meta.mustSucceed } : {}),
      ...(meta.mustFail ? { mustFail: meta.mustFail } : {}),
      ...(meta.creates ? { creates: meta.creates } : {}),
      ...(meta.image ? { image: meta.image } : {}),
    };
    this.outstanding.set(o.key, o);
    this.stats.commands++;
    if (this.hmlm && fn !== 0 && qid !== 0) this.udmq.noteIo(fn, sqe);
    const label = `${queueName(fn, qid)} ${this.record ? describeSqe(o.sqe, qid !== 0) : ''}`;
    this.log(`  [step ${this.step}] post ${label}`);
    const [offset, value] = this.host.place(fn, qid, sqe);
    const changes = fn !== 0 ? [fn] : lmOpcode && named !== undefined && named >= 1 && named <= this.cfg.vfs ? [0, named] : [0];
    const done = this.act(`step ${this.step}: ${label}`, changes, () => this.dev.regWrite(fn, offset, 4, value), o);
    const mine = done.find((d) => d.o === o);
    if (!mine) this.stats.latched++;
    return mine ? { o, cqe: mine.cqe } : { o };
  }

  /** CC.EN 0 -> 1 with a fresh admin queue pair; the controller must report ready. */
  enable(fn: number): void {
    const writes = this.host.prepareEnable(fn);
    this.log(`  [step ${this.step}] enable ${fn === 0 ? 'PF' : `VF${fn}`}`);
    this.act(`step ${this.step}: enable ${fn === 0 ? 'the PF' : `VF${fn}`}`, [fn], () => {
      for (const [offset, width, value] of writes) this.dev.regWrite(fn, offset, width, value);
    });
    const csts = this.device('read CSTS', () => this.dev.regRead(fn, REG.CSTS, 4));
    if ((csts & 3n) !== 1n) throw new FuzzFailure('NVMe', `step ${this.step}: CC.EN = 1 with valid admin queue attributes left CSTS = ${hex(Number(csts))} (RDY 1 expected)`);
  }

  /** Which functions a reset of `fn` takes down (D18: the PF takes every VF). */
  affectedBy(fn: number): number[] {
    return fn === 0 ? Array.from({ length: this.cfg.vfs + 1 }, (_, i) => i) : [fn];
  }
}
