import { describe, expect, it } from 'vitest';
import { fullFeatureStep, nextState } from '../../src/host/vfio/nextState.ts';
import { FLAG_SETS, MIG_P2P, MIG_PRE_COPY, describeFlags, stateSupported, VFIO_STATES, type VfioState } from '../../src/host/vfio/states.ts';
import { expectedWalk, FULL, KERNEL_BLOCKED, KERNEL_DIRECT_ARCS, KERNEL_MULTI_ARC_WALKS, lines, USER_STATES } from './kernelWalks.ts';

function driverWalk(cur: VfioState, req: VfioState, flags: number): VfioState[] | 'EINVAL' {
  const out: VfioState[] = [];
  for (let at = cur; at !== req || out.length === 0; ) {
    const a = nextState(at, req, flags);
    if (!a.ok) return 'EINVAL';
    if (a.next === at) break;
    out.push(a.next);
    at = a.next;
    if (out.length > 8) throw new Error(`walk ${cur} -> ${req} does not end: ${out.join(' -> ')}`);
  }
  return out;
}

describe('VFIO next state (I8, L1)', () => {
  it('I8: the kernel comment covers every ordered pair of distinct states exactly once (42)', () => {
    expect(FULL.size).toBe(USER_STATES.length * (USER_STATES.length - 1));
    const all = [...lines(KERNEL_DIRECT_ARCS), ...lines(KERNEL_MULTI_ARC_WALKS), ...lines(KERNEL_BLOCKED)];
    expect(all.length).toBe(42);
  });

  it('I8: with every feature on, the first arc of each walk is the kernel table entry', () => {
    for (const cur of USER_STATES) {
      for (const req of USER_STATES) {
        const full = cur === req ? [cur] : FULL.get(`${cur}>${req}`)!;
        expect(fullFeatureStep(cur, req), `${cur} -> ${req}`).toBe(full === 'blocked' ? 'ERROR' : full[0]);
      }
    }
  });

  for (const flags of FLAG_SETS) {
    it(`I8: every (current, requested) with flags ${describeFlags(flags)} walks as the fixed kernel does`, () => {
      let checked = 0;
      for (const cur of VFIO_STATES) {
        for (const req of VFIO_STATES) {
          const expected = expectedWalk(cur, req, flags);
          const single = nextState(cur, req, flags);
          expect(single.ok ? (cur === req ? [] : [single.next]) : 'EINVAL', `next ${cur} -> ${req}`).toEqual(expected === 'EINVAL' ? 'EINVAL' : expected.slice(0, 1));
          expect(driverWalk(cur, req, flags), `walk ${cur} -> ${req}`).toEqual(expected);
          checked++;
        }
      }
      expect(checked).toBe(64);
    });
  }

  it('I8: without P2P the walk takes the direct RUNNING <-> STOP arcs, and without P2P PRE_COPY -> STOP_COPY is one arc', () => {
    expect(driverWalk('RUNNING', 'STOP', 1)).toEqual(['STOP']);
    expect(driverWalk('STOP', 'RUNNING', 1)).toEqual(['RUNNING']);
    expect(driverWalk('PRE_COPY', 'STOP_COPY', 1 | MIG_PRE_COPY)).toEqual(['STOP_COPY']);
    expect(driverWalk('RUNNING', 'STOP_COPY', 1 | MIG_P2P)).toEqual(['RUNNING_P2P', 'STOP', 'STOP_COPY']);
  });

  it('I8: STOP_COPY -> PRE_COPY and -> PRE_COPY_P2P are blocked (EINVAL), where the pre-2026 skip loop spun forever', () => {
    const all = 1 | MIG_P2P | MIG_PRE_COPY;
    expect(nextState('STOP_COPY', 'PRE_COPY', all)).toEqual({ ok: false, reason: 'blocked' });
    expect(nextState('STOP_COPY', 'PRE_COPY_P2P', all)).toEqual({ ok: false, reason: 'blocked' });
    expect(nextState('STOP_COPY', 'PRE_COPY', 1 | MIG_PRE_COPY)).toEqual({ ok: false, reason: 'blocked' });
    // The pre-fix loop, on the same step rules: ERROR is "unsupported" (its flag mask is ~0) and maps to itself.
    const preFix = (cur: VfioState, req: VfioState, flags: number): VfioState | 'spins' => {
      let next = fullFeatureStep(cur, req);
      for (let i = 0; !(next !== 'ERROR' && stateSupported(next, flags)); i++) {
        if (i === 100) return 'spins';
        next = fullFeatureStep(next, req);
      }
      return next;
    };
    expect(preFix('STOP_COPY', 'PRE_COPY', all)).toBe('spins');
  });

  it('I8: ERROR is neither a state one can be in nor ask for', () => {
    for (const flags of FLAG_SETS) {
      for (const s of USER_STATES) {
        expect(nextState('ERROR', s, flags)).toEqual({ ok: false, reason: 'unsupported-current' });
        if (stateSupported(s, flags)) expect(nextState(s, 'ERROR', flags)).toEqual({ ok: false, reason: 'unsupported-requested' });
      }
    }
  });

  it('L1: every walk, for every (current, requested, flags), ends within 4 arcs', () => {
    let longest = 0;
    for (const flags of FLAG_SETS) {
      for (const cur of VFIO_STATES) {
        for (const req of VFIO_STATES) {
          const w = driverWalk(cur, req, flags);
          if (w !== 'EINVAL') longest = Math.max(longest, w.length);
        }
      }
    }
    expect(longest).toBe(4); // RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
  });
});
