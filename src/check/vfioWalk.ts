// The VFIO driver walk under the model checker: Linux's
// vfio_mig_get_next_state explored as a machine (machines/vfio/walkMachine.ts),
// one (current, requested) call at a time, so the set of calls where the
// pre-fix kernel hangs is what the checker finds, not a list.
import type { PreFixHang } from '../../machines/vfio/nextStatePreFix.ts';
import { VFIO_DISPLAY_ORDER, VFIO_FLAG_SETS, formatVfioFeatures, type VfioFlags, type VfioState } from '../../machines/vfio/states.ts';
import { vfioTable, type VfioCell, type VfioKernel, type VfioTable } from '../../machines/vfio/table.ts';
import { VFIO_PAIRS, vfioWalkContextOf, vfioWalkSpec } from '../../machines/vfio/walkMachine.ts';
import type { PropertyResult } from './checkJson.ts';
import { pathToState } from './graph.ts';
import type { Lasso } from './liveness.ts';
import { PROPERTY_TEXT } from './propertyText.ts';
import { check } from './report.ts';
import { eventLabel, type TraceState } from './trace.ts';

/** One call of vfio_mig_get_next_state as the checker saw it. */
interface CheckedCall {
  current: VfioState;
  requested: VfioState;
  /** the answer in the one state where the call returned, or HANG when L1 fails */
  cell: VfioCell;
  /** L1's counterexample when the call never returns */
  lasso?: Lasso;
}

export interface CheckedCalls {
  flags: VfioFlags;
  kernel: VfioKernel;
  calls: CheckedCall[];
  /** states the checker explored over all 64 calls */
  states: number;
  ms: number;
}

/**
 * Model-checks every call (current, requested) of the kernel's function for
 * a device with `flags`: L1 on a spec whose idle offers only that pair (the
 * checker reports one lasso per property, so one pair per run lists them all).
 */
export function checkVfioCalls(flags: VfioFlags, kernel: VfioKernel): CheckedCalls {
  const t0 = performance.now();
  let states = 0;
  const calls = VFIO_PAIRS.map(([current, requested]): CheckedCall => {
    const { report, graph } = check(vfioWalkSpec(flags, kernel, { scope: 'call', pairs: [[current, requested]] }));
    states += report.states;
    const [l1] = report.liveness;
    if (!l1.holds) return { current, requested, cell: 'HANG', lasso: l1.lasso };
    // A deterministic call that ends ends in exactly one returned state.
    const answers = graph.snapshots.filter((s) => s.matches('returned')).map((s) => vfioWalkContextOf(s).returned);
    const [answer] = answers;
    if (answers.length !== 1 || answer === null) {
      throw new Error(`${report.id}: the call ended ${answers.length} ways; the walk machine is not deterministic`);
    }
    return { current, requested, cell: answer };
  });
  return { flags, kernel, calls, states, ms: performance.now() - t0 };
}

/** The checked calls as a table (rows current, columns requested, display order). */
export function checkedTable(checked: CheckedCalls): VfioTable {
  const rows = {} as VfioTable;
  for (const current of VFIO_DISPLAY_ORDER) rows[current] = {} as Record<VfioState, VfioCell>;
  for (const c of checked.calls) rows[c.current][c.requested] = c.cell;
  return rows;
}

/** The loop variable's values along a lasso: before the cycle, then the cycle (a call that hangs, in short). */
export function hangOf(call: CheckedCall): PreFixHang {
  if (call.lasso === undefined) throw new Error(`${call.current} -> ${call.requested} returns; only a HANG call has a lasso`);
  const loopValue = (s: TraceState): VfioState[] => {
    const next = (s.context as { next: VfioState | null }).next;
    return next === null ? [] : [next];
  };
  const stemStates = [call.lasso.stem.initial, ...call.lasso.stem.steps];
  return {
    current: call.current,
    requested: call.requested,
    // the stem's last state is the cycle's first: it belongs to the cycle
    prefix: stemStates.slice(0, -1).flatMap(loopValue),
    cycle: call.lasso.cycle.flatMap(loopValue),
  };
}

/** The table `vfio table` shows: the fixed kernel's function, or the pre-fix one's as the checker found it (with the checked calls). */
export function vfioTableFor(flags: VfioFlags, kernel: VfioKernel): { table: VfioTable; checked?: CheckedCalls } {
  if (kernel === 'fixed') return { table: vfioTable(flags, 'fixed') };
  const checked = checkVfioCalls(flags, 'pre-fix');
  return { table: checkedTable(checked), checked };
}

/**
 * L1 from the checker: explore the driver walk over Linux's fixed
 * vfio_mig_get_next_state (machines/vfio/walkMachine.ts) for all four flag
 * sets. L1 holds when no START leads into a loop that never ends; K is the
 * most arcs any explored walk took before it returned.
 */
export function vfioWalkL1(): PropertyResult {
  const t0 = performance.now();
  const machines: string[] = [];
  let worst: { K: number; walk: string } = { K: -1, walk: '' };
  for (const flags of VFIO_FLAG_SETS) {
    const spec = vfioWalkSpec(flags, 'fixed');
    const { report, graph } = check(spec);
    machines.push(spec.id);
    const [l1] = report.liveness;
    if (!l1.holds) {
      return {
        id: 'L1',
        description: PROPERTY_TEXT.L1,
        holds: false,
        machines,
        ms: performance.now() - t0,
        lasso: l1.lasso ? { machine: spec.id, ...l1.lasso } : undefined,
        detail: `a walk on ${spec.id} never returns (see the lasso)`,
      };
    }
    graph.snapshots.forEach((s, i) => {
      const arcs = vfioWalkContextOf(s).arcs;
      if (!s.matches('returned') || arcs <= worst.K) return;
      const start = graph.events[graph.transitions[pathToState(graph, i)[0]].event];
      worst = { K: arcs, walk: `${eventLabel(start)} with ${formatVfioFeatures(flags)}` };
    });
  }
  return {
    id: 'L1',
    description: PROPERTY_TEXT.L1,
    holds: true,
    machines,
    ms: performance.now() - t0,
    detail: `every walk reaches the requested state or EINVAL within K = ${worst.K} arcs (worst: ${worst.walk})`,
  };
}
