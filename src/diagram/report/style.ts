// The report's only stylesheet, inlined in <style>: system fonts, no web
// fonts or images, so the page opens the same offline as online.
import { COVERAGE_COLOURS } from '../dot.ts';

export const REPORT_CSS = `
:root { --ok: ${COVERAGE_COLOURS.covered}; --bad: ${COVERAGE_COLOURS.uncovered}; --grey: ${COVERAGE_COLOURS.unreachable}; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 4px; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
nav ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.summary { border: 2px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.summary.pass { border-color: var(--ok); }
.summary.fail { border-color: var(--bad); }
.badge { display: inline-block; font-weight: 700; font-size: 16px; color: #fff; border-radius: 4px; padding: 2px 10px; margin-right: 8px; }
.pass .badge { background: var(--ok); }
.fail .badge { background: var(--bad); }
.partial .badge { background: var(--grey); }
.counts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 4px 16px; margin: 10px 0 0; padding: 0; list-style: none; }
.counts b { font-variant-numeric: tabular-nums; }
.reasons li { color: var(--bad); }
.notes li { color: #57606a; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.num.partial { color: var(--bad); }
td.id, td.machine { white-space: nowrap; }
td.verdict { font-weight: 700; white-space: nowrap; }
td.verdict.ok { color: var(--ok); }
td.verdict.bad { color: var(--bad); }
tr.bad > td { background: #fff5f5; }
td.unreachable ul { margin: 0; padding-left: 16px; }
td.unreachable.none { color: #57606a; }
td.expected pre { color: var(--ok); }
td.observed pre { color: var(--bad); }
table.trace { width: auto; margin: 4px 0 8px; font-size: 12px; background: #fff; }
table.trace td, table.trace th { padding: 2px 6px; }
table.trace td.n { text-align: right; color: #57606a; }
table.trace td.event { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap; }
table.trace td.initial { color: #57606a; }
table.trace td.context code { color: #57606a; word-break: break-all; }
table.trace tr.offending td { background: #ffebe9; }
table.trace tr.cycle td { background: #fff8c5; }
table.trace tr.note td { font-style: italic; color: #9a6700; background: #fff; }
.message { margin: 0 0 4px; font-weight: 600; }
.fairness { margin: 0 0 4px; color: #57606a; }
.warning { color: #9a6700; background: #fff8c5; border: 1px solid #d4a72c; border-radius: 4px; padding: 6px 10px; }
.description { margin: 0 0 6px; color: #57606a; }
ul.legend { list-style: none; padding: 0; margin: 4px 0 8px; display: flex; flex-wrap: wrap; gap: 4px 20px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 28px; height: 0; border-top: 3px solid; }
.swatch.dashed { border-top-style: dashed; border-top-width: 2px; }
p.legend { color: #57606a; }
.diagram { border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; background: #fff; }
.diagram svg { display: block; max-width: 100%; height: auto; }
input.zoom { margin: 0 4px 6px 0; }
input.zoom + label { color: #57606a; font-size: 12px; }
input.zoom:checked + label + .diagram { max-height: 85vh; }
input.zoom:checked + label + .diagram svg { max-width: none; }
section.machine.missing .warning { margin-top: 4px; }
footer { margin-top: 32px; color: #57606a; font-size: 12px; }
@media print { .diagram { overflow: visible; } input.zoom, input.zoom + label { display: none; } }
`;
