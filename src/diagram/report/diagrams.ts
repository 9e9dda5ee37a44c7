// One section per checked machine: its SVG (from the existing renderer,
// coloured by the edge coverage in the check results) inlined into the page,
// with an HTML legend. The SVG is made fit for inlining: no XML prolog or
// DOCTYPE (they point at the network and are invalid inside HTML), and its
// element ids are prefixed so ten machines' `state:...` ids never collide.
import type { Coverage } from '../coverage.ts';
import { unknownEdgeIds } from '../coverage.ts';
import { COVERAGE_COLOURS } from '../dot.ts';
import { buildModel } from '../model.ts';
import type { CatalogEntry } from '../registry.ts';
import { renderSvg } from '../svg.ts';
import type { MachineResult } from './checkJson.ts';
import { esc } from './escape.ts';

/** The coverage a machine's check entry gives, or undefined when it has no coveredEdges. */
export function coverageOf(result: MachineResult): Coverage | undefined {
  if (!result.coveredEdges) return undefined;
  return {
    covered: new Set(result.coveredEdges),
    reachable: result.reachableEdges ? new Set(result.reachableEdges) : undefined,
  };
}

/** Graphviz SVG -> an `<svg>` element to put inside HTML. */
export function inlineSvg(svg: string, idPrefix: string, label: string): string {
  const body = svg
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!DOCTYPE[^>]*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    // namespace declarations are implied for <svg> in HTML; dropping them leaves no URL in the page
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/(\s)id="([^"]*)"/g, (_m, space: string, id: string) => `${space}id="${idPrefix}:${id}"`)
    .trim();
  if (!body.startsWith('<svg')) throw new Error(`the SVG renderer returned no <svg> element for ${label}; this is a bug in src/diagram/svg.ts`);
  return body.replace(/^<svg/, `<svg class="diagram-svg" role="img" aria-label="${esc(label)}"`);
}

function legendHtml(result: MachineResult, coverage: Coverage | undefined, counts: { covered: number; uncovered: number; unreachable: number } | undefined): string {
  if (!coverage || !counts) {
    return '<p class="legend">No coverage in the check results for this machine (no <code>coveredEdges</code>): edges are drawn uncoloured.</p>';
  }
  const swatch = (colour: string, dashed: boolean): string =>
    `<span class="swatch${dashed ? ' dashed' : ''}" style="border-color:${colour}"></span>`;
  const item = (cls: string, colour: string, text: string, dashed = false): string =>
    `<li class="${cls}">${swatch(colour, dashed)}<span style="color:${colour}">${esc(text)}</span></li>`;
  const items = [
    item('covered', COVERAGE_COLOURS.covered, `covered by a path test (${counts.covered})`),
    item('uncovered', COVERAGE_COLOURS.uncovered, `${coverage.reachable ? 'reachable, not covered' : 'not covered'} (${counts.uncovered})`),
  ];
  if (coverage.reachable) items.push(item('unreachable', COVERAGE_COLOURS.unreachable, `unreachable in this configuration (${counts.unreachable})`, true));
  return `<ul class="legend" aria-label="${esc(`coverage legend for ${result.id}`)}">${items.join('')}</ul>`;
}

/** A machine's section: heading, description, legend, warnings, diagram (or why there is none). */
export async function machineSection(result: MachineResult, entry: CatalogEntry | undefined, anchor: string): Promise<string> {
  const head = `<h3 id="${anchor}">${esc(result.id)}</h3>${result.description ? `<p class="description">${esc(result.description)}</p>` : ''}`;
  if (!entry) {
    return (
      `<section class="machine missing" data-machine="${esc(result.id)}">${head}` +
      `<p class="warning">No diagram: the machine catalog has no machine "${esc(result.id)}". ` +
      'The check results may come from another version of nvme-lm; rerun <code>nvme-lm check --json</code>.</p></section>'
    );
  }
  const coverage = coverageOf(result);
  const model = buildModel(entry.machine, { coverage, title: result.id });
  const warnings: string[] = [];
  if (coverage) {
    const unknown = unknownEdgeIds(coverage, new Set(model.edges.map((e) => e.id)));
    if (unknown.length > 0) {
      warnings.push(
        `<p class="warning">The check results name ${unknown.length} edge(s) this machine does not have (e.g. <code>${esc(unknown[0])}</code>): ` +
          'they may be stale; rerun <code>nvme-lm check --json</code>.</p>',
      );
    }
  }
  const svg = inlineSvg(await renderSvg(entry.machine, { coverage, title: result.id }), anchor, `state diagram of ${result.id}`);
  const zoom = `${anchor}-zoom`;
  return (
    `<section class="machine" data-machine="${esc(result.id)}">${head}${legendHtml(result, coverage, model.counts)}${warnings.join('')}` +
    // a CSS-only toggle between fit-to-width and actual size (the page runs no script)
    `<input type="checkbox" class="zoom" id="${zoom}"><label for="${zoom}">actual size</label>` +
    `<div class="diagram">${svg}</div></section>`
  );
}
