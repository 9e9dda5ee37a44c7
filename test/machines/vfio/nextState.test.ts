import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { vfioNextState, vfioNextStateExplained, vfioWalk, vfioWalkBound } from '../../../machines/vfio/nextState.ts';
import {
  VFIO_FLAG_SETS,
  VFIO_MIGRATION_P2P,
  VFIO_MIGRATION_PRE_COPY,
  VFIO_MIGRATION_STOP_COPY,
  VFIO_STATES,
  formatVfioFeatures,
  type VfioState,
} from '../../../machines/vfio/states.ts';
import { ALL_PAIRS, oracleArcs, oracleNextStep, oracleStates } from './uapiOracle.ts';

const ALL = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY;

describe.each(VFIO_FLAG_SETS.map((f) => [formatVfioFeatures(f), f] as const))('features %s', (_name, flags) => {
  it('I8: every (current, requested) agrees with the uAPI header: EINVAL exactly when refused, else the first arc of the one shortest admissible path', () => {
    for (const [cur, req] of ALL_PAIRS) {
      const got = vfioNextState(cur, req, flags);
      const want = oracleNextStep(cur, req, flags);
      const where = `${cur} -> ${req}`;
      if (want.kind === 'einval') expect(got, where).toBe('EINVAL');
      else if (want.kind === 'stay') expect(got, where).toBe(cur);
      else expect([...want.allowed], where).toEqual([got]); // the rules leave exactly one choice
    }
  });

  it('I8: every returned step is one single arc of the uAPI arc list for these features', () => {
    const arcs = oracleArcs(flags);
    for (const [cur, req] of ALL_PAIRS) {
      const got = vfioNextState(cur, req, flags);
      if (got === 'EINVAL' || got === cur) continue;
      expect(arcs.has(`${cur}->${got}`), `${cur} -> ${req} stepped to ${got}`).toBe(true);
    }
  });

  it('I8: requesting ERROR or a state the features lack gives EINVAL, from every state', () => {
    const states = oracleStates(flags);
    for (const cur of VFIO_STATES) {
      expect(vfioNextState(cur, 'ERROR', flags)).toBe('EINVAL');
      for (const req of VFIO_STATES.filter((s) => !states.has(s))) {
        expect(vfioNextState(cur, req, flags), `${cur} -> ${req}`).toBe('EINVAL');
      }
    }
  });

  it('I8: current == requested gives current for every state the device has (and EINVAL for ERROR)', () => {
    for (const s of oracleStates(flags)) expect(vfioNextState(s, s, flags)).toBe(s === 'ERROR' ? 'EINVAL' : s);
  });

  it('L1: every walk reaches the request or EINVAL, never repeating a state', () => {
    for (const [cur, req] of ALL_PAIRS) {
      const walk = vfioWalk(cur, req, flags);
      expect(walk.outcome, `${cur} -> ${req}: ${walk.arcs.join(' -> ')}`).not.toBe('cycle');
      if (walk.outcome === 'reached') expect(walk.arcs.at(-1) ?? cur).toBe(req);
    }
  });
});

describe('the bounded walk (L1)', () => {
  it('L1: K = 4 over all four flag sets (2, 3, 3, 4 for stop-copy, p2p, pre-copy, both)', () => {
    expect(VFIO_FLAG_SETS.map((f) => vfioWalkBound([f]).K)).toEqual([2, 3, 3, 4]);
    const bound = vfioWalkBound(VFIO_FLAG_SETS);
    expect(bound.K).toBe(4);
    expect(bound.worst.flags).toBe(ALL);
    expect(bound.worst.arcs).toHaveLength(4);
  });

  it('L1: a random request sequence from RUNNING walks at most K arcs per request and ends where the kernel says', () => {
    const K = vfioWalkBound(VFIO_FLAG_SETS).K;
    fc.assert(
      fc.property(fc.constantFrom(...VFIO_FLAG_SETS), fc.array(fc.constantFrom(...VFIO_STATES), { maxLength: 20 }), (flags, requests) => {
        let at: VfioState = 'RUNNING';
        for (const req of requests) {
          const walk = vfioWalk(at, req, flags);
          expect(walk.arcs.length).toBeLessThanOrEqual(K);
          expect(walk.outcome).not.toBe('cycle');
          if (walk.outcome === 'reached') at = req;
          else at = walk.arcs.at(-1) ?? at;
        }
      }),
    );
  });

  // The kernel's own comment above vfio_from_fsm_table lists every combination
  // transition it steps through when all optional features are supported.
  const KERNEL_COMMENT_PATHS = [
    'PRE_COPY -> PRE_COPY_P2P -> STOP_COPY',
    'PRE_COPY -> RUNNING -> RUNNING_P2P',
    'PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP',
    'PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING',
    'PRE_COPY_P2P -> RUNNING_P2P -> RUNNING',
    'PRE_COPY_P2P -> RUNNING_P2P -> STOP',
    'PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING',
    'RESUMING -> STOP -> RUNNING_P2P',
    'RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P',
    'RESUMING -> STOP -> RUNNING_P2P -> RUNNING',
    'RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY',
    'RESUMING -> STOP -> STOP_COPY',
    'RUNNING -> RUNNING_P2P -> PRE_COPY_P2P',
    'RUNNING -> RUNNING_P2P -> STOP',
    'RUNNING -> RUNNING_P2P -> STOP -> RESUMING',
    'RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY',
    'RUNNING_P2P -> RUNNING -> PRE_COPY',
    'RUNNING_P2P -> STOP -> RESUMING',
    'RUNNING_P2P -> STOP -> STOP_COPY',
    'STOP -> RUNNING_P2P -> PRE_COPY_P2P',
    'STOP -> RUNNING_P2P -> RUNNING',
    'STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY',
    'STOP_COPY -> STOP -> RESUMING',
    'STOP_COPY -> STOP -> RUNNING_P2P',
    'STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING',
  ];

  it('I8: with p2p,pre-copy the multi-arc walks are exactly the combination paths the kernel comment lists', () => {
    const walks: string[] = [];
    for (const [cur, req] of ALL_PAIRS) {
      const walk = vfioWalk(cur, req, ALL);
      if (walk.outcome === 'reached' && walk.arcs.length >= 2) walks.push([cur, ...walk.arcs].join(' -> '));
    }
    expect(walks.sort()).toEqual([...KERNEL_COMMENT_PATHS].sort());
  });
});

describe('EINVAL reasons', () => {
  it('I8: the blocked marker is met exactly for STOP_COPY -> PRE_COPY and STOP_COPY -> PRE_COPY_P2P where those states exist', () => {
    for (const flags of VFIO_FLAG_SETS) {
      const blocked = ALL_PAIRS.filter(([c, r]) => {
        const a = vfioNextStateExplained(c, r, flags);
        return a.kind === 'einval' && a.reason === 'blocked';
      }).map(([c, r]) => `${c}->${r}`);
      const states = oracleStates(flags);
      const want = ['STOP_COPY->PRE_COPY', 'STOP_COPY->PRE_COPY_P2P'].filter((p) => states.has(p.split('->')[1] as VfioState));
      expect(blocked, formatVfioFeatures(flags)).toEqual(want);
    }
  });

  it('I8: an unsupported current state is refused before anything else (the kernel WARNs there)', () => {
    expect(vfioNextStateExplained('RUNNING_P2P', 'STOP', VFIO_MIGRATION_STOP_COPY)).toEqual({
      kind: 'einval',
      reason: 'unsupported-current',
    });
    expect(vfioNextStateExplained('ERROR', 'RUNNING', ALL)).toEqual({ kind: 'einval', reason: 'unsupported-current' });
  });

  it('I8: without P2P the skip loop passes over RUNNING_P2P (RUNNING -> STOP is one arc)', () => {
    expect(vfioNextStateExplained('RUNNING', 'STOP', VFIO_MIGRATION_STOP_COPY)).toEqual({
      kind: 'next',
      next: 'STOP',
      skipped: ['RUNNING_P2P'],
    });
  });
});
