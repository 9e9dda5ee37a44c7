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
// the last byte flipped (checksum). Version and geometry need the format:
// they run where the suite has the target's SavedFormat (savedFormat.ts),
// and are NotRealisable elsewhere. A PRP list entry offset needs a transfer
// over LIST_THRESHOLD bytes: LOAD's size is the host's choice (CDW11), SAVE's
// is the device's migration data size, which may never get that large.
import type { EventObject } from 'xstate';
import {
  describePath,
  PF_ACCEPTANCE_OPTION_SETS,
  pfAcceptanceSpec,
  type AcceptanceEvent,
  type CommandToBuild,
  type LmState,
  type PfAcceptanceOptions,
} from '../../machines/pfAcceptance.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import { exploreShared } from '../../src/check/sharedExploration.ts';
import { pathToState, type StateGraph } from '../../src/check/graph.ts';
import { pathOf, type Path, type PathStep } from '../../src/paths/path.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import type { Implementation } from '../../src/paths/trie.ts';
import type { Adapter, Profile, ResetOptions } from '../../src/target/adapter.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { decodeCqe, type Cqe } from '../../src/wire/cqe.ts';
import { toHex } from '../../src/wire/hex.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { describeStatus } from '../../src/wire/status.ts';
import { checkPattern, checkQuerySize, checkRuns, checkSaveRepeats, fingerprint, writePattern } from './pfAcceptanceChecks.ts';
import { AcceptanceHost, hex, LIST_THRESHOLD, roundUp, statusOf, type Prps } from '../host/pfAcceptanceHost.ts';
import { ACCEPTANCE_PLAN, BUFFER_BYTES } from '../host/hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import type { FormatDefect, SavedFormat } from '../host/savedFormat.ts';
import { Mismatch, NotRealisable, type Suite } from '../engine/suite.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';
import { memoPaths } from '../engine/observe.ts';
import { sqeCid } from '../../src/target/ring.ts';
import { statusDifferences, type CommandInfo, type FieldDifference, type MismatchDetail } from '../engine/mismatchDetail.ts';

/** D17: profiles whose PF executes the five opcodes (reserved behaves as lm; no-lm and foreign do not). */
const EXECUTES_LM: Record<Profile, boolean> = { lm: true, reserved: true, 'no-lm': false, foreign: false, tp4159: false };

/** Why LOAD_BAD_VERSION and LOAD_BAD_GEOMETRY do not run on a target whose suites have no SavedFormat. */
export const NO_SAVED_FORMAT = 'no saved-data format descriptor for this target';

/** The D7 defects that need the device's saved-data format, by event. */
const FORMAT_BOUND: Record<FormatDefect, string> = {
  badVersion: 'LOAD with an unknown format version: the version must be written where the device keeps it, and the checksum re-sealed',
  badGeometry:
    'LOAD with data describing more I/O queues than the VF allows: the geometry must be written where the device keeps it, and the checksum re-sealed ' +
    '(a SAVE of a VF of the same target is always within its limits)',
};

/**
 * Events some targets cannot realise: LOAD_BAD_VERSION and LOAD_BAD_GEOMETRY
 * without a SavedFormat, PRP_LIST_ENTRY_OFFSET on SAVE where the migration data
 * never exceeds LIST_THRESHOLD bytes. Paths route around them (acceptancePaths),
 * so every other edge runs on every target; the same paths for every target.
 */
export const TARGET_BOUND_EVENTS: readonly string[] = ['LOAD_BAD_VERSION', 'LOAD_BAD_GEOMETRY', 'PRP_LIST_ENTRY_OFFSET'];

/** The largest LOAD the binding sends with a list entry offset: three pages, so PRP2 must point to a PRP list. */
export const LIST_LOAD_BYTES = 3 * PAGE;

export interface AcceptanceBindingOptions {
  /** how long to wait for a completion that may not come (default DEFAULT_TIMEOUT_MS); 0 whenever the target's reset says it is synchronous */
  timeoutMs?: number;
  /** the target's saved-data format (e.g. EMULATOR_SAVED_FORMAT); without it LOAD_BAD_VERSION and LOAD_BAD_GEOMETRY are NotRealisable */
  savedFormat?: SavedFormat;
}

/** The suite's paths, computed once per suite id. */
const pathsOf = (spec: MachineSpec): Path[] => memoPaths('acceptance', spec.id, () => acceptancePaths(exploreShared(spec)));

const notRealisable = (e: EventObject): boolean => TARGET_BOUND_EVENTS.includes(e.type);

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
  const timeoutMs = binding.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const savedFormat = binding.savedFormat;
  return {
    id: spec.id,
    profile: options.profile,
    reset,
    spec,
    requires: {},
    paths: () => pathsOf(spec),
    implementation: (adapter) => new AcceptanceBinding(adapter, options, reset, timeoutMs, savedFormat).implementation(),
  };
}

interface BindingSnapshot {
  host: ReturnType<AcceptanceHost['save']>;
  events: AcceptanceEvent[];
}


class AcceptanceBinding {
  private host: AcceptanceHost;
  private events: AcceptanceEvent[] = [];

  constructor(
    private readonly adapter: Adapter,
    private readonly options: PfAcceptanceOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
    private readonly savedFormat: SavedFormat | undefined,
  ) {
    this.host = new AcceptanceHost(adapter, timeoutMs);
  }

  implementation(): Implementation<DeviceSnapshot<BindingSnapshot>> {
    return {
      reset: () => this.reset(),
      step: (event, expected) => this.step(event, expected),
      ...deviceSnapshots(this.adapter, {
        save: (): BindingSnapshot => ({ host: this.host.save(), events: [...this.events] }),
        restore: (s: BindingSnapshot) => {
          this.host.restore(s.host);
          this.events = [...s.events];
        },
      }),
    };
  }

  /** Power-on, then the bring-up the machine assumes: PF enabled; every VF enabled with I/O queue pair 1. */
  private async reset(): Promise<void> {
    // a new device, nothing known, and how long to wait depends on what reset said
    this.host = new AcceptanceHost(this.adapter, completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs));
    this.events = [];
    await this.host.enable(0);
    // a path sends a queue here one command or none (each VF's, the PF's without LM), fewer than wrap it:
    // the bring-up runs each round once and a command past (the runner shares it among the paths)
    for (let vf = 1; vf <= this.options.vfs; vf++) {
      await this.host.enable(vf);
      await this.host.createIoPair(vf, 1);
      await this.host.lap(vf, 0, `reset: VF ${vf}'s admin queue`, 'checked');
      await this.host.lap(vf, 1, `reset: VF ${vf}'s I/O queue 1`, 'checked');
    }
    if (!EXECUTES_LM[this.options.profile]) await this.host.lap(0, 0, 'reset: the PF\'s admin queue', 'checked');
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
    const formatDefect = formatDefectOf(c);
    if (formatDefect && !this.savedFormat) {
      throw new NotRealisable(`${NO_SAVED_FORMAT}: ${FORMAT_BOUND[formatDefect]}; give the suite the target's SavedFormat (pfAcceptanceSuites({ savedFormat })) to run it`);
    }
    const vfs = this.options.vfs;
    const executes = EXECUTES_LM[this.options.profile];
    // the PF took the opcode as an LM command: the path reached the field checks
    const lmOnPf = c.queue.kind === 'pfAdmin' && this.has('FUSE_ZERO', 'FUSE_SET');
    const target = c.vfIndex >= 1 && c.vfIndex <= vfs ? c.vfIndex : 1;
    const transfers = c.opcodeName === 'SAVE' || c.opcodeName === 'LOAD';
    const watchNamespace = !executes; // VFs of these profiles never stop, so I/O checks the namespace before and after

    if (watchNamespace) await writePattern(this.host);
    if (transfers) await this.adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(BUFFER_BYTES));
    const listEntryOffset = lmOnPf && c.prp?.situation === 'listEntryOffset';
    if (listEntryOffset && c.opcodeName === 'SAVE') await this.growMigrationData(target);
    const imageLength = lmOnPf ? await this.host.establish(target, c.vfState, c.opcodeName === 'LOAD') : undefined;

    // data length: SAVE writes what QUERY says (D8); LOAD carries the image SAVE wrote
    let length = PAGE;
    if (c.opcodeName === 'SAVE' && lmOnPf) {
      length = await this.host.query(target, 'the SAVE\'s PRPs');
      await this.adapter.memWrite(ACCEPTANCE_PLAN.image, new Uint8Array(roundUp(length))); // so only this SAVE can fill it
    }
    if (c.opcodeName === 'LOAD' && imageLength !== undefined) length = imageLength;
    // LOAD with a list entry offset: the host chooses the size (CDW11); over LIST_THRESHOLD bytes the PRPs need a
    // list, walked before any data check (dataTransfer precedes loadData), so a size past the image is never read
    if (listEntryOffset && c.opcodeName === 'LOAD') length = Math.max(length, LIST_LOAD_BYTES);
    const size = c.opcodeName === 'LOAD' ? this.loadSize(c, length) : undefined;
    if (c.load && imageLength !== undefined) await this.host.corrupt(c.load.situation, imageLength, this.savedFormat);
    const prps = transfers ? await this.host.prpsFor(c.prp?.situation ?? 'valid', size === undefined ? length : Math.min(size, BUFFER_BYTES)) : undefined;

    const before = await fingerprint(this.host, vfs, executes);
    const { fn, qid } = queueOf(c);
    const sqe = buildSqe(c, this.host.nextCid(), prps, size);
    const raw = await this.host.tracker.submit(fn, qid, sqe);
    const cqe = raw === null ? null : decodeCqe(raw);
    const what = `${c.final} (${c.opcodeName} ${hex(c.opcode)} on function ${fn} SQ ${qid}, SQE ${toHex(sqe)})`;
    checkCompletion(what, c, cqe, { fn, qid, cid: sqeCid(sqe), sqe: toHex(sqe) }, raw);

    const after = await fingerprint(this.host, vfs, executes);
    if (after !== before) {
      throw new Mismatch(`${what}: every VF's registers and migration data size afterwards (I3; D6, D8 for SUSPEND/SAVE/LOAD of its own image)`, before, after);
    }
    const effect = c.expected.completion === 'one' ? c.expected.effect : { kind: 'none' as const };
    if (watchNamespace) await checkPattern(this.host, what, effect.kind === 'namespaceErased');
    if (c.final === 'executedSave') await checkSaveRepeats(this.host, what, c.vfIndex, length);
    const stateAfter: LmState = effect.kind === 'vfLmState' ? effect.to : lmOnPf ? c.vfState : 'running';
    await checkRuns(this.host, what, target, stateAfter);
    if (c.expected.completion === 'one' && c.expected.dw0 === 'migrationDataSize' && cqe !== null) {
      await checkQuerySize(this.host, what, c.vfIndex, cqe.dw0 >>> 0);
    }
  }

  /** SAVE with PRP_LIST_ENTRY_OFFSET needs migration data over LIST_THRESHOLD bytes: grow it with I/O queues (D8), or no SAVE on this target reads a PRP list. */
  private async growMigrationData(vf: number): Promise<void> {
    const { size, pairs } = await this.host.growMigrationData(vf);
    if (size <= LIST_THRESHOLD) {
      throw new NotRealisable(
        `SAVE with a PRP list entry offset: SAVE transfers exactly the migration data size (D8), and a PRP list is read only for more than ${LIST_THRESHOLD} bytes ` +
          `(PRP1 at page offset 0xFFC, 4 KiB pages, the smallest CC.MPS allows); VF ${vf}'s migration data is at most ${size} bytes ` +
          `(with ${pairs} I/O queue pairs, all it accepts), so no SAVE on this target reads a PRP list`,
      );
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
}

/** The format-bound D7 defect the command's LOAD data carries, if any. */
function formatDefectOf(c: CommandToBuild): FormatDefect | undefined {
  const situation = c.load?.situation;
  return situation === 'badVersion' || situation === 'badGeometry' ? situation : undefined;
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

function checkCompletion(what: string, c: CommandToBuild, cqe: Cqe | null, command: CommandInfo, raw: Uint8Array | null): void {
  const out = c.expected;
  const detail = (differences: FieldDifference[]): MismatchDetail => ({ differences, command, ...(raw ? { cqe: toHex(raw) } : {}), ...('decision' in out && out.decision ? { decision: out.decision } : {}) });
  if (out.completion === 'none') {
    if (cqe !== null) throw new Mismatch(`${what} (${out.decision})`, 'no completion at all (vfQueuePolicy drop)', statusOf(cqe), detail([{ field: 'completion', expected: 'none', observed: 'one' }]));
    return;
  }
  if (cqe === null) throw new Mismatch(what, out.completion === 'one' ? describeStatus(out) : 'one completion', 'no completion', detail([{ field: 'completion', expected: 'one', observed: 'none' }]));
  if (out.completion === 'unspecified') return;
  const differences = statusDifferences(out, cqe);
  if (differences.length > 0) throw new Mismatch(`${what} (${out.decision})`, describeStatus(out), describeStatus(cqe), detail(differences));
}
