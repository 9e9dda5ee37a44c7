// What `nvme-lm check` does: run the check job (src/verify/check.ts) and print
// its table. Loaded by commands/check.ts only when the command runs.
import pc from 'picocolors';
import { checkEmulator } from '../../verify/check.ts';
import type { CheckResult } from '../../check/checkJson.ts';
import { formatTrace, formatLasso } from '../../check/format.ts';
import { startProgress } from '../progress.ts';

function colour(on: boolean): { ok: (s: string) => string; bad: (s: string) => string; dim: (s: string) => string } {
  return on ? { ok: pc.green, bad: pc.red, dim: pc.dim } : { ok: (s) => s, bad: (s) => s, dim: (s) => s };
}

export function formatCheck(r: CheckResult, useColour = false): string {
  const c = colour(useColour);
  const rows = r.machines.map((m) => [
    m.id,
    String(m.states),
    String(m.transitions.reachable),
    m.suites.length ? String(m.transitions.covered) : '-',
    `${m.edges.reachable}/${m.edges.definition}`,
    m.suites.length ? `${m.edges.covered}` : '-',
    m.otherConfiguration.length ? `${m.dead.length} (+${m.otherConfiguration.length} other config)` : String(m.dead.length),
  ]);
  const head = ['machine', 'states', 'transitions', 'covered', 'edges reach/def', 'edges covered', 'dead edges'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
  for (const p of [...r.invariants, ...r.liveness]) {
    out.push(`${p.holds ? c.ok('holds') : c.bad('FAILS')}  ${p.id.padEnd(3)}  ${p.description}  (${p.machines.length} machine${p.machines.length === 1 ? '' : 's'}${p.detail ? `; ${p.detail}` : ''})`);
    if (p.counterexample) out.push(`  counterexample on ${p.counterexample.machine}: ${p.counterexample.message}`, formatTrace(p.counterexample.trace, '    '));
    if (p.lasso) out.push(`  lasso on ${p.lasso.machine}:`, formatLasso(p.lasso, '    '));
  }
  const t = r.tests;
  out.push('', `generated paths: ${c.ok(`${t.passed} passed`)}, ${t.failed ? c.bad(`${t.failed} failed`) : '0 failed'}${t.notRealisable ? `, ${t.notRealisable} not realisable` : ''}; ${t.steps} steps run (${t.naiveSteps} without prefix sharing)`);
  // each path the emulator cannot play, and why (the same list --json has under suites[].notRealisable)
  for (const s of r.suites) for (const n of s.notRealisable) out.push(c.dim(`  not realisable in ${s.suite}: ${n.path}`), `    ${n.reason}`);
  for (const f of t.failures.slice(0, 20)) {
    out.push(c.bad(`  FAIL ${f.suite}: ${f.path}`), `    step ${f.step} ${f.event}: expected ${f.expected}`, `    observed ${f.observed}`);
  }
  if (t.failures.length > 20) out.push(`  ... and ${t.failures.length - 20} more (use --json for all)`);
  for (const m of r.machines.filter((x) => x.dead.length)) out.push(c.bad(`  dead specification in ${m.id}: ${m.dead.join(', ')}`));
  const uncovered = r.machines.filter((m) => m.suites.length > 0 && !m.fullyCovered);
  for (const m of uncovered) {
    out.push(c.bad(`  not fully covered: ${m.id} (${m.edges.covered}/${m.edges.reachable} edges, ${m.transitions.covered}/${m.transitions.reachable} transitions)`));
    for (const u of m.uncovered) out.push(`    ${u.edge}${u.notRealisable ? c.dim(` (not realisable: ${u.notRealisable})`) : ''}`);
  }
  out.push('', r.ok ? c.ok(`OK (${(r.ms / 1000).toFixed(1)} s)`) : c.bad(`FAILED (${(r.ms / 1000).toFixed(1)} s)`));
  return out.join('\n');
}

/** The check on the emulator, with the progress bar on a terminal unless `progress` is false (--json, or a caller that draws its own). */
export async function checkForCli(o: { suites?: boolean; maxStates?: number; progress?: boolean; label?: string } = {}): Promise<CheckResult> {
  const progress = await startProgress(o.label ?? 'check', o.progress !== false);
  try {
    return await checkEmulator({ suites: o.suites, maxStates: o.maxStates, onProgress: (what, done, total) => progress.update(what, done, total) });
  } finally {
    progress.stop();
  }
}
