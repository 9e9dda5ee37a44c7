// The next single arc toward a requested VFIO state: this driver's own
// implementation of Linux's vfio_mig_get_next_state() (drivers/vfio/
// vfio_main.c) as fixed in 2026, where a walk that meets the blocked-arc
// marker ERROR answers -EINVAL instead of spinning (I8, L1).
//
// The kernel writes its choices as an 8x8 table. Here they are rules, which
// give the same answers (test/host/nextState.test.ts checks every
// (current, requested, flags) against paths taken from the kernel's comment):
//  - the non-copy states lie on a line STOP - RUNNING_P2P - RUNNING;
//  - PRE_COPY sits over RUNNING and PRE_COPY_P2P over RUNNING_P2P, STOP_COPY
//    and RESUMING hang off STOP;
//  - a walk first leaves pre-copy (unless it goes to the other pre-copy state
//    or on to STOP_COPY through PRE_COPY_P2P), then moves along the line to
//    the target's base, then steps out to the target;
//  - STOP_COPY -> PRE_COPY and STOP_COPY -> PRE_COPY_P2P are blocked.
import { stateSupported, VFIO_STATES, type VfioState } from './states.ts';

const LINE: readonly VfioState[] = ['STOP', 'RUNNING_P2P', 'RUNNING'];

/** The state on the line a target hangs off. */
function base(s: VfioState): VfioState {
  switch (s) {
    case 'PRE_COPY':
      return 'RUNNING';
    case 'PRE_COPY_P2P':
      return 'RUNNING_P2P';
    case 'STOP_COPY':
    case 'RESUMING':
      return 'STOP';
    default:
      return s;
  }
}

function isPreCopy(s: VfioState): boolean {
  return s === 'PRE_COPY' || s === 'PRE_COPY_P2P';
}

/**
 * The next arc when every optional state exists (the kernel's
 * vfio_from_fsm_table[cur][req]). ERROR means blocked.
 */
export function fullFeatureStep(cur: VfioState, req: VfioState): VfioState {
  if (cur === 'ERROR' || req === 'ERROR') return 'ERROR';
  if (cur === req) return cur;
  switch (cur) {
    case 'STOP_COPY':
      return isPreCopy(req) ? 'ERROR' : 'STOP';
    case 'RESUMING':
      return 'STOP';
    case 'PRE_COPY':
      return req === 'PRE_COPY_P2P' || req === 'STOP_COPY' ? 'PRE_COPY_P2P' : 'RUNNING';
    case 'PRE_COPY_P2P':
      return req === 'PRE_COPY' || req === 'STOP_COPY' ? req : 'RUNNING_P2P';
    default: {
      const target = base(req);
      if (cur === target) return req;
      const here = LINE.indexOf(cur);
      return LINE[here + Math.sign(LINE.indexOf(target) - here)];
    }
  }
}

export type NextStateAnswer =
  | { ok: true; next: VfioState }
  | {
      ok: false;
      /** unsupported-current / unsupported-requested: ERROR, or an optional state the flags lack; blocked: the walk met ERROR */
      reason: 'unsupported-current' | 'unsupported-requested' | 'blocked';
    };

/**
 * vfio_mig_get_next_state(cur, req) for a device with feature `flags`. Arcs
 * through states the device lacks are skipped: keep stepping from the
 * unsupported state toward the same request. The 2026 fix: stop at ERROR.
 */
export function nextState(cur: VfioState, req: VfioState, flags: number): NextStateAnswer {
  if (!stateSupported(cur, flags)) return { ok: false, reason: 'unsupported-current' };
  if (!stateSupported(req, flags)) return { ok: false, reason: 'unsupported-requested' };
  let next = fullFeatureStep(cur, req);
  for (let skips = 0; next !== 'ERROR' && !stateSupported(next, flags); skips++) {
    // The rules always make progress; a skip chain longer than the state count would be a bug here, not a loop to sit in (L1).
    if (skips >= VFIO_STATES.length) throw new Error(`skip loop from ${cur} toward ${req} does not end; fix fullFeatureStep`);
    next = fullFeatureStep(next, req);
  }
  return next === 'ERROR' ? { ok: false, reason: 'blocked' } : { ok: true, next };
}
