// Counterexample traces and liveness lassos as HTML tables: one row per
// event with the state after it, the same reading as the terminal formatter
// (src/check/format.ts) so a trace looks alike in both places.
import { canonicalJson } from '../../check/canonical.ts';
import { eventLabel } from '../../check/trace.ts';
import type { LassoJson, TraceJson, TraceStateJson, TraceStepJson } from './checkJson.ts';
import { esc } from './escape.ts';

/** `running`, or `vf1: running, vf2: suspended` (nested regions in parentheses), keys sorted. */
function formatStateValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? String(value);
  const record = value as Record<string, unknown>;
  return Object.keys(record)
    .sort()
    .map((k) => {
      const v = record[k];
      if (v === undefined) return k;
      return typeof v === 'string' ? `${k}: ${v}` : `${k}.(${formatStateValue(v)})`;
    })
    .join(', ');
}

function hasContext(s: TraceStateJson): boolean {
  const ctx = s.context;
  return ctx !== undefined && ctx !== null && !(typeof ctx === 'object' && Object.keys(ctx).length === 0);
}

function stateCells(s: TraceStateJson): string {
  const context = hasContext(s) ? `<code>${esc(canonicalJson(s.context))}</code>` : '';
  return `<td class="state">${esc(formatStateValue(s.value))}</td><td class="context">${context}</td>`;
}

function stepRow(step: TraceStepJson, n: number, cls = ''): string {
  const edges = step.edges && step.edges.length > 0 ? ` title="${esc(`edges: ${step.edges.join(', ')}`)}"` : '';
  const rowClass = cls ? ` class="${cls}"` : '';
  return `<tr${rowClass}><td class="n">${n}</td><td class="event"${edges}>${esc(eventLabel(step.event))}</td>${stateCells(step)}</tr>`;
}

const HEAD = '<thead><tr><th>#</th><th>event</th><th>state after</th><th>context</th></tr></thead>';

function rows(trace: TraceJson): string[] {
  return [
    `<tr><td class="n">0</td><td class="event initial">(initial)</td>${stateCells(trace.initial)}</tr>`,
    ...trace.steps.map((s, i) => stepRow(s, i + 1)),
  ];
}

/** A trace from the initial state; the last row is the offending step of a counterexample. */
export function traceHtml(trace: TraceJson): string {
  const body = rows(trace);
  // the offending step is the last one: mark it so the eye lands there
  if (trace.steps.length > 0) body[body.length - 1] = stepRow(trace.steps[trace.steps.length - 1], trace.steps.length, 'offending');
  return `<table class="trace">${HEAD}<tbody>${body.join('')}</tbody></table>`;
}

/** The stem, then either "stops here" or the cycle that repeats forever. */
export function lassoHtml(lasso: LassoJson): string {
  const body = rows(lasso.stem);
  if (lasso.stuck || lasso.cycle.length === 0) {
    body.push('<tr class="note"><td colspan="4">stops here: no transition leaves this state, and the obligation is still pending</td></tr>');
  } else {
    body.push('<tr class="note"><td colspan="4">then repeats forever:</td></tr>');
    const first = lasso.stem.steps.length + 1;
    body.push(...lasso.cycle.map((s, i) => stepRow(s, first + i, 'cycle')));
    if (lasso.closesExactly === false) {
      body.push('<tr class="note"><td colspan="4">(the cycle returns to a symmetric permutation of its first state)</td></tr>');
    }
  }
  return `<table class="trace lasso">${HEAD}<tbody>${body.join('')}</tbody></table>`;
}

/** Fields of a result this report does not know how to draw, shown as JSON rather than dropped. */
export function extraJson(value: unknown): string {
  return `<pre class="json">${esc(JSON.stringify(value, null, 2) ?? String(value))}</pre>`;
}
