// `nvme-lm vfio`: Linux's VFIO migration next-state function as a table, for
// the fixed kernel (2026) or the pre-fix one, and the lassos where the pre-fix
// one never returns. The pre-fix table and the lassos come from the model
// checker (src/check) exploring the kernel's code as a machine
// (machines/vfio/walkMachine.ts), one (current, requested) call at a time: the
// set of hanging calls is what the checker finds, not a list.
import { Option } from 'commander';
import type { Command } from 'commander';
import { formatPreFixHang, type PreFixHang } from '../../../machines/vfio/nextStatePreFix.ts';
import { VFIO_DISPLAY_ORDER, formatVfioFeatures, parseVfioFeatures, type VfioFlags, type VfioState } from '../../../machines/vfio/states.ts';
import { VFIO_KERNELS, formatVfioTable, vfioTable, type VfioCell, type VfioKernel, type VfioTable } from '../../../machines/vfio/table.ts';
import { VFIO_PAIRS, vfioWalkContextOf, vfioWalkSpec } from '../../../machines/vfio/walkMachine.ts';
import { formatLasso } from '../../check/format.ts';
import type { Lasso } from '../../check/liveness.ts';
import { check } from '../../check/report.ts';
import type { TraceState } from '../../check/trace.ts';

/** One call of vfio_mig_get_next_state as the checker saw it. */
export interface CheckedCall {
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

export interface VfioTableOptions {
  features: string;
  kernel: VfioKernel;
  json: boolean;
  lassos: boolean;
}

export interface VfioLassosOptions {
  features: string;
  json: boolean;
}

function lassosText(features: string, checked: CheckedCalls): string {
  const hanging = checked.calls.filter((c) => c.lasso !== undefined);
  const how = `model checker: ${checked.calls.length} calls, ${checked.states} states, ${checked.ms.toFixed(0)} ms`;
  if (hanging.length === 0) return `no hanging calls in the pre-fix kernel for features ${features}`;
  const parts = [`pre-fix kernel, features ${features}: ${hanging.length} call(s) never return (${how})`];
  for (const c of hanging) {
    parts.push('', formatPreFixHang(hangOf(c)), '  L1 lasso:', formatLasso(c.lasso as Lasso, '  '));
  }
  return parts.join('\n');
}

function tableFor(flags: VfioFlags, kernel: VfioKernel): { table: VfioTable; checked?: CheckedCalls } {
  if (kernel === 'fixed') return { table: vfioTable(flags, 'fixed') };
  const checked = checkVfioCalls(flags, 'pre-fix');
  return { table: checkedTable(checked), checked };
}

/** What `vfio table` prints. Throws (exit 2) on a bad feature list or option mix. */
export function vfioTableOutput(opts: VfioTableOptions): string {
  const flags = parseVfioFeatures(opts.features);
  if (opts.lassos && opts.kernel !== 'pre-fix') {
    throw new Error('--lassos shows where the pre-fix kernel hangs (the fixed one never does); add --kernel pre-fix');
  }
  const { table, checked } = tableFor(flags, opts.kernel);
  const features = formatVfioFeatures(flags);
  const hangs = (): PreFixHang[] => (checked?.calls ?? []).filter((c) => c.lasso !== undefined).map(hangOf);
  if (opts.json) return opts.lassos ? JSON.stringify({ table, lassos: hangs() }) : JSON.stringify(table);
  const title = `vfio_mig_get_next_state, ${opts.kernel} kernel, features ${features}`;
  const parts = [title, formatVfioTable(table)];
  if (opts.lassos && checked) parts.push('', lassosText(features, checked));
  return parts.join('\n');
}

/** What `vfio lassos` prints. */
export function vfioLassosOutput(opts: VfioLassosOptions): string {
  const flags = parseVfioFeatures(opts.features);
  const checked = checkVfioCalls(flags, 'pre-fix');
  if (opts.json) return JSON.stringify(checked.calls.filter((c) => c.lasso !== undefined).map(hangOf));
  return lassosText(formatVfioFeatures(flags), checked);
}

const featuresHelp = 'comma-separated optional features: p2p, pre-copy ("" = STOP_COPY only, which is always implied)';

export function registerVfio(program: Command): void {
  const vfio = program
    .command('vfio')
    .description("Linux VFIO migration: the kernel's next-state table for each feature set, and its pre-fix hangs");

  vfio
    .command('table')
    .description(
      'Print vfio_mig_get_next_state(current, requested) for every pair of states: the next state, EINVAL, ' +
        'or HANG (pre-fix kernel only, found by the model checker) where the call never returns',
    )
    .option('--features <list>', featuresHelp, '')
    .addOption(new Option('--kernel <kernel>', 'which kernel: fixed (2026 fix) or pre-fix').choices(VFIO_KERNELS).default('fixed'))
    .option('--json', 'print {"<CURRENT>":{"<REQUESTED>":"<NEXT>"|"EINVAL"|"HANG"}} (with --lassos: {"table":...,"lassos":[...]})', false)
    .option('--lassos', 'also list each hanging call as a lasso (needs --kernel pre-fix)', false)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ nvme-lm vfio table --features p2p,pre-copy\n' +
        '  $ nvme-lm vfio table --features pre-copy --kernel pre-fix --lassos\n' +
        '  $ nvme-lm vfio table --features p2p --json',
    )
    .action((opts: VfioTableOptions) => {
      console.log(vfioTableOutput(opts));
    });

  vfio
    .command('lassos')
    .description(
      'List every (current, requested) where the pre-fix kernel never returns, found by the model checker ' +
        '(liveness L1 on the kernel code as a machine): the lasso to the loop that never ends',
    )
    .option('--features <list>', featuresHelp, '')
    .option('--json', 'print [{"current","requested","prefix":[...],"cycle":[...]}] (the loop variable before and in the cycle)', false)
    .addHelpText('after', '\nExample:\n  $ nvme-lm vfio lassos --features p2p,pre-copy')
    .action((opts: VfioLassosOptions) => {
      console.log(vfioLassosOutput(opts));
    });
}
