// The printed form of a report: one row per entry (ours, the baseline, the
// ratio, the target), the scaling table, and the notes a reader needs.
import type { BenchReport, BenchResult } from './harness.ts';

/** 3 significant digits, with thousands separators for large numbers. */
function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 1) return x.toPrecision(3);
  if (abs === 0) return '0';
  return x.toPrecision(2);
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

function verdict(r: BenchResult): string {
  if (r.met === undefined) return '';
  return `${r.met ? 'met' : 'MISSED'}: ${r.target}`;
}

export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`machine: ${report.machine}${report.smoke ? '   (SMOKE run: tiny sizes, figures not meaningful)' : ''}`);
  const cores = Number(/(\d+) cores/.exec(report.machine)?.[1] ?? 0);
  const { start, end } = report.loadAverage;
  const busy = cores > 0 && Math.max(start, end) > cores ? ` (above the core count: other processes shared the cpus${report.clock === 'wall' ? ', wall times are inflated' : ''})` : '';
  lines.push(`load average (1 min): ${start} at start, ${end} at end${busy}`);
  lines.push(`clock: ${report.clock === 'cpu' ? "this process's CPU time (user + system): the work, whatever else runs" : 'wall time'}`);
  lines.push('');
  const rows = [['entry', 'ours', 'unit', 'baseline', 'ratio', 'target']];
  for (const r of report.results) {
    rows.push([r.name, formatNumber(r.value), r.unit, formatNumber(r.baseline.value), `${formatNumber(r.ratio)}x`, verdict(r)]);
  }
  lines.push(...pad(rows));
  const scaling = report.results.find((r) => r.name === 'explorer.scaling');
  const table = scaling?.details?.table as Record<string, number | null>[] | undefined;
  if (table) {
    lines.push('', 'explorer.scaling (system:n, seconds; getAdjacencyMap only where it finishes in the budget):');
    const t = [['VFs', 'states', 'transitions', 'ours s', 'symmetric states', 'symmetric s', 'getAdjacencyMap s']];
    for (const row of table) {
      const adj = row.adjacencyMapSeconds;
      t.push([
        String(row.vfs),
        formatNumber(row.states ?? 0),
        formatNumber(row.transitions ?? 0),
        formatNumber(row.seconds ?? 0),
        formatNumber(row.symmetryStates ?? 0),
        formatNumber(row.symmetrySeconds ?? 0),
        adj === null || adj === undefined ? '-' : formatNumber(adj),
      ]);
    }
    lines.push(...pad(t));
  }
  lines.push('', 'baselines and notes:');
  for (const r of report.results) lines.push(`- ${r.name}: vs ${r.baseline.name}.${r.note ? ` ${r.note}` : ''}`);
  return lines.join('\n');
}
