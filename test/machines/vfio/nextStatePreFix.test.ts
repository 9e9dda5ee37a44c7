import { describe, expect, it } from 'vitest';
import { explore } from '../../../machines/vfio/lasso.ts';
import { vfioNextStateExplained } from '../../../machines/vfio/nextState.ts';
import { formatPreFixHang, preFixHangs, preFixStep, vfioNextStatePreFix } from '../../../machines/vfio/nextStatePreFix.ts';
import {
  VFIO_FLAG_SETS,
  VFIO_MIGRATION_P2P,
  VFIO_MIGRATION_PRE_COPY,
  VFIO_MIGRATION_STOP_COPY,
  formatVfioFeatures,
} from '../../../machines/vfio/states.ts';
import { ALL_PAIRS } from './uapiOracle.ts';

describe.each(VFIO_FLAG_SETS.map((f) => [formatVfioFeatures(f), f] as const))('features %s', (_name, flags) => {
  it('L1: the pre-fix kernel hangs exactly where the fixed one answers EINVAL from the blocked marker', () => {
    for (const [cur, req] of ALL_PAIRS) {
      const fixed = vfioNextStateExplained(cur, req, flags);
      const pre = vfioNextStatePreFix(cur, req, flags);
      const blocked = fixed.kind === 'einval' && fixed.reason === 'blocked';
      expect(pre.kind === 'hangs', `${cur} -> ${req}`).toBe(blocked);
    }
  });

  it('I8: everywhere else the pre-fix and fixed kernels give the same answer', () => {
    for (const [cur, req] of ALL_PAIRS) {
      const fixed = vfioNextStateExplained(cur, req, flags);
      const pre = vfioNextStatePreFix(cur, req, flags);
      if (pre.kind === 'hangs') continue;
      expect(pre.result, `${cur} -> ${req}`).toBe(fixed.kind === 'next' ? fixed.next : 'EINVAL');
    }
  });

  it('L1: each lasso is a real run of the skip loop: its values follow the step relation and the cycle closes', () => {
    for (const h of preFixHangs(flags)) {
      const values = [...h.prefix, ...h.cycle, h.cycle[0]];
      let p = preFixStep({ at: 'entry' }, h.current, h.requested, flags);
      for (const v of values) {
        expect(p).toEqual([{ at: 'loop', next: v }]);
        p = preFixStep(p[0], h.current, h.requested, flags);
      }
    }
  });
});

describe('the hanging calls found by exploration', () => {
  it('L1: stop-copy and p2p never hang; pre-copy hangs on STOP_COPY -> PRE_COPY; both hang on STOP_COPY -> PRE_COPY and -> PRE_COPY_P2P', () => {
    const found = VFIO_FLAG_SETS.map((f) => preFixHangs(f).map((h) => `${h.current}->${h.requested}`));
    expect(found).toEqual([[], [], ['STOP_COPY->PRE_COPY'], ['STOP_COPY->PRE_COPY', 'STOP_COPY->PRE_COPY_P2P']]);
  });

  it('L1: the lasso of STOP_COPY -> PRE_COPY is an empty prefix and ERROR forever', () => {
    const flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY;
    const [h] = preFixHangs(flags);
    expect(h).toEqual({ current: 'STOP_COPY', requested: 'PRE_COPY', prefix: [], cycle: ['ERROR'] });
    expect(formatPreFixHang(h)).toBe(
      'STOP_COPY -> PRE_COPY: loop values ERROR, ERROR, ... (prefix: none; cycle: ERROR forever)',
    );
  });
});

describe('explore (the lasso finder)', () => {
  const chain = (edges: Record<string, string[]>) => (s: string) => edges[s] ?? [];

  it('L1: finds a cycle behind a prefix, with the prefix and the cycle in order', () => {
    const run = explore('a', chain({ a: ['b'], b: ['c'], c: ['d'], d: ['b'] }), (s) => s);
    expect(run.lasso).toEqual({ prefix: ['a'], cycle: ['b', 'c', 'd'] });
  });

  it('L1: reports no lasso and the terminal states when every run ends', () => {
    const run = explore('a', chain({ a: ['b', 'c'], b: ['d'], c: ['d'] }), (s) => s);
    expect(run.lasso).toBeNull();
    expect(run.terminals).toEqual(['d']);
    expect(run.explored).toBe(4);
  });

  it('L1: a diamond (two paths to one state) is not mistaken for a cycle', () => {
    const run = explore('a', chain({ a: ['b', 'c'], b: ['d'], c: ['d'], d: ['e'] }), (s) => s);
    expect(run.lasso).toBeNull();
  });

  it('L1: a self-loop is a cycle of one state', () => {
    const run = explore('x', chain({ x: ['y'], y: ['y'] }), (s) => s);
    expect(run.lasso).toEqual({ prefix: ['x'], cycle: ['y'] });
  });
});
