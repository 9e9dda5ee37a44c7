import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import { pathOf, totalSteps } from '../../src/paths/path.ts';
import { shortestPaths } from '../../src/paths/shortest.ts';
import { simplePaths } from '../../src/paths/simple.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import { buildTrie, ReplayFailure, runPaths } from '../../src/paths/trie.ts';
import { mutexToy, vfToy } from '../check/toys.ts';
import { machineImplementation, pathByEvents } from './helpers.ts';

describe('prefix-sharing runner', () => {
  it('builds a trie that shares prefixes', () => {
    const g = explore(vfToy());
    const paths = simplePaths(g, { maxDepth: 4, prefixes: true });
    const root = buildTrie(paths);
    let nodes = 0;
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      nodes++;
      stack.push(...n.children);
    }
    // with every prefix listed, each path ends at its own node: one node per path, plus the root
    expect(nodes).toBe(paths.length + 1);
  });

  it('runs every path once, with snapshots: each trie edge stepped exactly once', async () => {
    const spec = mutexToy(3);
    const paths = simplePaths(explore(spec), { maxDepth: 5 });
    const impl = machineImplementation(spec, { snapshots: true });
    const { results, stats } = await runPaths(paths, impl);
    expect(results.every((r) => r.ok)).toBe(true);
    const prefixes = simplePaths(explore(spec), { maxDepth: 5, prefixes: true }).length;
    expect(stats.steps).toBe(prefixes); // trie nodes = distinct prefixes
    expect(stats.resets).toBe(1);
    expect(stats.steps).toBeLessThan(stats.naiveSteps);
    expect(stats.naiveSteps).toBe(totalSteps(paths));
  });

  it('without snapshots, resets and replays the prefix to each branching point', async () => {
    const spec = vfToy();
    const g = explore(spec);
    // ENABLE > SUSPEND > SAVE and ENABLE > SUSPEND > LOAD share 2 steps; ENABLE > RESET shares 1
    const paths = ['ENABLE > SUSPEND > SAVE', 'ENABLE > SUSPEND > LOAD', 'ENABLE > RESET'].map((n) => pathByEvents(g, n.split(' > ')));
    const impl = machineImplementation(spec, { snapshots: false });
    const { results, stats } = await runPaths(paths, impl);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(impl.log).toEqual(['reset', 'ENABLE', 'SUSPEND', 'SAVE', 'reset', 'ENABLE', 'SUSPEND', 'LOAD', 'reset', 'ENABLE', 'RESET']);
    expect(stats).toMatchObject({ steps: 8, naiveSteps: 8, resets: 3 });

    const snap = machineImplementation(spec, { snapshots: true });
    const withSnapshots = await runPaths(paths, snap);
    expect(snap.log).toEqual(['reset', 'ENABLE', 'snapshot', 'SUSPEND', 'snapshot', 'SAVE', 'restore', 'LOAD', 'restore', 'RESET']);
    expect(withSnapshots.stats).toMatchObject({ steps: 5, resets: 1, snapshots: 2, restores: 2 });
  });

  it('reports a failing step on exactly the paths through it; the others still run and pass', async () => {
    // the paths come from a spec where SAVE on a running VF succeeds; the implementation rejects it (I5/D5)
    const g = explore(vfToy({ saveWhileRunning: true }));
    const paths = transitionCover(g, { maxLength: 4 });
    const impl = machineImplementation(vfToy(), { snapshots: true });
    const { results } = await runPaths(paths, impl);
    for (const r of results) {
      const names = r.path.steps.map((s) => s.event.type);
      const states = r.path.steps.map((s) => s.snapshot.value);
      const firstBad = names.findIndex((n, i) => n === 'SAVE' && (i === 0 ? 'disabled' : states[i - 1]) === 'running');
      if (firstBad < 0) expect(r.ok).toBe(true);
      else {
        expect(r.ok).toBe(false);
        expect(r.failedStep).toBe(firstBad);
        expect(String(r.error)).toMatch(/after SAVE: implementation in .*running.*machine says .*saved/);
      }
    }
    expect(results.some((r) => !r.ok)).toBe(true);
    expect(results.some((r) => r.ok)).toBe(true);
  });

  it('with and without snapshots gives the same verdicts', async () => {
    const paths = simplePaths(explore(vfToy({ saveWhileRunning: true })), { maxDepth: 5 });
    const a = await runPaths(paths, machineImplementation(vfToy(), { snapshots: true }));
    const b = await runPaths(paths, machineImplementation(vfToy(), { snapshots: false }));
    expect(a.results.some((r) => !r.ok)).toBe(true);
    expect(a.results.map((r) => [r.ok, r.failedStep])).toEqual(b.results.map((r) => [r.ok, r.failedStep]));
    expect(a.stats.steps).toBeLessThanOrEqual(b.stats.steps);
  });

  it('stopWhen ends the run at the first failure: the paths played so far come back in order, with fewer steps', async () => {
    // reversed, the paths through the failing step come first
    const paths = simplePaths(explore(vfToy({ saveWhileRunning: true })), { maxDepth: 5 }).reverse();
    const full = await runPaths(paths, machineImplementation(vfToy(), { snapshots: true }));
    const stopped = await runPaths(paths, machineImplementation(vfToy(), { snapshots: true }), { stopWhen: (r) => !r.ok });
    expect(full.results.filter((r) => !r.ok).length).toBeGreaterThan(1);
    const played = stopped.results;
    expect(played.length).toBeLessThan(paths.length);
    expect(played.filter((r) => !r.ok).length).toBeGreaterThan(0);
    // every result played is the verdict the full run gives that path, in the order of `paths`
    const index = played.map((r) => paths.indexOf(r.path));
    expect(index).toEqual([...index].sort((a, b) => a - b));
    for (const r of played) expect([r.ok, r.failedStep]).toEqual([full.results[paths.indexOf(r.path)].ok, full.results[paths.indexOf(r.path)].failedStep]);
    expect(stopped.stats.steps).toBeLessThan(full.stats.steps);
    // nothing fails: the run is the full one
    const clean = await runPaths(paths, machineImplementation(vfToy({ saveWhileRunning: true }), { snapshots: true }), { stopWhen: (r) => !r.ok });
    expect(clean.results.map((r) => r.ok)).toEqual(paths.map(() => true));
  });

  it('an implementation with replay is handed each prefix to replay from reset in one call, and told where a replay will end (branching); a ReplayFailure fails the path at the step it names', async () => {
    const spec = vfToy();
    const g = explore(spec);
    const paths = ['ENABLE > SUSPEND > SAVE', 'ENABLE > SUSPEND > LOAD', 'ENABLE > RESET'].map((n) => pathByEvents(g, n.split(' > ')));
    const impl = machineImplementation(spec, { snapshots: false });
    impl.replay = async (steps) => {
      impl.log.push(`replay ${steps.map((s) => s.event.type).join(',')}`);
      await impl.reset();
      for (const s of steps) await impl.step(s.event, s);
    };
    impl.branching = () => void impl.log.push('branching');
    const { results, stats } = await runPaths(paths, impl);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    // the first reset is a replay of no step; each replay ends where the runner said a later path goes on (after ENABLE, after SUSPEND)
    expect(impl.log).toEqual(['replay ', 'reset', 'ENABLE', 'branching', 'SUSPEND', 'branching', 'SAVE', 'replay ENABLE,SUSPEND', 'reset', 'ENABLE', 'SUSPEND', 'LOAD', 'replay ENABLE', 'reset', 'ENABLE', 'RESET']);
    // counted as without replay: the replayed steps are steps, each replay a reset
    expect(stats).toMatchObject({ steps: 8, naiveSteps: 8, resets: 3 });

    const failing = machineImplementation(spec, { snapshots: false });
    failing.replay = async (steps) => {
      if (steps.length === 0) return failing.reset();
      throw new ReplayFailure(steps.length - 1, new Error('the target answered otherwise this time'));
    };
    const second = await runPaths(paths, failing);
    // the second path fails at its replayed SUSPEND (index 1); the third replays ENABLE alone and fails there (index 0)
    expect(second.results.map((r) => [r.ok, r.failedStep, r.error instanceof Error ? r.error.message : ''])).toEqual([
      [true, undefined, ''],
      [false, 1, 'the target answered otherwise this time'],
      [false, 0, 'the target answered otherwise this time'],
    ]);
  });

  it('a failing reset fails every path, reported at step -1', async () => {
    const spec = vfToy();
    const paths = shortestPaths(explore(spec)).slice(0, 3);
    const impl = machineImplementation(spec, { snapshots: false });
    impl.reset = async () => {
      throw new Error('device gone');
    };
    const { results } = await runPaths(paths, impl);
    expect(results.map((r) => [r.ok, r.failedStep])).toEqual([
      [false, -1],
      [false, -1],
      [false, -1],
    ]);
  });

  it('reports each result once through onResult, and an empty path passes after a reset', async () => {
    const spec = vfToy();
    const g = explore(spec);
    const paths = [pathOf(g, []), ...shortestPaths(g)];
    const seen: number[] = [];
    const { results } = await runPaths(paths, machineImplementation(spec, { snapshots: true }), { onResult: (_, done) => seen.push(done) });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(seen).toEqual(paths.map((_, i) => i + 1));
  });
});
