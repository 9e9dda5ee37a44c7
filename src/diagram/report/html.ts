// `nvme-lm report`: the check results as ONE self-contained HTML page. No
// script runs and nothing is fetched: CSS is inlined, diagrams are inline
// SVG, and a Content-Security-Policy forbids every network load, so the file
// can be mailed, archived by CI, or opened offline and still look the same.
import type { CatalogEntry } from '../registry.ts';
import { parseCheckJson, type CheckJson } from './checkJson.ts';
import { machineSection } from './diagrams.ts';
import { anchorId, esc } from './escape.ts';
import { REPORT_CSS } from './style.ts';
import { coverageTable, failuresTable, invariantsTable, livenessTable } from './tables.ts';
import { headline, testsRan, verdictOf, type Verdict } from './verdict.ts';

export interface ReportOptions {
  /** names the check results in error messages (a file name); default `check results` */
  source?: string;
  /** shown in the footer, e.g. an ISO time; left out when absent so output is reproducible */
  generatedAt?: string;
  /** called before each machine is drawn (the slow part: a layout per machine) */
  onDiagram?(done: number, total: number, id: string): void;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function summaryHtml(check: CheckJson, verdict: Verdict): string {
  const held = <T extends { holds: boolean }>(xs: T[]): string => `${xs.filter((x) => x.holds).length} / ${xs.length}`;
  const withEdges = check.machines.filter((m) => m.coveredEdges && m.reachableEdges);
  let edgeText = 'not measured';
  if (withEdges.length > 0) {
    let hit = 0;
    let total = 0;
    for (const m of withEdges) {
      const covered = new Set(m.coveredEdges);
      hit += (m.reachableEdges ?? []).filter((id) => covered.has(id)).length;
      total += (m.reachableEdges ?? []).length;
    }
    edgeText = `${hit} / ${total}`;
  }
  const ran = testsRan(check);
  const tests = ran && check.tests ? `${check.tests.passed} passed, ${check.tests.failed} failed` : 'not run';
  const head = headline(verdict, ran);
  const counts: Array<[string, string]> = [
    ['machines', String(check.machines.length)],
    ['states explored', String(check.machines.reduce((n, m) => n + m.states, 0))],
    ['reachable transitions', String(check.machines.reduce((n, m) => n + m.transitions.reachable, 0))],
    ['invariants holding', held(check.invariants)],
    ['liveness properties holding', held(check.liveness)],
    ['path tests', tests],
    ['edges covered / reachable', edgeText],
    ['unreachable edges', String(check.machines.reduce((n, m) => n + m.unreachable.length, 0))],
  ];
  const list = (cls: string, xs: string[]): string => (xs.length > 0 ? `<ul class="${cls}">${xs.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '');
  return (
    `<section id="summary" class="summary ${!verdict.pass ? 'fail' : ran ? 'pass' : 'partial'}">` +
    `<span class="badge">${head.badge}</span>` +
    `<span>${head.text}</span>` +
    list('reasons', verdict.reasons) +
    `<ul class="counts">${counts.map(([k, v]) => `<li>${esc(k)}: <b>${esc(v)}</b></li>`).join('')}</ul>` +
    list('notes', verdict.notes) +
    '</section>'
  );
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

/**
 * The whole page. `check` is validated against the check JSON schema first
 * (an Error names the offending field); `machines` is the catalog the
 * diagrams are drawn from, matched to the results by id.
 */
export async function renderReport(check: unknown, machines: CatalogEntry[], options: ReportOptions = {}): Promise<string> {
  const data = parseCheckJson(check, options.source ?? 'check results');
  const verdict = verdictOf(data);
  const byId = new Map(machines.map((m) => [m.id, m]));
  const anchors = new Map<string, string>();
  data.machines.forEach((m, i) => {
    if (!anchors.has(m.id)) anchors.set(m.id, anchorId(`machine-${i}`, m.id));
  });

  const diagrams: string[] = [];
  for (const [i, m] of data.machines.entries()) {
    options.onDiagram?.(i, data.machines.length, m.id);
    diagrams.push(await machineSection(m, byId.get(m.id), anchorId(`machine-${i}`, m.id)));
  }
  const checked = new Set(data.machines.map((m) => m.id));
  const unchecked = machines.filter((m) => !checked.has(m.id)).map((m) => m.id);
  const uncheckedNote = unchecked.length > 0 ? `<p class="notes">In the catalog but not in these check results: ${unchecked.map((id) => `<code>${esc(id)}</code>`).join(', ')}.</p>` : '';

  const failures = failuresTable(data.tests, anchors);
  const parts = [
    failures === undefined ? '' : section('failures', `Failing paths (${data.tests?.failures.length ?? 0})`, failures),
    section('invariants', 'Invariants', invariantsTable(data.invariants, anchors)),
    section('liveness', 'Liveness', livenessTable(data.liveness, anchors)),
    section('coverage', 'Coverage', coverageTable(data.machines, anchors)),
    section('diagrams', 'State diagrams', `${uncheckedNote}${diagrams.join('')}`),
  ];
  const nav = [
    ['summary', 'Summary'],
    ...(failures === undefined ? [] : [['failures', 'Failing paths']]),
    ['invariants', 'Invariants'],
    ['liveness', 'Liveness'],
    ['coverage', 'Coverage'],
    ['diagrams', 'Diagrams'],
  ]
    .map(([id, text]) => `<li><a href="#${id}">${text}</a></li>`)
    .join('');
  const generated = options.generatedAt ? ` on ${esc(options.generatedAt)}` : '';

  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>nvme-lm check report: ${headline(verdict, testsRan(data)).badge}</title><style>${REPORT_CSS}</style></head>\n<body>` +
    `<h1>nvme-lm check report</h1><nav><ul>${nav}</ul></nav>` +
    summaryHtml(data, verdict) +
    parts.join('\n') +
    `<footer>Written by <code>nvme-lm report</code>${generated}. Self-contained: no scripts, nothing loaded from the network.</footer>` +
    '</body></html>\n'
  );
}
