// `nvme-lm vfio`: Linux's VFIO migration next-state function as a table, for
// the fixed kernel (2026) or the pre-fix one, and the lassos where the pre-fix
// one never returns.
import { Option } from 'commander';
import type { Command } from 'commander';
import { formatPreFixHang, preFixHangs, type PreFixHang } from '../../../machines/vfio/nextStatePreFix.ts';
import { formatVfioFeatures, parseVfioFeatures } from '../../../machines/vfio/states.ts';
import { VFIO_KERNELS, formatVfioTable, vfioTable, type VfioKernel } from '../../../machines/vfio/table.ts';

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

function lassosText(features: string, hangs: PreFixHang[]): string {
  if (hangs.length === 0) return `no hanging calls in the pre-fix kernel for features ${features}`;
  return [`pre-fix kernel, features ${features}: ${hangs.length} call(s) never return`, ...hangs.map(formatPreFixHang)].join('\n');
}

/** What `vfio table` prints. Throws (exit 2) on a bad feature list or option mix. */
export function vfioTableOutput(opts: VfioTableOptions): string {
  const flags = parseVfioFeatures(opts.features);
  if (opts.lassos && opts.kernel !== 'pre-fix') {
    throw new Error('--lassos shows where the pre-fix kernel hangs (the fixed one never does); add --kernel pre-fix');
  }
  const table = vfioTable(flags, opts.kernel);
  const features = formatVfioFeatures(flags);
  if (opts.json) {
    return opts.lassos ? JSON.stringify({ table, lassos: preFixHangs(flags) }) : JSON.stringify(table);
  }
  const title = `vfio_mig_get_next_state, ${opts.kernel} kernel, features ${features}`;
  const parts = [title, formatVfioTable(table)];
  if (opts.lassos) parts.push('', lassosText(features, preFixHangs(flags)));
  return parts.join('\n');
}

/** What `vfio lassos` prints. */
export function vfioLassosOutput(opts: VfioLassosOptions): string {
  const flags = parseVfioFeatures(opts.features);
  const hangs = preFixHangs(flags);
  return opts.json ? JSON.stringify(hangs) : lassosText(formatVfioFeatures(flags), hangs);
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
        'or HANG (pre-fix kernel only) where the call never returns',
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
      'List every (current, requested) where the pre-fix kernel never returns, found by exploring its skip loop: ' +
        'the loop values before the cycle, and the cycle',
    )
    .option('--features <list>', featuresHelp, '')
    .option('--json', 'print [{"current","requested","prefix":[...],"cycle":[...]}]', false)
    .addHelpText('after', '\nExample:\n  $ nvme-lm vfio lassos --features p2p,pre-copy')
    .action((opts: VfioLassosOptions) => {
      console.log(vfioLassosOutput(opts));
    });
}
