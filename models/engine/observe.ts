// Checks every binding makes, with readable expected/observed text: the own
// completion of a command against the machine's, CSTS.RDY, QUERY's size as a
// function of the I/O queue count (D8). And the suites' path generation.
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { machineStep } from '../../src/check/machineStep.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import { canonicalSnapshot, type PathStep } from '../../src/paths/path.ts';
import { exploreShared } from '../../src/check/sharedExploration.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import { branchCover } from '../../src/paths/branchCover.ts';
import type { Path } from '../../src/paths/path.ts';
import { describeStatus } from '../../src/wire/status.ts';
import { describePosted, postedDetail, type FunctionDriver, type Posted } from '../host/guest.ts';
import { Mismatch, type Requirements, type Suite } from './suite.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import type { Implementation } from '../../src/paths/trie.ts';
import { decisionNamedIn, statusDifferences } from './mismatchDetail.ts';

/** A completion as a machine predicts it (machines/ define their own status constants). */
export interface ExpectedStatus {
  status: string;
  sct: number;
  sc: number;
  dnr: boolean;
}

export const SUCCESS_STATUS: ExpectedStatus = { status: 'SUCCESS', sct: 0, sc: 0, dnr: false };

/**
 * The event's own command: `expected` 'none' means it must get no completion
 * now (`why` says why, for the message); else status, SCT and DNR must match.
 * (CID and SQ id match by construction: the tracker claims only the
 * completion of the command it submitted; any other lands in reap.)
 */
export function expectOwn(what: string, expected: ExpectedStatus | 'none', got: Posted | null, why = ''): void {
  if (expected === 'none') {
    if (got !== null) throw new Mismatch(what, `no completion${why ? ` (${why})` : ''}`, describePosted(got), { ...postedDetail(`${what} ${why}`, got), differences: [{ field: 'completion', expected: 'none', observed: 'one' }] });
    return;
  }
  if (got === null) {
    const decision = decisionNamedIn(what);
    throw new Mismatch(what, describeStatus(expected), 'no completion', { ...(decision ? { decision } : {}), differences: [{ field: 'completion', expected: 'one', observed: 'none' }] });
  }
  // the texts and the detail only for a mismatch: nearly every completion matches
  if (statusDifferences(expected, got).length > 0) throw new Mismatch(what, describeStatus(expected), describePosted(got), postedDetail(what, got, expected));
}

/** CSTS.RDY as expected and no fatal status (CFS). */
export async function checkRdy(what: string, d: FunctionDriver, rdy: boolean): Promise<void> {
  expectRdy(what, await d.csts(), rdy);
}

/** checkRdy on a CSTS value read already (with other reads, in one batch). */
export function expectRdy(what: string, csts: number, rdy: boolean): void {
  if ((csts & 1) !== (rdy ? 1 : 0) || (csts & 2) !== 0) {
    throw new Mismatch(`${what}: CSTS`, `RDY ${rdy ? 1 : 0}, CFS 0`, `0x${csts.toString(16)} (RDY ${csts & 1}, CFS ${(csts >> 1) & 1})`);
  }
}

/**
 * D8: QUERY's size depends only on the number of I/O queues, and grows with
 * it (one record per queue). Learned as the paths go; every answer must
 * agree with all earlier ones.
 */
export class SizeTable {
  private readonly sizes = new Map<number, number>();

  check(what: string, queues: number, size: number): void {
    const before = this.sizes.get(queues);
    if (before !== undefined && before !== size) {
      throw new Mismatch(`${what} with ${queues} I/O queue pair(s) (D8)`, `${before} bytes, as before with ${queues}`, `${size} bytes`);
    }
    for (const [q, s] of this.sizes) {
      if ((q < queues && s >= size) || (q > queues && s <= size)) {
        throw new Mismatch(`${what} with ${queues} I/O queue pair(s) (D8: one record per queue)`, `${q < queues ? 'more' : 'fewer'} than the ${s} bytes with ${q}`, `${size} bytes`);
      }
    }
    if (size <= 0) throw new Mismatch(`${what} (D8)`, 'a size above 0', `${size}`);
    this.sizes.set(queues, size);
  }
}

/** Paths longer than this are split (shorter paths name a failure more precisely; the runner shares prefixes). */
export const MAX_PATH_LENGTH = 20;

const pathCache = new Map<string, Path[]>();

/** A suite's paths of one kind, made once per suite id and kind (path generation is deterministic). */
export function memoPaths(kind: string, suiteId: string, make: () => Path[]): Path[] {
  const key = `${kind} ${suiteId}`;
  let paths = pathCache.get(key);
  if (paths === undefined) {
    paths = make();
    pathCache.set(key, paths);
  }
  return paths;
}

/** A transition cover of the spec explored without symmetry, memoised per suite id (deterministic). */
export function suitePaths(suiteId: string, spec: MachineSpec): Path[] {
  return memoPaths('cover', suiteId, () => transitionCover(exploreShared(spec), { maxLength: MAX_PATH_LENGTH }));
}

/** One path per reachable transition (branchCover) of the spec explored without symmetry, memoised per suite id. */
export function suiteBranchPaths(suiteId: string, spec: MachineSpec): Path[] {
  return memoPaths('branches', suiteId, () => branchCover(exploreShared(spec)));
}

/** The suite of one machine spec: its id the spec's, its profile the reset's, both path sets memoised. */
export function machineSuite(spec: MachineSpec, reset: ResetOptions, requires: Requirements, implementation: (adapter: Adapter) => Implementation): Suite {
  return {
    id: spec.id,
    profile: reset.profile,
    reset,
    spec,
    requires,
    paths: () => suitePaths(spec.id, spec),
    branchPaths: () => suiteBranchPaths(spec.id, spec),
    implementation,
  };
}

/**
 * The machine's state after `event`, stepped from the binding's own copy:
 * a path step carries its target state's snapshot, and the observation in it
 * may belong to another edge into that state. The target must agree.
 * Where the binding's copy is the very snapshot the explorer stepped from
 * (bindings start from machineInitial and keep what this returns), the
 * explorer's own result is the step: XState is deterministic, and the graph
 * led it to `expected.state`. Stepping XState again was a fifth of the check.
 * So is a copy the explorer made of the same state by another edge (the
 * `after` of the step before, which is not `from` when the graph first
 * reached that state by another edge): the explorer takes one key for one
 * state, and test/models/canonicalSnapshot.test.ts checks on every suite's
 * paths that XState steps such a copy to the same value, context and status
 * (the order XState keeps a parallel machine's active nodes in may differ;
 * nothing reads it). Not where the spec's key leaves out context
 * (`keyOmitsContext`: the graph then maps no copy, src/paths/path.ts).
 * Those copies were 28,165 XState steps of the lm and no-lm run.
 */
export function nextState(spec: Pick<MachineSpec, 'machine' | 'key'>, before: AnyMachineSnapshot, event: EventObject, expected: PathStep): AnyMachineSnapshot {
  const from = expected.from;
  if (expected.after !== undefined && from !== undefined && (from === before || canonicalSnapshot(before) === from)) return expected.after;
  const after = machineStep(spec.machine, before, event);
  const key = spec.key ?? ((s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context]));
  if (after === before || key(after) !== expected.state) {
    throw new Error(`the path step ${event.type} does not follow from the binding's machine state: it reaches ${after === before ? 'no edge' : key(after)}, the path says ${expected.state}`);
  }
  return after;
}
