// The whole next-state function for one flag set as a grid, for the CLI and
// for diffing against a real kernel: rows are the current state, columns the
// requested one, both in VFIO_DISPLAY_ORDER.
import { vfioNextState } from './nextState.ts';
import { vfioNextStatePreFix } from './nextStatePreFix.ts';
import { VFIO_DISPLAY_ORDER, type VfioFlags, type VfioState } from './states.ts';

export type VfioKernel = 'fixed' | 'pre-fix';
export const VFIO_KERNELS: readonly VfioKernel[] = ['fixed', 'pre-fix'];

/** A cell: the next state, EINVAL, or (pre-fix only) HANG where the call never returns. */
export type VfioCell = VfioState | 'EINVAL' | 'HANG';
export type VfioTable = Record<VfioState, Record<VfioState, VfioCell>>;

function vfioCell(current: VfioState, requested: VfioState, flags: VfioFlags, kernel: VfioKernel): VfioCell {
  if (kernel === 'fixed') return vfioNextState(current, requested, flags);
  const answer = vfioNextStatePreFix(current, requested, flags);
  return answer.kind === 'hangs' ? 'HANG' : answer.result;
}

export function vfioTable(flags: VfioFlags, kernel: VfioKernel): VfioTable {
  const rows = {} as VfioTable;
  for (const current of VFIO_DISPLAY_ORDER) {
    const row = {} as Record<VfioState, VfioCell>;
    for (const requested of VFIO_DISPLAY_ORDER) row[requested] = vfioCell(current, requested, flags, kernel);
    rows[current] = row;
  }
  return rows;
}

/** The table as aligned text: a header of requested states, one line per current state. */
export function formatVfioTable(table: VfioTable): string {
  const corner = 'current \\ requested';
  const first = Math.max(corner.length, ...VFIO_DISPLAY_ORDER.map((s) => s.length));
  const width = Math.max(...VFIO_DISPLAY_ORDER.map((s) => s.length), 'EINVAL'.length);
  const line = (head: string, cells: string[]): string =>
    [head.padEnd(first), ...cells.map((c) => c.padEnd(width))].join('  ').trimEnd();
  const lines = [line(corner, [...VFIO_DISPLAY_ORDER])];
  for (const current of VFIO_DISPLAY_ORDER) {
    lines.push(line(current, VFIO_DISPLAY_ORDER.map((r) => table[current][r])));
  }
  return lines.join('\n');
}
