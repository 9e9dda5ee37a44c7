// The kernel's next-state code and the driver walk as a machine, explored by
// the project's model checker (src/check): L1 holds for the fixed kernel, and
// the checker alone finds where the pre-fix kernel hangs.
import { describe, expect, it } from 'vitest';
import { vfioNextStateExplained, vfioWalk } from '../../../machines/vfio/nextState.ts';
import { preFixHangs } from '../../../machines/vfio/nextStatePreFix.ts';
import { VFIO_DISPLAY_ORDER, VFIO_FLAG_SETS, formatVfioFeatures, type VfioFlags, type VfioState } from '../../../machines/vfio/states.ts';
import { vfioTable } from '../../../machines/vfio/table.ts';
import { VFIO_PAIRS, vfioWalkContextOf, vfioWalkSpec, type VfioWalkContext } from '../../../machines/vfio/walkMachine.ts';
import { checkVfioCalls, checkedTable, hangOf } from '../../../src/check/vfioWalk.ts';
import type { StateGraph } from '../../../src/check/graph.ts';
import { check } from '../../../src/check/report.ts';

const sets = VFIO_FLAG_SETS.map((f) => [formatVfioFeatures(f), f] as const);

/** Follows the explored graph from idle through START(current, requested) and STEPs to where the walk returns. */
function runInGraph(graph: StateGraph, current: VfioState, requested: VfioState): { end: VfioWalkContext; steps: number } {
  const via = (s: number, match: (e: { type: string; current?: string; requested?: string }) => boolean): number[] =>
    graph.out[s].filter((t) => match(graph.events[graph.transitions[t].event] as { type: string }));
  const [start] = via(0, (e) => e.type === 'START' && e.current === current && e.requested === requested);
  let s = graph.transitions[start].to;
  let steps = 0;
  while (graph.snapshots[s].matches('walking')) {
    const outs = via(s, (e) => e.type === 'STEP');
    expect(outs, 'one STEP out of every walking state (the code is deterministic)').toHaveLength(1);
    s = graph.transitions[outs[0]].to;
    if (++steps > 100) throw new Error(`${current} -> ${requested} does not return within 100 STEPs`);
  }
  return { end: vfioWalkContextOf(graph.snapshots[s]), steps };
}

describe.each(sets)('features %s', (_name, flags) => {
  it('L1: the checker finds no lasso in the fixed kernel, for one call and for the driver walk, and nothing deadlocks', () => {
    for (const scope of ['call', 'walk'] as const) {
      const { report } = check(vfioWalkSpec(flags, 'fixed', { scope }));
      expect(report.liveness.map((l) => [l.id, l.holds])).toEqual([['L1', true]]);
      expect(report.deadlocks.count).toBe(0);
      expect(report.ok).toBe(true);
    }
  });

  it('I8: the fixed kernel as the checker explores it, one call per (current, requested), equals `nvme-lm vfio table` (the fixed function)', () => {
    const checked = checkVfioCalls(flags, 'fixed');
    expect(checked.calls).toHaveLength(64);
    expect(checked.calls.every((c) => c.lasso === undefined)).toBe(true);
    expect(checkedTable(checked)).toEqual(vfioTable(flags, 'fixed'));
  });

  it('L1: the pre-fix calls the checker finds hanging are exactly the fixed kernel\'s blocked-marker EINVALs; every other cell is the same', () => {
    const checked = checkVfioCalls(flags, 'pre-fix');
    for (const c of checked.calls) {
      const fixed = vfioNextStateExplained(c.current, c.requested, flags);
      if (fixed.kind === 'einval' && fixed.reason === 'blocked') expect(c.cell, `${c.current} -> ${c.requested}`).toBe('HANG');
      else expect(c.cell, `${c.current} -> ${c.requested}`).toBe(fixed.kind === 'next' ? fixed.next : 'EINVAL');
    }
  });

  it('L1: the checker\'s hanging calls and lassos agree with the machine-side skip-loop explorer (nextStatePreFix.ts)', () => {
    const checked = checkVfioCalls(flags, 'pre-fix');
    expect(checked.calls.filter((c) => c.cell === 'HANG').map(hangOf)).toEqual(preFixHangs(flags));
    expect(checkedTable(checked)).toEqual(vfioTable(flags, 'pre-fix'));
  });

  it('L1: every explored driver walk ends as vfioWalk does (reached or EINVAL, with the same number of arcs)', () => {
    const { graph } = check(vfioWalkSpec(flags, 'fixed'));
    for (const [current, requested] of VFIO_PAIRS) {
      const { end } = runInGraph(graph, current, requested);
      const walk = vfioWalk(current, requested, flags);
      expect(end.returned, `${current} -> ${requested}`).toBe(walk.outcome === 'reached' ? requested : 'EINVAL');
      expect(end.arcs, `${current} -> ${requested}`).toBe(walk.arcs.length);
    }
  });
});

function kOf(flags: VfioFlags): number {
  const { graph } = check(vfioWalkSpec(flags, 'fixed'));
  return Math.max(...graph.snapshots.filter((s) => s.matches('returned')).map((s) => vfioWalkContextOf(s).arcs));
}

describe('what the checker finds', () => {
  it('L1: pre-fix hangs: none with stop-copy or p2p; STOP_COPY -> PRE_COPY with pre-copy; also STOP_COPY -> PRE_COPY_P2P with both', () => {
    const found = VFIO_FLAG_SETS.map((f) =>
      checkVfioCalls(f, 'pre-fix').calls.filter((c) => c.cell === 'HANG').map((c) => `${c.current}->${c.requested}`),
    );
    expect(found).toEqual([[], [], ['STOP_COPY->PRE_COPY'], ['STOP_COPY->PRE_COPY', 'STOP_COPY->PRE_COPY_P2P']]);
  });

  it('L1: each pre-fix lasso is the lookup into ERROR, then ERROR -> ERROR forever', () => {
    const checked = checkVfioCalls(VFIO_FLAG_SETS[3], 'pre-fix');
    for (const c of checked.calls.filter((x) => x.cell === 'HANG')) {
      const lasso = c.lasso;
      expect(lasso?.stem.steps.map((s) => s.event)).toEqual([{ type: 'START', current: c.current, requested: c.requested }, { type: 'STEP' }]);
      expect(lasso?.cycle.map((s) => [s.event.type, (s.context as VfioWalkContext).next])).toEqual([['STEP', 'ERROR']]);
      expect(lasso?.closesExactly).toBe(true);
      expect(hangOf(c)).toEqual({ current: c.current, requested: c.requested, prefix: [], cycle: ['ERROR'] });
    }
  });

  it('L1: the pre-fix driver walks hang exactly where a single call hangs (no walk reaches a hanging call through an arc)', () => {
    for (const flags of VFIO_FLAG_SETS) {
      const calls = checkVfioCalls(flags, 'pre-fix').calls.filter((c) => c.cell === 'HANG').map((c) => `${c.current}->${c.requested}`);
      const walks = VFIO_PAIRS.filter(([c, r]) => !check(vfioWalkSpec(flags, 'pre-fix', { pairs: [[c, r]] })).report.liveness[0].holds).map(
        ([c, r]) => `${c}->${r}`,
      );
      expect(walks).toEqual(calls);
    }
  });

  it('L1: K read off the explored walks is 2, 3, 3, 4 (stop-copy, p2p, pre-copy, both), as vfioWalkBound computes', () => {
    expect(VFIO_FLAG_SETS.map(kOf)).toEqual([2, 3, 3, 4]);
  });

  it('L1: the spec offers all 64 START pairs and STEP; a pairs option narrows START to the pairs given', () => {
    const spec = vfioWalkSpec(VFIO_FLAG_SETS[0], 'fixed');
    expect(spec.events).toHaveLength(65);
    expect(spec.id).toBe('vfioWalk:stop-copy:fixed');
    expect(VFIO_PAIRS).toHaveLength(VFIO_DISPLAY_ORDER.length ** 2);
    const one = vfioWalkSpec(VFIO_FLAG_SETS[3], 'pre-fix', { scope: 'call', pairs: [['STOP_COPY', 'PRE_COPY']] });
    expect(one.events).toEqual([{ type: 'START', current: 'STOP_COPY', requested: 'PRE_COPY' }, { type: 'STEP' }]);
    expect(one.id).toBe('vfioWalk:p2p,pre-copy:pre-fix:call:STOP_COPY>PRE_COPY');
    expect(() => vfioWalkSpec(VFIO_FLAG_SETS[0], 'fixed', { pairs: [] })).toThrow(/at least one/);
  });
});
