// Linux's vfio_mig_get_next_state() as fixed in 2026 ("vfio: prevent
// infinite loop in vfio_mig_get_next_state() on blocked arc"): the skip loop
// stops at the blocked-arc marker ERROR, so a blocked request answers
// -EINVAL instead of spinning (invariant I8). Plus the multi-arc walk a
// driver runs with it, and the bound on that walk (liveness L1).
import { FROM_FSM_TABLE, stateSupported } from './kernelTables.ts';
import { VFIO_STATES, type VfioFlags, type VfioState } from './states.ts';

/** Why the function answers -EINVAL. */
type EinvalReason =
  /** the current state is not one this device has (the kernel also WARNs): ERROR, or an optional state without its flag */
  | 'unsupported-current'
  /** the requested state is ERROR, or an optional state the device's flags do not include */
  | 'unsupported-requested'
  /** the walk met the blocked-arc marker ERROR (STOP_COPY -> PRE_COPY, STOP_COPY -> PRE_COPY_P2P) */
  | 'blocked';

export type NextStateAnswer =
  | { kind: 'next'; next: VfioState; /** unsupported states the skip loop passed over */ skipped: VfioState[] }
  | { kind: 'einval'; reason: EinvalReason };

/** The fixed function with the reason for each -EINVAL. */
export function vfioNextStateExplained(cur: VfioState, requested: VfioState, flags: VfioFlags): NextStateAnswer {
  if (!stateSupported(cur, flags)) return { kind: 'einval', reason: 'unsupported-current' };
  if (!stateSupported(requested, flags)) return { kind: 'einval', reason: 'unsupported-requested' };
  // Arcs through states this device lacks are skipped: follow the table from
  // the unsupported state toward the same request. The 2026 fix: stop at ERROR.
  const skipped: VfioState[] = [];
  let next = FROM_FSM_TABLE[cur][requested];
  while (next !== 'ERROR' && !stateSupported(next, flags)) {
    skipped.push(next);
    // A revisit would be a cycle among unsupported states: the table has none,
    // and the L1 test proves it; fail loudly rather than spin if it ever does.
    if (skipped.length > VFIO_STATES.length) {
      throw new Error(`skip loop from ${cur} toward ${requested} does not end (${skipped.join(' -> ')}); the table is wrong`);
    }
    next = FROM_FSM_TABLE[next][requested];
  }
  return next === 'ERROR' ? { kind: 'einval', reason: 'blocked' } : { kind: 'next', next, skipped };
}

/** vfio_mig_get_next_state(cur, requested) for a device with `flags`: the next single arc's end, or EINVAL. */
export function vfioNextState(cur: VfioState, requested: VfioState, flags: VfioFlags): VfioState | 'EINVAL' {
  const answer = vfioNextStateExplained(cur, requested, flags);
  return answer.kind === 'next' ? answer.next : 'EINVAL';
}

/** The driver's loop: call the function and take the arc until the request is reached or refused. */
interface VfioWalk {
  /** the states entered, one per arc, in order */
  arcs: VfioState[];
  /** reached: now in `requested`; EINVAL: refused after `arcs`; cycle: a state repeated (an L1 violation) */
  outcome: 'reached' | 'EINVAL' | 'cycle';
}

export function vfioWalk(cur: VfioState, requested: VfioState, flags: VfioFlags): VfioWalk {
  const arcs: VfioState[] = [];
  const seen = new Set<VfioState>([cur]);
  let at = cur;
  for (;;) {
    const next = vfioNextState(at, requested, flags);
    if (next === 'EINVAL') return { arcs, outcome: 'EINVAL' };
    if (next === at) return { arcs, outcome: 'reached' }; // only when at === requested
    arcs.push(next);
    if (seen.has(next)) return { arcs, outcome: 'cycle' };
    seen.add(next);
    at = next;
  }
}

interface WalkBound {
  /** the most arcs any walk takes before it reaches its request or is refused */
  K: number;
  /** a walk that takes K arcs */
  worst: { current: VfioState; requested: VfioState; flags: VfioFlags; arcs: VfioState[] };
}

/**
 * L1: every walk, over every (current, requested) of every flag set given,
 * ends (reached or EINVAL) within K arcs. Computes K; throws with the
 * counterexample if some walk repeats a state (then no bound exists).
 */
export function vfioWalkBound(flagSets: readonly VfioFlags[]): WalkBound {
  let bound: WalkBound | undefined;
  for (const flags of flagSets) {
    for (const current of VFIO_STATES) {
      for (const requested of VFIO_STATES) {
        const walk = vfioWalk(current, requested, flags);
        if (walk.outcome === 'cycle') {
          throw new Error(
            `L1 violated: the walk from ${current} toward ${requested} (flags ${flags}) repeats a state: ` +
              [current, ...walk.arcs].join(' -> '),
          );
        }
        if (bound === undefined || walk.arcs.length > bound.K) {
          bound = { K: walk.arcs.length, worst: { current, requested, flags, arcs: walk.arcs } };
        }
      }
    }
  }
  if (bound === undefined) throw new Error('vfioWalkBound needs at least one flag set');
  return bound;
}
