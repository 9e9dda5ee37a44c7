// What `nvme-lm vfio table` and `vfio lassos` print: the pre-fix table and
// the lassos come from the model checker (src/check/vfioWalk.ts). Loaded by
// commands/vfio.ts only when a vfio command runs.
import { formatPreFixHang, type PreFixHang } from '../../../machines/vfio/nextStatePreFix.ts';
import { formatVfioFeatures, parseVfioFeatures } from '../../../machines/vfio/states.ts';
import { formatVfioTable, type VfioKernel } from '../../../machines/vfio/table.ts';
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

