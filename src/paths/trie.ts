// A prefix-sharing runner: paths go into a trie keyed by event, and the trie
// is walked depth-first so a shared prefix is executed once. To go back up to
// a branching point the runner restores a snapshot when the implementation
// can take one, else it resets and replays the prefix.
import type { EventObject } from 'xstate';
import { canonicalJson } from '../check/canonical.ts';
import type { Path, PathStep } from './path.ts';
import { totalSteps } from './path.ts';

/** What the runner drives: an implementation behind the machine's events. */
export interface Implementation<S = unknown> {
  /** back to the initial state */
  reset(): Promise<void>;
  /** cause `event`; throw if the implementation disagrees with `expected` (the machine's state after it) */
  step(event: EventObject, expected: PathStep): Promise<void>;
  snapshot?(): Promise<S>;
  restore?(snapshot: S): Promise<void>;
  /** Optional, with snapshot: the runner will not restore `snapshot` again (what holds it may be let go). */
  release?(snapshot: S): void;
  /**
   * Optional: reset, then play `steps` again, every one of which passed
   * before on this implementation since its last reset (the runner replays a
   * path's prefix this way when it restores no snapshot). Without it the
   * runner calls reset() and step() for each. A failure throws ReplayFailure
   * naming the step.
   */
  replay?(steps: readonly PathStep[]): Promise<void>;
  /**
   * Optional, with replay: a later path goes on from where the
   * implementation is now (after its reset or its last step), so a replay
   * will end here. Called where the runner would take a snapshot.
   */
  branching?(): void;
  /**
   * Optional: the implementation's own state (its drivers, books and the
   * machine state it steps alongside; not the target's), saved after a reset
   * or a step and put back once the target was brought to that point by
   * other means. models/engine/replayRecord.ts sends a prefix's recorded
   * requests to the target and, when every answer matches, puts this back
   * instead of playing the binding again.
   */
  hostState?: HostState;
}

/**
 * An implementation's own state, saved and put back (Implementation.hostState):
 * everything its later calls and judgements depend on, as for a snapshot. A
 * saved state is never changed by what follows.
 */
export interface HostState {
  save(): unknown;
  restore(saved: unknown): void;
}

/** What Implementation.replay throws: the error, and the index in the replayed steps of the step that met it (-1: the reset). */
export class ReplayFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super(`replayed step ${index + 1}: ${error instanceof Error ? error.message : String(error)}`);
    this.name = 'ReplayFailure';
  }
}

export interface PathResult {
  path: Path;
  ok: boolean;
  error?: unknown;
  /** index in path.steps of the step that failed; -1 when reset, snapshot or restore failed */
  failedStep?: number;
}

export interface RunStats {
  /** step() calls, replays included */
  steps: number;
  /** steps a naive runner takes: every path replayed from reset */
  naiveSteps: number;
  resets: number;
  snapshots: number;
  restores: number;
  ms: number;
}

interface RunOptions {
  /** restore snapshots at branching points (default: when the implementation has snapshot and restore) */
  useSnapshots?: boolean;
  onResult?(result: PathResult, done: number, total: number): void;
  /** stop once a result makes this true (a mutant's first catch); the paths not played then are left out of the results */
  stopWhen?(result: PathResult): boolean;
}

export interface TrieNode<S = unknown> {
  parent: TrieNode<S> | null;
  /** the step into this node; null at the root */
  step: PathStep | null;
  depth: number;
  children: TrieNode<S>[];
  /** indices of the paths that end here */
  ends: number[];
  snapshot?: { value: S };
  /** children not started yet (a snapshot is dropped once the last one starts) */
  waiting: number;
}

export function buildTrie<S = unknown>(paths: readonly Path[]): TrieNode<S> {
  const root: TrieNode<S> = { parent: null, step: null, depth: 0, children: [], ends: [], waiting: 0 };
  const index = new Map<TrieNode<S>, Map<string, TrieNode<S>>>();
  // paths made from one graph share its event objects: each is spelled once
  const spelled = new Map<EventObject, string>();
  const keyOf = (event: EventObject): string => {
    let key = spelled.get(event);
    if (key === undefined) spelled.set(event, (key = canonicalJson(event)));
    return key;
  };
  paths.forEach((path, p) => {
    let node = root;
    for (const step of path.steps) {
      let byEvent = index.get(node);
      if (!byEvent) index.set(node, (byEvent = new Map()));
      const key = keyOf(step.event);
      let child = byEvent.get(key);
      if (!child) {
        child = { parent: node, step, depth: node.depth + 1, children: [], ends: [], waiting: 0 };
        byEvent.set(key, child);
        node.children.push(child);
      }
      node = child;
    }
    node.ends.push(p);
  });
  return root;
}

/** Runs every path against `impl`, sharing prefixes. Results are in the order of `paths` (only those played when stopWhen stopped the run). */
export async function runPaths<S>(paths: readonly Path[], impl: Implementation<S>, options: RunOptions = {}): Promise<{ results: PathResult[]; stats: RunStats }> {
  const t0 = performance.now();
  const useSnapshots = (options.useSnapshots ?? true) && impl.snapshot !== undefined && impl.restore !== undefined;
  const root = buildTrie<S>(paths);
  const results: PathResult[] = paths.map((path) => ({ path, ok: false }));
  const stats: RunStats = { steps: 0, naiveSteps: totalSteps(paths), resets: 0, snapshots: 0, restores: 0, ms: 0 };
  let done = 0;
  const played = new Set<number>();
  let stopped = false;
  const finish = (p: number, r: Omit<PathResult, 'path'>): void => {
    // field by field, not { path, ...r }: on Node 20's V8 a spread into a literal costs microseconds (src/target/queueState.ts), once per path
    const result: PathResult = { path: paths[p], ok: r.ok };
    if ('error' in r) result.error = r.error;
    if ('failedStep' in r) result.failedStep = r.failedStep;
    results[p] = result;
    played.add(p);
    options.onResult?.(results[p], ++done, paths.length);
    if (options.stopWhen?.(results[p])) stopped = true;
  };

  let at: TrieNode<S> | null = null; // where the implementation is; null = unknown
  let attempting = -1; // path step index being executed, for failure reports
  const step = async (node: TrieNode<S>): Promise<void> => {
    const s = node.step as PathStep;
    attempting = node.depth - 1;
    stats.steps++;
    await impl.step(s.event, s);
    attempting = -1;
  };
  const reach = async (target: TrieNode<S>): Promise<void> => {
    if (at === target) return;
    const replay: TrieNode<S>[] = [];
    let from: TrieNode<S> | null = target;
    while (from !== null && from.parent !== null && !(useSnapshots && from.snapshot)) {
      replay.push(from);
      from = from.parent;
    }
    if (from !== null && useSnapshots && from.snapshot) {
      await (impl.restore as (s: S) => Promise<void>)(from.snapshot.value);
      stats.restores++;
    } else if (impl.replay !== undefined) {
      // from the root: the replayed steps are the path's steps 0..n-1, counted as if stepped one by one
      try {
        await impl.replay(replay.reverse().map((n) => n.step as PathStep));
      } catch (e) {
        if (!(e instanceof ReplayFailure)) throw e;
        if (e.index >= 0) stats.resets++;
        stats.steps += e.index + 1;
        attempting = e.index;
        throw e.error;
      }
      stats.resets++;
      stats.steps += replay.length;
      at = target;
      return;
    } else {
      await impl.reset();
      stats.resets++;
    }
    for (let i = replay.length - 1; i >= 0; i--) await step(replay[i]);
    at = target;
  };

  const failSubtree = (node: TrieNode<S>, error: unknown, failedStep: number): void => {
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as TrieNode<S>;
      for (const p of n.ends) finish(p, { ok: false, error, failedStep });
      stack.push(...n.children);
    }
  };

  /** `node`'s snapshot, once its last child has started */
  const drop = (node: TrieNode<S>): void => {
    const s = node.snapshot;
    if (s === undefined) return;
    delete node.snapshot;
    impl.release?.(s.value);
  };

  const prepareChildren = async (node: TrieNode<S>): Promise<void> => {
    node.waiting = node.children.length;
    if (node.children.length < 2) return;
    if (useSnapshots) {
      node.snapshot = { value: await (impl.snapshot as () => Promise<S>)() };
      stats.snapshots++;
    } else impl.branching?.();
  };

  const stack: TrieNode<S>[] = [];
  let reset = false;
  try {
    if (root.ends.length > 0 || root.children.length > 0) await reach(root); // at === null, so this resets
    reset = true;
    for (const p of root.ends) finish(p, { ok: true });
    await prepareChildren(root);
    for (let i = root.children.length - 1; i >= 0; i--) stack.push(root.children[i]);
  } catch (error) {
    if (reset) for (const c of root.children) failSubtree(c, error, -1);
    else failSubtree(root, error, -1);
  }
  while (stack.length > 0 && !stopped) {
    const node = stack.pop() as TrieNode<S>;
    const parent = node.parent as TrieNode<S>;
    const lastChild = --parent.waiting === 0;
    let stepped = false;
    try {
      await reach(parent);
      if (lastChild) drop(parent); // no later sibling needs it
      await step(node);
      stepped = true;
      at = node;
      for (const p of node.ends) finish(p, { ok: true });
      await prepareChildren(node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    } catch (error) {
      if (lastChild) drop(parent);
      // a failed snapshot fails what lies below this node, not the paths that already passed here
      if (stepped) for (const c of node.children) failSubtree(c, error, -1);
      else failSubtree(node, error, attempting);
      attempting = -1;
      at = null;
    }
  }
  stats.ms = performance.now() - t0;
  return { results: stopped ? results.filter((_, p) => played.has(p)) : results, stats };
}
