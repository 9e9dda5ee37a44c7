// `nvme-lm vfio`: Linux's VFIO migration next-state function as a table, for
// the fixed kernel (2026) or the pre-fix one, and the lassos where the pre-fix
// one never returns. This file parses the options; actions/vfio.ts (the model
// checker) loads when a command runs.
import { Option } from 'commander';
import type { Command } from 'commander';
import { VFIO_KERNELS } from '../../../machines/vfio/table.ts';
import type { VfioLassosOptions, VfioTableOptions } from '../actions/vfio.ts';

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
    .action(async (opts: VfioTableOptions) => {
      const { vfioTableOutput } = await import('../actions/vfio.ts');
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
    .action(async (opts: VfioLassosOptions) => {
      const { vfioLassosOutput } = await import('../actions/vfio.ts');
      console.log(vfioLassosOutput(opts));
    });
}
