// `nvme-lm vfio`: Linux's VFIO migration next-state function as a table, for
// the fixed kernel (2026) or the pre-fix one, and the lassos where the pre-fix
// one never returns. The pre-fix table and the lassos come from the model
// checker (src/check/vfioWalk.ts); this file parses the options and prints.
import { Option } from 'commander';
import type { Command } from 'commander';
import { formatPreFixHang, type PreFixHang } from '../../../machines/vfio/nextStatePreFix.ts';
import { formatVfioFeatures, parseVfioFeatures } from '../../../machines/vfio/states.ts';
import { VFIO_KERNELS, formatVfioTable, type VfioKernel } from '../../../machines/vfio/table.ts';
import { formatLasso } from '../../check/format.ts';
import type { Lasso } from '../../check/liveness.ts';
import { checkVfioCalls, hangOf, vfioTableFor, type CheckedCalls } from '../../check/vfioWalk.ts';

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

/** What `vfio table` prints. Throws (exit 2) on a bad feature list or option mix. */
export function vfioTableOutput(opts: VfioTableOptions): string {
  const flags = parseVfioFeatures(opts.features);
  if (opts.lassos && opts.kernel !== 'pre-fix') {
    throw new Error('--lassos shows where the pre-fix kernel hangs (the fixed one never does); add --kernel pre-fix');
  }
  const { table, checked } = vfioTableFor(flags, opts.kernel);
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
