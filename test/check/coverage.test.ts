import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { pathCoverage, reachableCoverage } from '../../src/check/coverage.ts';
import { explore } from '../../src/check/explore.ts';
import { mutexToy, vfToy } from './toys.ts';

function deadEdgeToy(): MachineSpec {
  const machine = setup({
    types: { events: {} as { type: 'GO' | 'BACK' | 'FLY' } },
    guards: { never: () => false },
  }).createMachine({
    id: 'dead',
    initial: 'a',
    states: {
      a: { on: { GO: [{ guard: 'never', target: 'c' }, { target: 'b' }] } },
      b: { on: { BACK: 'a' } },
      c: { on: { BACK: 'a' } },
      island: { on: { FLY: 'a' } },
    },
  });
  return { id: 'dead', description: 'edges no run takes', machine, events: [{ type: 'GO' }, { type: 'BACK' }, { type: 'FLY' }], invariants: [], liveness: [] };
}

describe('definition-edge coverage', () => {
  it('lists the edges no reachable transition takes (a guard that never holds, an unreachable state)', () => {
    const spec = deadEdgeToy();
    const cov = reachableCoverage(spec.machine, explore(spec));
    expect(cov.total).toBe(5);
    expect(cov.reachable).toEqual(['dead.a|GO|1', 'dead.b|BACK|0']);
    expect(cov.unreachable.map((e) => e.id)).toEqual(['dead.a|GO|0', 'dead.c|BACK|0', 'dead.island|FLY|0']);
  });

  it('every edge of a machine without dead parts is reachable', () => {
    for (const spec of [vfToy(), mutexToy(3)]) {
      expect(reachableCoverage(spec.machine, explore(spec)).unreachable).toEqual([]);
    }
  });

  it('counts the edges a set of executed paths took', () => {
    const spec = mutexToy(2);
    const cov = pathCoverage(spec.machine, [
      { steps: [{ edges: ['mutex.vf1.idle|REQ|0'] }, { edges: ['mutex.vf1.waiting|ENTER|0'] }] },
      { steps: [{ edges: ['mutex.vf1.idle|REQ|0'] }] },
    ]);
    expect(cov.total).toBe(6);
    expect(cov.covered).toBe(2);
    expect(cov.uncovered.map((e) => e.id)).toEqual([
      'mutex.vf1.critical|EXIT|0',
      'mutex.vf2.idle|REQ|0',
      'mutex.vf2.waiting|ENTER|0',
      'mutex.vf2.critical|EXIT|0',
    ]);
  });
});
