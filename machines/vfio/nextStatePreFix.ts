// vfio_mig_get_next_state() as it was BEFORE the 2026 fix, modelled as a
// transition system instead of a loop that would hang this process. The
// kernel's skip loop was
//     next = table[cur][new];
//     while ((state_flags_table[next] & flags) != state_flags_table[next])
//         next = table[next][new];
// Its state is the loop variable `next`. ERROR's mask is ~0U (never
// supported) and table[ERROR][*] is ERROR, so once `next` is ERROR the loop
// steps ERROR -> ERROR forever. Which requests get there is not listed here:
// `preFixHangs` finds them by exploring the step relation (liveness L1).
//
// The project's model checker does the same on walkMachine.ts, and the CLI
// shows its answer (`nvme-lm vfio table --kernel pre-fix`, `vfio lassos`).
// This small explorer (lasso.ts) stays because machines/ may not import the
// checker (src/check): table.ts needs pre-fix cells on the spec side, and the
// tests check that both explorers find the same hangs.
import { FROM_FSM_TABLE, stateSupported } from './kernelTables.ts';
import { explore } from './lasso.ts';
import { VFIO_DISPLAY_ORDER, type VfioFlags, type VfioState } from './states.ts';

/** A point of the pre-fix function's execution. */
type PreFixPoint =
  | { at: 'entry' }
  /** at the `while` test, with the loop variable's value */
  | { at: 'loop'; next: VfioState }
  | { at: 'return'; result: VfioState | 'EINVAL' };

/** The step relation for one call (cur, requested, flags): the points that can follow `p` (none once it returns). */
export function preFixStep(p: PreFixPoint, cur: VfioState, requested: VfioState, flags: VfioFlags): PreFixPoint[] {
  switch (p.at) {
    case 'entry':
      // The two checks before the loop were the same as after the fix.
      if (!stateSupported(cur, flags) || !stateSupported(requested, flags)) return [{ at: 'return', result: 'EINVAL' }];
      return [{ at: 'loop', next: FROM_FSM_TABLE[cur][requested] }];
    case 'loop':
      if (!stateSupported(p.next, flags)) return [{ at: 'loop', next: FROM_FSM_TABLE[p.next][requested] }];
      return [{ at: 'return', result: p.next !== 'ERROR' ? p.next : 'EINVAL' }];
    case 'return':
      return [];
  }
}

function pointKey(p: PreFixPoint): string {
  return p.at === 'loop' ? `loop:${p.next}` : p.at === 'return' ? `return:${p.result}` : 'entry';
}

/** A call that never returns, as the loop variable's values: the values before the cycle, then the cycle. */
export interface PreFixHang {
  current: VfioState;
  requested: VfioState;
  /** loop values from the first one (table[current][requested]) up to the cycle */
  prefix: VfioState[];
  /** loop values repeated forever */
  cycle: VfioState[];
}

type PreFixAnswer = { kind: 'returns'; result: VfioState | 'EINVAL' } | ({ kind: 'hangs' } & PreFixHang);

/** Explore one call's state space: either it returns (with what), or it hangs (with the lasso). */
export function vfioNextStatePreFix(cur: VfioState, requested: VfioState, flags: VfioFlags): PreFixAnswer {
  const run = explore<PreFixPoint>({ at: 'entry' }, (p) => preFixStep(p, cur, requested, flags), pointKey);
  if (run.lasso !== null) {
    const loopValues = (ps: PreFixPoint[]): VfioState[] => ps.flatMap((p) => (p.at === 'loop' ? [p.next] : []));
    return {
      kind: 'hangs',
      current: cur,
      requested,
      prefix: loopValues(run.lasso.prefix),
      cycle: loopValues(run.lasso.cycle),
    };
  }
  // A deterministic system without a cycle ends in exactly one return point.
  const [end] = run.terminals;
  if (run.terminals.length !== 1 || end.at !== 'return') {
    throw new Error(`pre-fix model of ${cur} -> ${requested} ended ${run.terminals.length} ways; the step relation is wrong`);
  }
  return { kind: 'returns', result: end.result };
}

/** Every (current, requested) for which the pre-fix function never returns on a device with `flags`. */
export function preFixHangs(flags: VfioFlags): PreFixHang[] {
  const hangs: PreFixHang[] = [];
  for (const current of VFIO_DISPLAY_ORDER) {
    for (const requested of VFIO_DISPLAY_ORDER) {
      const answer = vfioNextStatePreFix(current, requested, flags);
      if (answer.kind === 'hangs') hangs.push({ current, requested, prefix: answer.prefix, cycle: answer.cycle });
    }
  }
  return hangs;
}

/** One line per lasso, e.g. `STOP_COPY -> PRE_COPY: loop values ERROR, ERROR, ... (prefix: none; cycle: ERROR)`. */
export function formatPreFixHang(h: PreFixHang): string {
  const shown = [...h.prefix, ...h.cycle, ...h.cycle].join(', ');
  const prefix = h.prefix.length === 0 ? 'none' : h.prefix.join(' -> ');
  return `${h.current} -> ${h.requested}: loop values ${shown}, ... (prefix: ${prefix}; cycle: ${h.cycle.join(' -> ')} forever)`;
}
