// Byte binding of the pfAcceptance machine (D1, D4, D5, D7, D9, D10, D17):
// every way the PF's admin command path accepts or rejects one LM command,
// played in bytes. The machine's events classify ONE command stage by stage,
// so `step` only records until the path reaches a final state; then the
// binding asks the machine which command that is (describePath), brings the
// target VF into the required LM state with real LM commands, builds the SQE,
// submits it on the right queue and compares the completion and the effect
// with the machine's expectedOutcome.
//
// The migration image is opaque here: the binding never reads the device's
// saved-data format. Defects it can make without the format: size 0, size
// over 256 KiB, size minus 4 (mismatch), the first 4 bytes flipped (magic),
// the last byte flipped (checksum). Version and geometry need the format, so
// those paths are NotRealisable (see NOT_REALISABLE).
import type { EventObject } from 'xstate';
import {
  describePath,
  PF_ACCEPTANCE_OPTION_SETS,
  pfAcceptanceSpec,
  type AcceptanceEvent,
  type CommandToBuild,
  type LmState,
  type PfAcceptanceOptions,
} from '../machines/pfAcceptance.ts';
import type { MachineSpec } from '../machines/spec.ts';
import { explore } from '../src/check/explore.ts';
import { pathToState, type StateGraph } from '../src/check/graph.ts';
import { pathOf, type Path, type PathStep } from '../src/paths/path.ts';
import { transitionCover } from '../src/paths/transitionCover.ts';
import type { Implementation } from '../src/paths/trie.ts';
import type { Adapter, Profile, ResetOptions } from '../src/verify/adapter.ts';
import { QueueTracker } from '../src/verify/queueTracker.ts';
import { sqeFor } from '../src/wire/adminCommands.ts';
import { decodeCqe, type Cqe } from '../src/wire/cqe.ts';
import { toHex } from '../src/wire/hex.ts';
import { encodeLmCommand } from '../src/wire/lmCommands.ts';
import { LM } from '../src/wire/opcodes.ts';
import { CC_ENABLE, REG } from '../src/wire/registers.ts';
import { describeStatus, isSuccess } from '../src/wire/status.ts';
import { Mismatch, NotRealisable, type Suite } from './suite.ts';

// Host memory plan, private to this binding. Everything lies below
// 0x1fff0000 and clear of 0xc0000-0xfffff, so the binding also runs on QEMU.
// | region       | address             | use                                              |
// |--------------|---------------------|--------------------------------------------------|
// | adminQueues  | 0x0100_0000 + fn*8K | function fn: ASQ page, then ACQ page             |
// | ioQueues     | 0x0200_0000 + fn*1M | + qid*8K: I/O SQ page, then CQ page              |
// | image        | 0x0400_0000         | 256 KiB: what SAVE writes and LOAD reads back    |
// | imageList    | 0x0404_0000         | PRP list page for the image buffer               |
// | measure      | 0x0500_0000         | 256 KiB: measuring how many bytes a SAVE writes  |
// | measureList  | 0x0504_0000         | PRP list page for the measure buffer             |
// | data         | 0x0600_0000         | namespace pattern page, then a read-back page    |
// | unmapped     | 0x40_0000_0000      | never written: no RAM there (D7 DMA failure)     |
export const ACCEPTANCE_PLAN = {
  adminQueues: 0x0100_0000n,
  ioQueues: 0x0200_0000n,
  image: 0x0400_0000n,
  imageList: 0x0404_0000n,
  measure: 0x0500_0000n,
  measureList: 0x0504_0000n,
  data: 0x0600_0000n,
  unmapped: 0x40_0000_0000n,
} as const;

const PAGE = 4096;
const ADMIN_ENTRIES = 32;
const IO_ENTRIES = 16;
/** The largest buffer a host hands to LOAD (the RFC driver's RESUMING buffer, D7). */
const BUFFER_BYTES = 256 * 1024;
/** PRP1 at page offset 0xFFC leaves 4 bytes in its page: a transfer needs a PRP list only above 4 + 4096 bytes. */
const LIST_THRESHOLD = 4 + PAGE;
/** D17: profiles whose PF executes the five opcodes (reserved behaves as lm; no-lm and foreign do not). */
const EXECUTES_LM: Record<Profile, boolean> = { lm: true, reserved: true, 'no-lm': false, foreign: false };

/** Events whose command this binding cannot build without the device's private data format. */
export const NOT_REALISABLE: Readonly<Record<string, string>> = {
  LOAD_BAD_VERSION:
    'LOAD with an unknown format version: where the version lies in the migration data is the device\'s private format, ' +
    'and the binding treats the image as opaque',
  LOAD_BAD_GEOMETRY:
    'LOAD with data describing more or larger queues than the VF allows: needs the device\'s private format ' +
    '(every VF of one target has the same limits, so a saved image is always within them)',
  PRP_LIST_ENTRY_OFFSET: `a PRP list is read only when the transfer needs more than two pages, i.e. more than ${LIST_THRESHOLD} bytes; realisable only when the VF's migration data gets that large`,
};

export interface AcceptanceBindingOptions {
  /** how long to wait for a completion: 0 for the synchronous EmulatorAdapter, a few hundred ms otherwise (default 300) */
  timeoutMs?: number;
}

const pathCache = new Map<string, Path[]>();

/** The suite's paths, computed once per suite id. */
function pathsOf(spec: MachineSpec): Path[] {
  let paths = pathCache.get(spec.id);
  if (!paths) {
    paths = acceptancePaths(explore(spec));
    pathCache.set(spec.id, paths);
  }
  return paths;
}

const notRealisable = (e: EventObject): boolean => Object.hasOwn(NOT_REALISABLE, e.type);

/**
 * The transition cover of the graph (explored without symmetry), plus one
 * path for each definition edge that only paths with a NotRealisable event
 * take (the greedy cover may route e.g. VF_LOADED only into LOAD_BAD_VERSION),
 * so every edge a target can realise is executed. Deterministic.
 */
export function acceptancePaths(graph: StateGraph): Path[] {
  const cover = transitionCover(graph);
  const covered = new Set(cover.filter((p) => !p.events.some(notRealisable)).flatMap((p) => p.steps.flatMap((s) => s.edges)));
  const extra: Path[] = [];
  graph.transitions.forEach((t, ti) => {
    if (notRealisable(graph.events[t.event]) || t.edges.every((id) => covered.has(id))) return;
    const suffix = realisableEnd(graph, t.to);
    if (suffix === null) return;
    const path = pathOf(graph, [...pathToState(graph, t.from), ti, ...suffix]);
    for (const step of path.steps) for (const id of step.edges) covered.add(id);
    extra.push(path);
  });
  return [...cover, ...extra];
}

/** Breadth-first: the fewest transitions from `from` to a final state, avoiding NotRealisable events. */
function realisableEnd(graph: StateGraph, from: number): number[] | null {
  const via = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i];
    if (graph.out[s].length === 0) {
      const route: number[] = [];
      for (let at = s; via.get(at) !== -1; at = graph.transitions[via.get(at) as number].from) route.push(via.get(at) as number);
      return route.reverse();
    }
    for (const ti of graph.out[s]) {
      const t = graph.transitions[ti];
      if (notRealisable(graph.events[t.event]) || via.has(t.to)) continue;
      via.set(t.to, ti);
      queue.push(t.to);
    }
  }
  return null;
}

/** One suite per option set of PF_ACCEPTANCE_OPTION_SETS (lm, no-lm, reserved, foreign, lm+strict, lm+drop). */
export function pfAcceptanceSuites(binding: AcceptanceBindingOptions = {}): Suite[] {
  return PF_ACCEPTANCE_OPTION_SETS.map((o) => pfAcceptanceSuite(o, binding));
}

export function pfAcceptanceSuite(options: PfAcceptanceOptions, binding: AcceptanceBindingOptions = {}): Suite {
  const spec = pfAcceptanceSpec(options);
  const reset: ResetOptions = { vfs: options.vfs, profile: options.profile, strict: options.strict, vfQueuePolicy: options.vfQueuePolicy };
  const timeoutMs = binding.timeoutMs ?? 300;
  return {
    id: spec.id,
    profile: options.profile,
    reset,
    spec,
    requires: {},
    paths: () => pathsOf(spec),
    implementation: (adapter) => new AcceptanceBinding(adapter, options, reset, timeoutMs).implementation(),
  };
}

interface Prps {
  prp1: bigint;
  prp2: bigint;
}

interface BindingSnapshot {
  device: unknown;
  tracker: unknown;
  events: AcceptanceEvent[];
  cid: number;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const statusOf = (c: Cqe | null): string => (c === null ? 'no completion' : describeStatus(c));
const roundUp = (n: number): number => Math.max(PAGE, Math.ceil(n / PAGE) * PAGE);

class AcceptanceBinding {
  private readonly tracker: QueueTracker;
  private events: AcceptanceEvent[] = [];
  private cid = 0;

  constructor(
    private readonly adapter: Adapter,
    private readonly options: PfAcceptanceOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
  ) {
    this.tracker = new QueueTracker(adapter, { timeoutMs });
  }

  implementation(): Implementation<BindingSnapshot> {
    const impl: Implementation<BindingSnapshot> = {
      reset: () => this.reset(),
      step: (event, expected) => this.step(event, expected),
    };
    const { snapshot, restore } = this.adapter;
    if (snapshot && restore) {
      impl.snapshot = async () => ({
        device: await snapshot.call(this.adapter),
        tracker: this.tracker.saveState(),
        events: [...this.events],
        cid: this.cid,
      });
      impl.restore = async (s) => {
        await restore.call(this.adapter, s.device);
        this.tracker.restoreState(s.tracker);
        this.events = [...s.events];
        this.cid = s.cid;
      };
    }
    return impl;
  }

  /** Power-on, then the bring-up the machine assumes: PF enabled; every VF enabled with I/O queue pair 1. */
  private async reset(): Promise<void> {
    await this.adapter.reset(this.resetOptions);
    this.tracker.forgetAll();
    this.events = [];
    await this.enable(0);
    for (let vf = 1; vf <= this.options.vfs; vf++) {
      await this.enable(vf);
      await this.createIoPair(vf, 1);
    }
  }

  private async step(event: EventObject, expected: PathStep): Promise<void> {
    this.events.push(event as AcceptanceEvent);
    if (expected.snapshot.status !== 'done') return; // a stage classification: the command is not complete yet
    const command = describePath(this.options, this.events);
    if (command.final !== String(expected.snapshot.value)) {
      throw new Error(`binding bug: the recorded events end in ${command.final}, the path says ${String(expected.snapshot.value)}`);
    }
    await this.play(command);
  }

  private has(...types: string[]): boolean {
    return this.events.some((e) => types.includes(e.type));
  }

  private async play(c: CommandToBuild): Promise<void> {
    for (const type of Object.keys(NOT_REALISABLE)) {
      if (type !== 'PRP_LIST_ENTRY_OFFSET' && this.has(type)) throw new NotRealisable(NOT_REALISABLE[type]);
    }
    const vfs = this.options.vfs;
    const executes = EXECUTES_LM[this.options.profile];
    // the PF took the opcode as an LM command: the path reached the field checks
    const lmOnPf = c.queue.kind === 'pfAdmin' && this.has('FUSE_ZERO', 'FUSE_SET');
    const target = c.vfIndex >= 1 && c.vfIndex <= vfs ? c.vfIndex : 1;
    const transfers = c.opcodeName === 'SAVE' || c.opcodeName === 'LOAD';
    const watchNamespace = !executes; // VFs of these profiles never stop, so I/O checks the namespace before and after

    if (watchNamespace) await this.writePattern();
    if (transfers) await this.adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(BUFFER_BYTES));
    if (lmOnPf && c.prp?.situation === 'listEntryOffset') await this.growMigrationData(target);
    const imageLength = lmOnPf ? await this.establish(target, c.vfState, c.opcodeName === 'LOAD') : undefined;

    // data length: SAVE writes what QUERY says (D8); LOAD carries the image SAVE wrote
    let length = PAGE;
    if (c.opcodeName === 'SAVE' && lmOnPf) {
      length = await this.query(target, 'the SAVE\'s PRPs');
      await this.adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(roundUp(length))); // so only this SAVE can fill it
    }
    if (c.opcodeName === 'LOAD' && imageLength !== undefined) length = imageLength;
    const size = c.opcodeName === 'LOAD' ? this.loadSize(c, length) : undefined;
    if (c.load && imageLength !== undefined) await this.corrupt(c.load.situation, imageLength);
    const prps = transfers ? await this.prpsFor(c.prp?.situation ?? 'valid', size === undefined ? length : Math.min(size, BUFFER_BYTES)) : undefined;

    const before = await this.fingerprint(executes);
    const { fn, qid } = queueOf(c);
    const sqe = buildSqe(c, this.nextCid(), prps, size);
    const raw = await this.tracker.submit(fn, qid, sqe);
    const cqe = raw === null ? null : decodeCqe(raw);
    const what = `${c.final} (${c.opcodeName} ${hex(c.opcode)} on function ${fn} SQ ${qid}, SQE ${toHex(sqe)})`;
    checkCompletion(what, c, cqe);

    const after = await this.fingerprint(executes);
    if (after !== before) {
      throw new Mismatch(`${what}: every VF's registers and migration data size afterwards (I3; D6, D8 for SUSPEND/SAVE/LOAD of its own image)`, before, after);
    }
    const effect = c.expected.completion === 'one' ? c.expected.effect : { kind: 'none' as const };
    if (watchNamespace) await this.checkPattern(what, effect.kind === 'namespaceErased');
    if (c.final === 'executedSave') await this.checkSaveRepeats(what, c.vfIndex, length);
    const stateAfter: LmState = effect.kind === 'vfLmState' ? effect.to : lmOnPf ? c.vfState : 'running';
    await this.checkRuns(what, target, stateAfter);
    if (c.expected.completion === 'one' && c.expected.dw0 === 'migrationDataSize' && cqe !== null) {
      await this.checkQuerySize(what, c.vfIndex, cqe.dw0 >>> 0);
    }
  }

  // ---- bring-up ----

  private nextCid(): number {
    this.cid = (this.cid % 0xfffe) + 1;
    return this.cid;
  }

  /** Like a host driver: disable a controller found enabled (a target may hand one over running), program the admin queue, enable. */
  private async enable(fn: number): Promise<void> {
    if (((await this.adapter.regRead(fn, REG.CC, 4)) & 1n) === 1n) {
      await this.tracker.regWrite(fn, REG.CC, 4, 0n);
      await this.waitReady(fn, 0n);
    }
    const asq = ACCEPTANCE_PLAN.adminQueues + BigInt(fn) * 0x2000n;
    await this.adapter.memWrite(asq, new Uint8Array(2 * PAGE));
    await this.tracker.regWrite(fn, REG.AQA, 4, BigInt(((ADMIN_ENTRIES - 1) << 16) | (ADMIN_ENTRIES - 1)));
    await this.tracker.regWrite(fn, REG.ASQ, 8, asq);
    await this.tracker.regWrite(fn, REG.ACQ, 8, asq + 0x1000n);
    await this.tracker.regWrite(fn, REG.CC, 4, CC_ENABLE);
    await this.waitReady(fn, 1n);
    await this.adoptForeignEntries(fn);
  }

  /**
   * Completions on a freshly enabled admin queue before we submitted anything
   * are someone else's: the QEMU target brings its VFs online through the
   * tester's PF admin queue right after CC.EN = 1 (its README). Consume them
   * and start our SQ tail where the device's head now is.
   */
  private async adoptForeignEntries(fn: number): Promise<void> {
    const foreign = (await this.tracker.reap(fn)).map(decodeCqe).filter((c) => c.sqid === 0);
    if (foreign.length === 0) return;
    const saved = this.tracker.saveState() as { functions?: unknown };
    const sq = saved.functions instanceof Map ? (saved.functions.get(fn) as { sqs?: unknown } | undefined)?.sqs : undefined;
    const admin = sq instanceof Map ? (sq.get(0) as { tail?: unknown; head?: unknown } | undefined) : undefined;
    if (!admin || typeof admin.head !== 'number') {
      throw new Error(`function ${fn}'s admin queue already holds ${foreign.length} entries of another submitter, and the queue tracker's saved state changed shape: give QueueTracker a public way to skip them`);
    }
    admin.tail = admin.head; // reap set head from the foreign completions' SQ head
    this.tracker.restoreState(saved);
  }

  private async waitReady(fn: number, rdy: bigint): Promise<void> {
    const deadline = Date.now() + Math.max(this.timeoutMs, 2000);
    while (((await this.adapter.regRead(fn, REG.CSTS, 4)) & 1n) !== rdy) {
      if (Date.now() >= deadline) throw new Error(`function ${fn} did not set CSTS.RDY to ${rdy} after CC.EN = ${rdy}: check the controller's enable path`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private async admin(fn: number, sqe: Uint8Array): Promise<Cqe | null> {
    const raw = await this.tracker.submit(fn, 0, sqe);
    return raw === null ? null : decodeCqe(raw);
  }

  /** Create I/O CQ and SQ `qid` on `fn`; false when the device refuses (its queue limit). */
  private async createIoPair(fn: number, qid: number, mustSucceed = true): Promise<boolean> {
    const sq = ACCEPTANCE_PLAN.ioQueues + BigInt(fn) * 0x10_0000n + BigInt(qid) * 0x2000n;
    await this.adapter.memWrite(sq, new Uint8Array(2 * PAGE));
    for (const sqe of [sqeFor.createIoCq(this.nextCid(), qid, IO_ENTRIES, sq + 0x1000n), sqeFor.createIoSq(this.nextCid(), qid, IO_ENTRIES, sq, qid)]) {
      const cqe = await this.admin(fn, sqe);
      if (cqe !== null && isSuccess(cqe)) continue;
      if (!mustSucceed) return false;
      throw new Error(`bring-up: creating I/O queue ${qid} on function ${fn} failed with ${statusOf(cqe)}; the VF must accept one I/O queue pair`);
    }
    return true;
  }

  // ---- LM commands the binding sends to set up and to observe ----

  private async pfLm(what: string, opcode: number, vf: number, extra: Partial<Prps> & { size?: number } = {}): Promise<Cqe> {
    const cqe = await this.admin(0, encodeLmCommand({ opcode, cid: this.nextCid(), vfIndex: vf, ...extra }));
    if (cqe === null || !isSuccess(cqe)) throw new Mismatch(what, 'Successful Completion', statusOf(cqe));
    return cqe;
  }

  private async query(vf: number, why: string): Promise<number> {
    const size = (await this.pfLm(`QUERY_DATA_SIZE of VF ${vf} (for ${why})`, LM.QUERY, vf)).dw0 >>> 0;
    if (size === 0 || size > BUFFER_BYTES) throw new Mismatch(`QUERY_DATA_SIZE of VF ${vf} (D8)`, `1..${BUFFER_BYTES} bytes`, `${size}`);
    return size;
  }

  /** SAVE VF `vf` into the image buffer (QUERY first, as a host does); returns the image length. */
  private async saveImage(vf: number): Promise<number> {
    const size = await this.query(vf, 'a SAVE image');
    await this.adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(roundUp(size))); // host memory the DMA may write
    await this.pfLm(`SAVE_DATA of VF ${vf} (to get an image)`, LM.SAVE, vf, await this.listPrps(ACCEPTANCE_PLAN.image, ACCEPTANCE_PLAN.imageList, size));
    return size;
  }

  /** Bring VF `vf` into LM state `state` with real PF commands (D5); with `image`, also leave a SAVE of it in the image buffer. */
  private async establish(vf: number, state: LmState, image: boolean): Promise<number | undefined> {
    let length: number | undefined;
    const suspend = () => this.pfLm(`precondition: SUSPEND of VF ${vf}`, LM.SUSPEND, vf);
    const resume = () => this.pfLm(`precondition: RESUME of VF ${vf}`, LM.RESUME, vf);
    const save = async () => {
      length = await this.saveImage(vf);
    };
    if (state === 'running' && image) {
      await suspend();
      await save();
      await resume();
    } else if (state === 'suspended') {
      await suspend();
      if (image) {
        await save();
        await resume();
        await suspend();
      }
    } else if (state === 'saved' || state === 'loaded') {
      await suspend();
      await save();
      if (state === 'loaded') {
        const n = length as number;
        const prps = await this.listPrps(ACCEPTANCE_PLAN.image, ACCEPTANCE_PLAN.imageList, n);
        await this.pfLm(`precondition: LOAD_DATA of VF ${vf}'s own image`, LM.LOAD, vf, { ...prps, size: n });
      }
    }
    return length;
  }

  /** More I/O queues make more migration data (D8): add pairs until a PRP list is needed, or the VF refuses more. */
  private async growMigrationData(vf: number): Promise<void> {
    let qid = 2;
    while (qid < 1024 && (await this.createIoPair(vf, qid, false))) qid++;
    const size = await this.query(vf, 'a PRP list');
    if (size <= LIST_THRESHOLD) {
      throw new NotRealisable(`${NOT_REALISABLE.PRP_LIST_ENTRY_OFFSET}; VF ${vf}'s migration data is at most ${size} bytes (with ${qid - 1} I/O queue pairs, all it accepts)`);
    }
  }

  private loadSize(c: CommandToBuild, length: number): number {
    switch (c.load?.situation ?? 'valid') {
      case 'sizeZero':
        return 0;
      case 'sizeOverBuffer':
        return BUFFER_BYTES + 1;
      case 'sizeMismatch':
        return length - 4;
      default:
        return length;
    }
  }

  /** D7 defects made without knowing the format: the magic leads the data, the last byte is payload. */
  private async corrupt(situation: string, length: number): Promise<void> {
    const flip = async (at: number, n: number) => {
      const bytes = await this.adapter.memRead(ACCEPTANCE_PLAN.image + BigInt(at), n);
      await this.adapter.memWrite(ACCEPTANCE_PLAN.image + BigInt(at), bytes.map((b) => b ^ 0xff));
    };
    if (situation === 'badMagic') await flip(0, 4);
    if (situation === 'badChecksum') await flip(length - 1, 1);
  }

  // ---- PRPs ----

  /** PRP1/PRP2 for `length` bytes at page-aligned `base`: PRP2 a page pointer for two pages, else a list at `list`. */
  private async listPrps(base: bigint, list: bigint, length: number): Promise<Prps> {
    const pages = Math.max(1, Math.ceil(length / PAGE));
    if (pages === 1) return { prp1: base, prp2: 0n };
    if (pages === 2) return { prp1: base, prp2: base + BigInt(PAGE) };
    await this.adapter.memWrite(list, entries(Array.from({ length: pages - 1 }, (_, i) => base + BigInt((i + 1) * PAGE))));
    return { prp1: base, prp2: list };
  }

  private async prpsFor(situation: string, length: number): Promise<Prps> {
    const { image, imageList, unmapped } = ACCEPTANCE_PLAN;
    switch (situation) {
      case 'entry2Offset': {
        // PRP1 near the end of its page so the rest fits one more page; PRP2 (a page pointer) carries +0x10
        const first = Math.max(8, Math.ceil((length - PAGE) / 4) * 4);
        if (first >= length || first > PAGE - 4) {
          throw new NotRealisable(`a transfer of ${length} bytes cannot span exactly two pages with PRP1 dword aligned`);
        }
        return { prp1: image + BigInt(PAGE - first), prp2: image + BigInt(PAGE + 0x10) };
      }
      case 'listEntryOffset': {
        const pages = Math.ceil((length - 4) / PAGE);
        const list = Array.from({ length: pages }, (_, i) => image + BigInt((i + 1) * PAGE));
        list[0] += 0x10n; // the defect: a list entry with an offset
        await this.adapter.memWrite(imageList, entries(list));
        return { prp1: image + BigInt(PAGE - 4), prp2: imageList };
      }
      case 'unmapped':
        return { prp1: unmapped, prp2: length > PAGE ? unmapped + BigInt(PAGE) : 0n };
      default:
        return this.listPrps(image, imageList, length);
    }
  }

  // ---- observations ----

  /** Per VF: CC, CSTS and (where the PF executes LM) QUERY's size: what must not change unless the machine says so. */
  private async fingerprint(withQuery: boolean): Promise<string> {
    const parts: string[] = [];
    for (let vf = 1; vf <= this.options.vfs; vf++) {
      const cc = await this.adapter.regRead(vf, REG.CC, 4);
      const csts = await this.adapter.regRead(vf, REG.CSTS, 4);
      const size = withQuery ? `, QUERY ${await this.query(vf, 'a before/after comparison')} bytes` : '';
      parts.push(`VF ${vf}: CC ${hex(cc)}, CSTS ${hex(csts)}${size}`);
    }
    return parts.join('; ');
  }

  /** The VF runs: a Flush on its I/O queue completes at once; stopped: it stays latched until RESUME (D11). */
  private async checkRuns(what: string, vf: number, state: LmState): Promise<void> {
    const cid = this.nextCid();
    const raw = await this.tracker.submit(vf, 1, sqeFor.flush(cid, 1));
    const cqe = raw === null ? null : decodeCqe(raw);
    if (state === 'running') {
      if (cqe === null || !isSuccess(cqe)) throw new Mismatch(`${what}: VF ${vf} runs afterwards, so a Flush on its I/O queue 1 completes (D5)`, 'Successful Completion', statusOf(cqe));
      return;
    }
    if (cqe !== null) throw new Mismatch(`${what}: VF ${vf} is ${state} afterwards, so a Flush on its I/O queue 1 stays latched (D11)`, 'no completion before RESUME', statusOf(cqe));
    await this.pfLm(`RESUME of VF ${vf} to release the latched Flush`, LM.RESUME, vf);
    const deadline = Date.now() + this.timeoutMs;
    let late: Cqe[] = [];
    do {
      late.push(...(await this.tracker.reap(vf)).map(decodeCqe));
      late = late.filter((x) => x.cid === cid && x.sqid === 1);
    } while (late.length === 0 && Date.now() < deadline);
    if (late.length !== 1 || !isSuccess(late[0])) {
      throw new Mismatch(`${what}: the Flush latched on VF ${vf}, after RESUME (D11: latched doorbells are fetched)`, 'one Successful Completion', late.map(statusOf).join(', ') || 'none');
    }
  }

  /** D8: QUERY's DW0 is exactly what a SAVE then writes. Measured format-free: two SAVEs over different fill patterns (D6). */
  private async checkQuerySize(what: string, vf: number, dw0: number): Promise<void> {
    const { measure, measureList } = ACCEPTANCE_PLAN;
    if (dw0 === 0 || dw0 > BUFFER_BYTES - PAGE) throw new Mismatch(`${what}: QUERY DW0 (D8)`, `1..${BUFFER_BYTES - PAGE} bytes`, `${dw0}`);
    const span = roundUp(dw0) + PAGE;
    await this.pfLm(`SUSPEND of VF ${vf} to measure a SAVE`, LM.SUSPEND, vf);
    const fills: Uint8Array[] = [];
    for (const fill of [0xa5, 0x5a]) {
      await this.adapter.memWrite(measure, new Uint8Array(span).fill(fill));
      await this.pfLm(`SAVE_DATA of VF ${vf} to measure its length`, LM.SAVE, vf, await this.listPrps(measure, measureList, dw0));
      fills.push(await this.adapter.memRead(measure, span));
    }
    let written = 0;
    for (let i = 0; i < span; i++) if (fills[0][i] === fills[1][i]) written = i + 1;
    if (written !== dw0) throw new Mismatch(`${what}: QUERY's DW0 against the bytes a SAVE then writes (D8)`, `${dw0} bytes`, `${written} bytes`);
  }

  /** executedSave: the image was written, and a second SAVE with nothing between writes the same bytes (D6). */
  private async checkSaveRepeats(what: string, vf: number, length: number): Promise<void> {
    const first = await this.adapter.memRead(ACCEPTANCE_PLAN.image, length);
    if (first.every((b) => b === 0)) throw new Mismatch(`${what}: the SAVE's data in host memory`, `${length} bytes of migration data`, 'all zero: nothing was written');
    const { measure, measureList } = ACCEPTANCE_PLAN;
    await this.adapter.memWrite(measure, new Uint8Array(roundUp(length)));
    await this.pfLm(`second SAVE_DATA of VF ${vf}`, LM.SAVE, vf, await this.listPrps(measure, measureList, length));
    const second = await this.adapter.memRead(measure, length);
    const at = first.findIndex((b, i) => b !== second[i]);
    if (at >= 0) throw new Mismatch(`${what}: two SAVEs with nothing between (D6)`, 'identical bytes', `they differ first at byte ${at} (${hex(first[at])} vs ${hex(second[at])})`);
  }

  /** Write a pattern to LBA 0 through VF 1's I/O queue 1 and read it back (so the erase check can fail). */
  private async writePattern(): Promise<void> {
    const page = new Uint8Array(PAGE).map((_, i) => (i * 7 + 1) & 0xff);
    await this.adapter.memWrite(ACCEPTANCE_PLAN.data, page);
    const w = await this.tracker.submit(1, 1, sqeFor.write(this.nextCid(), 1, 0n, 1, ACCEPTANCE_PLAN.data));
    if (w === null || !isSuccess(decodeCqe(w))) throw new Error(`bring-up: Write of LBA 0 through VF 1 failed with ${statusOf(w && decodeCqe(w))}`);
    const back = await this.readLba0('bring-up');
    if (!back.every((b, i) => b === page[i])) throw new Error('bring-up: LBA 0 read back differs from what was written; the namespace does not keep data');
  }

  private async readLba0(what: string): Promise<Uint8Array> {
    const at = ACCEPTANCE_PLAN.data + BigInt(PAGE);
    await this.adapter.memWrite(at, new Uint8Array(PAGE).fill(0xee));
    const r = await this.tracker.submit(1, 1, sqeFor.read(this.nextCid(), 1, 0n, 1, at));
    const cqe = r === null ? null : decodeCqe(r);
    if (cqe === null || !isSuccess(cqe)) throw new Mismatch(`${what}: Read of LBA 0 through VF 1`, 'Successful Completion', statusOf(cqe));
    return this.adapter.memRead(at, 512);
  }

  /** D17: the foreign profile's 0xC4 erases the namespace; every other command leaves the data as it was. */
  private async checkPattern(what: string, erased: boolean): Promise<void> {
    const back = await this.readLba0(what);
    const zero = back.every((b) => b === 0);
    const kept = back.every((b, i) => b === ((i * 7 + 1) & 0xff));
    if (erased && !zero) throw new Mismatch(`${what}: LBA 0 afterwards (D17: the namespace is erased)`, 'all zero', `first bytes ${toHex(back.subarray(0, 8))}`);
    if (!erased && !kept) throw new Mismatch(`${what}: LBA 0 afterwards (nothing may touch the namespace)`, 'the pattern written before', `first bytes ${toHex(back.subarray(0, 8))}`);
  }
}

/** PRP entries as little-endian 64-bit words. */
function entries(addrs: bigint[]): Uint8Array {
  const out = new Uint8Array(addrs.length * 8);
  const view = new DataView(out.buffer);
  addrs.forEach((a, i) => view.setBigUint64(i * 8, a, true));
  return out;
}

function queueOf(c: CommandToBuild): { fn: number; qid: number } {
  if (c.queue.kind === 'pfAdmin') return { fn: 0, qid: 0 };
  if (c.queue.kind === 'vfAdmin') return { fn: c.queue.vf, qid: 0 };
  return { fn: c.queue.vf, qid: c.queue.qid };
}

/** The command's 64 bytes: the LM layout, then FUSE/PSDT, NSID and the one reserved bit the path names. */
function buildSqe(c: CommandToBuild, cid: number, prps: Prps | undefined, size: number | undefined): Uint8Array {
  if (c.opcodeName === 'OTHER') return c.queue.kind === 'io' ? sqeFor.flush(cid, 1) : sqeFor.getNumberOfQueues(cid);
  const sqe = encodeLmCommand({ opcode: c.opcode, cid, vfIndex: c.vfIndex, fuse: c.fuse, psdt: c.psdt, prp1: prps?.prp1, prp2: prps?.prp2, size });
  // CDW1: on an I/O queue every command names namespace 1, so the opcode stays the command's only defect
  new DataView(sqe.buffer).setUint32(4, c.queue.kind === 'io' ? 1 : c.nsid, true);
  if (c.reservedBit) sqe[c.reservedBit.dword * 4 + (c.reservedBit.bit >> 3)] |= 1 << (c.reservedBit.bit & 7);
  return sqe;
}

function checkCompletion(what: string, c: CommandToBuild, cqe: Cqe | null): void {
  const out = c.expected;
  if (out.completion === 'none') {
    if (cqe !== null) throw new Mismatch(`${what} (${out.decision})`, 'no completion at all (vfQueuePolicy drop)', statusOf(cqe));
    return;
  }
  if (cqe === null) throw new Mismatch(what, out.completion === 'one' ? describeStatus(out) : 'one completion', 'no completion');
  if (out.completion === 'unspecified') return;
  if (cqe.sct !== out.sct || cqe.sc !== out.sc || cqe.dnr !== out.dnr) {
    throw new Mismatch(`${what} (${out.decision})`, describeStatus(out), describeStatus(cqe));
  }
}
