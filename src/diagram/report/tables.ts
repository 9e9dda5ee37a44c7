// The report's tables: invariants, liveness, coverage and failing paths.
// Every cell's text is escaped here; traces come from traceHtml.ts.
import type { CheckJson, MachineResult, PathFailure, PropertyResultJson } from './checkJson.ts';
import { esc } from './escape.ts';
import { extraJson, lassoHtml, traceHtml } from './traceHtml.ts';

/** Machine id -> the HTML id of its diagram section. */
type Anchors = ReadonlyMap<string, string>;

const verdictCell = (holds: boolean): string => (holds ? '<td class="verdict ok">holds</td>' : '<td class="verdict bad">VIOLATED</td>');

function link(id: string, anchors: Anchors): string {
  const anchor = anchors.get(id);
  return anchor ? `<a href="#${anchor}">${esc(id)}</a>` : esc(id);
}

/** The machine a result is about, or the machines a merged result was checked on. */
function machineLink(r: { machine?: string; machines?: string[] }, anchors: Anchors): string {
  if (r.machine !== undefined) return `<td class="machine">${link(r.machine, anchors)}</td>`;
  const ms = r.machines ?? [];
  if (ms.length === 0) return '<td class="machine">-</td>';
  if (ms.length === 1) return `<td class="machine">${link(ms[0], anchors)}</td>`;
  return `<td class="machine"><details><summary>${ms.length} machines</summary>${ms.map((m) => link(m, anchors)).join('<br>')}</details></td>`;
}

function empty(columns: number, text: string): string {
  return `<tr class="empty"><td colspan="${columns}">${esc(text)}</td></tr>`;
}

function invariantDetail(r: PropertyResultJson): string {
  const c = r.counterexample;
  if (!c) return r.holds ? '' : '<p>No counterexample in the check results.</p>';
  const message = c.message ? `<p class="message">${esc(c.message)}</p>` : '';
  if (!c.trace) return `${message}${extraJson(c)}`;
  return `${message}<p>shortest trace (${c.trace.steps.length} events):</p>${traceHtml(c.trace)}`;
}

export function invariantsTable(results: PropertyResultJson[], anchors: Anchors): string {
  const rows = results.map(
    (r) =>
      `<tr class="${r.holds ? 'ok' : 'bad'}">${machineLink(r, anchors)}<td class="id">${esc(r.id)}</td>` +
      `<td>${esc(r.description ?? '')}</td>${verdictCell(r.holds)}<td class="detail">${invariantDetail(r)}</td></tr>`,
  );
  return (
    '<table class="results invariants"><thead><tr><th>machine</th><th>invariant</th><th>description</th><th>verdict</th><th>counterexample</th></tr></thead>' +
    `<tbody>${rows.length > 0 ? rows.join('') : empty(5, 'no invariants in the check results')}</tbody></table>`
  );
}

function livenessDetail(r: PropertyResultJson): string {
  const fairness = r.fairness && !r.holds ? `<p class="fairness">fairness: ${esc(r.fairness)}</p>` : '';
  if (!r.lasso) return r.holds ? '' : `${fairness}<p>No lasso in the check results.</p>`;
  return `${fairness}<p>lasso (${r.lasso.stem.steps.length} events to the cycle, ${r.lasso.cycle.length} in it):</p>${lassoHtml(r.lasso)}`;
}

export function livenessTable(results: PropertyResultJson[], anchors: Anchors): string {
  const rows = results.map(
    (r) =>
      `<tr class="${r.holds ? 'ok' : 'bad'}">${machineLink(r, anchors)}<td class="id">${esc(r.id)}</td>` +
      `<td>${esc(r.description ?? '')}</td>${verdictCell(r.holds)}<td class="num">${r.ms === undefined ? '-' : esc(r.ms.toFixed(0))}</td>` +
      `<td class="detail">${livenessDetail(r)}</td></tr>`,
  );
  return (
    '<table class="results liveness"><thead><tr><th>machine</th><th>property</th><th>description</th><th>verdict</th><th>ms</th><th>lasso</th></tr></thead>' +
    `<tbody>${rows.length > 0 ? rows.join('') : empty(6, 'no liveness properties in the check results')}</tbody></table>`
  );
}

/** Covered of reachable definition edges, from the edge lists (when the results carry them). */
function edgeCoverageCell(m: MachineResult): string {
  if (!m.coveredEdges) return '<td class="num">-</td>';
  const covered = new Set(m.coveredEdges);
  if (!m.reachableEdges) return `<td class="num">${covered.size}</td>`;
  const hit = m.reachableEdges.filter((id) => covered.has(id)).length;
  const total = m.reachableEdges.length;
  const pct = total === 0 ? 100 : Math.floor((100 * hit) / total);
  return `<td class="num${hit < total ? ' partial' : ''}">${hit} / ${total} (${pct}%)</td>`;
}

const SHOWN_UNREACHABLE = 6;

function unreachableCell(ids: string[]): string {
  if (ids.length === 0) return '<td class="unreachable none">none</td>';
  const list = (xs: string[]): string => `<ul>${xs.map((id) => `<li><code>${esc(id)}</code></li>`).join('')}</ul>`;
  if (ids.length <= SHOWN_UNREACHABLE) return `<td class="unreachable">${list(ids)}</td>`;
  return `<td class="unreachable"><details><summary>${ids.length} edges</summary>${list(ids)}</details></td>`;
}

export function coverageTable(machines: MachineResult[], anchors: Anchors): string {
  const rows = machines.map(
    (m) =>
      `<tr>${machineLink({ machine: m.id }, anchors)}<td class="num">${m.states}</td><td class="num">${m.transitions.reachable}</td>` +
      `<td class="num">${m.transitions.covered}</td>${edgeCoverageCell(m)}${unreachableCell(m.unreachable)}</tr>`,
  );
  return (
    '<table class="results coverage"><thead><tr><th>machine</th><th>states</th><th>reachable transitions</th><th>covered</th>' +
    '<th>edges covered / reachable</th><th>unreachable edges</th></tr></thead>' +
    `<tbody>${rows.length > 0 ? rows.join('') : empty(6, 'no machines in the check results')}</tbody></table>`
  );
}

function failureRow(f: PathFailure, anchors: Anchors): string {
  return (
    `<tr>${machineLink({ machine: f.machine }, anchors)}<td class="path"><code>${esc(f.path)}</code></td><td class="num">${f.step}</td>` +
    `<td class="expected"><pre>${esc(f.expected)}</pre></td><td class="observed"><pre>${esc(f.observed)}</pre></td></tr>`
  );
}

/** The failing path tests, or undefined when there are none (the section is then left out). */
export function failuresTable(tests: CheckJson['tests'], anchors: Anchors): string | undefined {
  if (!tests || (tests.failures.length === 0 && tests.failed === 0)) return undefined;
  if (tests.failures.length === 0) return `<p class="warning">${tests.failed} path test(s) failed, but the check results list no failing path.</p>`;
  return (
    '<table class="results failures"><thead><tr><th>machine</th><th>path</th><th>step</th><th>expected</th><th>observed</th></tr></thead>' +
    `<tbody>${tests.failures.map((f) => failureRow(f, anchors)).join('')}</tbody></table>`
  );
}
