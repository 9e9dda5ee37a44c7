// Human text for check results: one event per line with the state after it.
import pc from 'picocolors';
import type { StateValue } from 'xstate';
import { canonicalJson } from './canonical.ts';
import type { Lasso } from './liveness.ts';
import type { CheckReport } from './report.ts';
import { eventLabel } from './trace.ts';
import type { Trace, TraceState, TraceStep } from './trace.ts';

/** `running` or `vf1: running, vf2: suspended` (nested regions joined with a dot). */
export function formatValue(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.keys(value)
    .sort()
    .map((k) => {
      const v = value[k];
      if (v === undefined) return k;
      return typeof v === 'string' ? `${k}: ${v}` : `${k}.(${formatValue(v)})`;
    })
    .join(', ');
}

function stateText(s: TraceState): string {
  const ctx = s.context;
  const hasContext = ctx !== undefined && ctx !== null && !(typeof ctx === 'object' && Object.keys(ctx).length === 0);
  return hasContext ? `${formatValue(s.value)}  ${pc.dim(canonicalJson(ctx))}` : formatValue(s.value);
}

function stepLines(steps: TraceStep[], first: number, indent: string): string[] {
  const width = Math.max(8, ...steps.map((s) => eventLabel(s.event).length));
  return steps.map((s, i) => `${indent}${String(first + i).padStart(3)}. ${eventLabel(s.event).padEnd(width)}  -> ${stateText(s)}`);
}

export function formatTrace(trace: Trace, indent = '  '): string {
  return [`${indent}  0. ${pc.dim('(initial)')}  ${stateText(trace.initial)}`, ...stepLines(trace.steps, 1, indent)].join('\n');
}

export function formatLasso(lasso: Lasso, indent = '  '): string {
  const lines = [formatTrace(lasso.stem, indent)];
  if (lasso.stuck) {
    lines.push(`${indent}${pc.yellow('stops here: no transition leaves this state, and the obligation is still pending')}`);
  } else {
    lines.push(`${indent}${pc.yellow('then repeats forever:')}`);
    lines.push(...stepLines(lasso.cycle, lasso.stem.steps.length + 1, indent));
    if (!lasso.closesExactly) lines.push(`${indent}${pc.dim('(the cycle returns to a symmetric permutation of its first state)')}`);
  }
  return lines.join('\n');
}

export function formatReport(r: CheckReport): string {
  const ok = pc.green('ok');
  const bad = pc.red('FAILED');
  const lines = [
    `${pc.bold(r.id)}: ${r.states} states, ${r.transitions.reachable} transitions, depth ${r.depth}, ${r.ms.toFixed(0)} ms` +
      (r.symmetry ? ' (symmetry reduced)' : ''),
  ];
  for (const inv of r.invariants) {
    lines.push(`  ${inv.holds ? ok : bad} ${inv.id}: ${inv.description}`);
    if (inv.counterexample) {
      lines.push(`    ${inv.counterexample.message}`, `    shortest trace (${inv.counterexample.trace.steps.length} events):`);
      lines.push(formatTrace(inv.counterexample.trace, '    '));
    }
  }
  for (const l of r.liveness) {
    lines.push(`  ${l.holds ? ok : bad} ${l.id}: ${l.description} ${pc.dim(`(${l.ms.toFixed(0)} ms)`)}`);
    if (l.lasso) {
      lines.push(`    fairness: ${l.fairness}`, '    lasso:');
      lines.push(formatLasso(l.lasso, '    '));
    }
  }
  if (r.deadlocks.count > 0) {
    lines.push(`  ${bad} deadlocks: ${r.deadlocks.count} non-final states with no transition out`);
    r.deadlocks.examples.forEach((t) => lines.push(formatTrace(t, '    ')));
  }
  if (r.unreachable.length > 0) {
    lines.push(`  ${pc.yellow('unreachable definition edges')} (dead specification): ${r.unreachable.length}`);
    r.unreachable.forEach((id) => lines.push(`    ${id}`));
  }
  return lines.join('\n');
}
