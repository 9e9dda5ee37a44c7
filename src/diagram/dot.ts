// Graphviz DOT for a machine. Compound and parallel states are clusters
// (parallel regions dashed); an edge to or from a compound state is drawn to
// the cluster's border through an invisible anchor node (compound=true,
// lhead/ltail). Labels: `EVENT [guard]`, then the NVMe status and decision of
// a rejection. With coverage: covered edges green, reachable but uncovered
// red, unreachable grey dashed. Every state and edge carries its id (`state:`,
// `edge:` + definition edge id) into the SVG so tools can find them.
import type { AnyStateMachine } from 'xstate';
import type { EdgeCoverage } from './coverage.ts';
import { COVERAGE_WORDS, nodeOutcomeText, nodeTitle, outcomeText, triggerText } from './labels.ts';
import { buildModel, isAncestorOrSelf, type DiagramEdge, type DiagramModel, type DiagramNode, type RenderOptions } from './model.ts';

export const COVERAGE_COLOURS: Record<EdgeCoverage, string> = {
  covered: '#2e7d32',
  uncovered: '#c62828',
  unreachable: '#9e9e9e',
  untracked: '#424242',
};

type Attrs = Record<string, string | number | undefined>;

/** A DOT double-quoted string. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function attrs(a: Attrs): string {
  const parts = Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => (k === 'label' && typeof v === 'string' && v.startsWith('<') ? `${k}=${v}` : `${k}=${typeof v === 'number' ? v : dotString(v)}`));
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

const anchorName = (n: DiagramNode): string => `@anchor:${n.id}`;
const initialName = (n: DiagramNode): string => `@initial:${n.id}`;
const clusterName = (n: DiagramNode): string => `cluster_${n.id}`;
const isCluster = (n: DiagramNode): boolean => n.children.length > 0;

function endpoint(n: DiagramNode): string {
  return isCluster(n) ? anchorName(n) : n.id;
}

function coverageAttrs(coverage: EdgeCoverage | undefined): Attrs {
  if (coverage === undefined) return {};
  const colour = COVERAGE_COLOURS[coverage];
  return {
    color: colour,
    fontcolor: colour,
    penwidth: coverage === 'covered' || coverage === 'uncovered' ? 2 : 1,
    style: coverage === 'unreachable' ? 'dashed' : undefined,
    class: coverage,
  };
}

const isLoop = (e: DiagramEdge): boolean => e.targets.length === 0 || (e.targets.length === 1 && e.targets[0] === e.source);

/** The colour of a merged loop: red if any part is uncovered, else green if any is covered, else grey. */
function loopCoverage(edges: DiagramEdge[]): EdgeCoverage | undefined {
  const kinds = new Set(edges.map((e) => e.coverage));
  if (kinds.has(undefined)) return undefined;
  for (const k of ['uncovered', 'covered', 'unreachable'] as const) if (kinds.has(k)) return k;
  return 'untracked';
}

class DotWriter {
  private readonly out: string[] = [];
  /**
   * Self-loops by state. Graphviz draws the labels of several loops on one
   * state on top of each other, so each state gets one loop whose label lists
   * every self-transition, one line each, in that edge's coverage colour.
   */
  private readonly loops = new Map<string, DiagramEdge[]>();

  constructor(private readonly model: DiagramModel) {
    for (const e of model.edges) if (isLoop(e)) this.loops.set(e.source, [...(this.loops.get(e.source) ?? []), e]);
  }

  private edgeLabel(e: DiagramEdge): string {
    const outcome = outcomeText(e);
    return outcome ? `${triggerText(e)}\n${outcome}` : triggerText(e);
  }

  private line(depth: number, text: string): void {
    this.out.push(`${'  '.repeat(depth)}${text}`);
  }

  private node(id: string): DiagramNode {
    const found = this.model.nodes.get(id);
    if (!found) throw new Error(`state ${id} is not in machine ${this.model.title}`);
    return found;
  }

  private state(n: DiagramNode, depth: number): void {
    if (!isCluster(n)) {
      const outcome = nodeOutcomeText(n);
      const label = outcome ? `${nodeTitle(n)}\n${outcome}` : nodeTitle(n);
      const shape: Attrs =
        n.kind === 'history' ? { shape: 'circle', label: n.history === 'deep' ? 'H*' : 'H' } : { label, peripheries: n.kind === 'final' ? 2 : undefined };
      this.line(depth, `${dotString(n.id)}${attrs({ id: `state:${n.id}`, tooltip: n.id, ...shape })};`);
      return;
    }
    const region = n.parent?.kind === 'parallel';
    const name = n.parent === undefined ? this.model.title : n.key;
    const label = n.kind === 'parallel' ? `${name} (parallel)` : name;
    this.line(depth, `subgraph ${dotString(clusterName(n))} {`);
    this.line(depth + 1, `graph${attrs({ id: `state:${n.id}`, label, tooltip: n.id, style: region ? 'dashed,rounded' : 'rounded' })};`);
    this.line(depth + 1, `${dotString(anchorName(n))}${attrs({ shape: 'point', style: 'invis', width: 0.01, height: 0.01, label: '' })};`);
    if (n.initial.length > 0) this.line(depth + 1, `${dotString(initialName(n))}${attrs({ shape: 'point', width: 0.12, label: '' })};`);
    for (const child of n.children) this.state(child, depth + 1);
    this.line(depth, '}');
  }

  private initialEdges(n: DiagramNode): void {
    for (const target of n.initial) {
      const t = this.node(target);
      this.line(1, `${dotString(initialName(n))} -> ${dotString(endpoint(t))}${attrs({ lhead: isCluster(t) ? clusterName(t) : undefined })};`);
    }
    n.children.forEach((c) => this.initialEdges(c));
  }

  private edge(e: DiagramEdge): void {
    const source = this.node(e.source);
    e.targets.forEach((targetId, i) => {
      const target = this.node(targetId);
      const ltail = isCluster(source) && !isAncestorOrSelf(this.model, source.id, target.id) ? clusterName(source) : undefined;
      const lhead = isCluster(target) && !isAncestorOrSelf(this.model, target.id, source.id) ? clusterName(target) : undefined;
      const coverage = e.coverage === undefined ? '' : `\n${COVERAGE_WORDS[e.coverage]}`;
      const a: Attrs = {
        id: e.targets.length > 1 ? `edge:${e.id}:${i}` : `edge:${e.id}`,
        label: this.edgeLabel(e),
        tooltip: `${e.id}${coverage}`,
        ltail,
        lhead,
        ...coverageAttrs(e.coverage),
      };
      this.line(1, `${dotString(endpoint(source))} -> ${dotString(endpoint(target))}${attrs(a)};`);
    });
  }

  /** One loop per state, its label a table with one line per self-transition. */
  private loop(sourceId: string, edges: DiagramEdge[]): void {
    const end = dotString(endpoint(this.node(sourceId)));
    const rows = edges.map((e) => {
      const outcome = outcomeText(e);
      const text = html(outcome ? `${triggerText(e)} / ${outcome}` : triggerText(e));
      const coloured = e.coverage === undefined ? text : `<font color="${COVERAGE_COLOURS[e.coverage]}">${text}</font>`;
      return `<tr><td align="left">${coloured}</td></tr>`;
    });
    const tooltip = edges.map((e) => (e.coverage === undefined ? e.id : `${e.id}: ${COVERAGE_WORDS[e.coverage]}`)).join('\n');
    const a: Attrs = {
      id: `loops:${sourceId}`,
      label: `<<table border="0" cellborder="0" cellspacing="0">${rows.join('')}</table>>`,
      tooltip,
      ...coverageAttrs(loopCoverage(edges)),
    };
    // the per-line colours carry the coverage; the loop's own fontcolor would only hide them
    delete a.fontcolor;
    this.line(1, `${end} -> ${end}${attrs(a)};`);
  }

  private legend(): void {
    const rows: string[] = [
      'edge: EVENT [guard], then the NVMe status (SC, DNR) and decision id',
      'self-transitions: one loop per state, one line each',
      'double border: final state',
    ];
    const c = this.model.counts;
    const coloured: string[] = [];
    if (c) {
      // words as well as colours, and ASCII only (Graphviz's WebAssembly build lacks metrics for other glyphs)
      coloured.push(`<font color="${COVERAGE_COLOURS.covered}">green: covered (${c.covered})</font>`);
      coloured.push(`<font color="${COVERAGE_COLOURS.uncovered}">red: ${c.reachabilityKnown ? 'reachable, not covered' : 'not covered'} (${c.uncovered})</font>`);
      if (c.reachabilityKnown) coloured.push(`<font color="${COVERAGE_COLOURS.unreachable}">grey dashed: unreachable (${c.unreachable})</font>`);
    }
    const cells = [...rows.map(html), ...coloured].map((r) => `<tr><td align="left">${r}</td></tr>`).join('');
    this.line(1, `subgraph "cluster_@legend" {`);
    this.line(2, `graph${attrs({ id: 'legend', label: 'Legend', style: 'rounded', color: '#bdbdbd' })};`);
    this.line(2, `"@legend"${attrs({ shape: 'plaintext', label: `<<table border="0" cellborder="0" cellspacing="1">${cells}</table>>` })};`);
    this.line(1, '}');
  }

  render(): string {
    this.line(0, `digraph ${dotString(this.model.title)} {`);
    this.line(1, `graph${attrs({ compound: 'true', rankdir: 'LR', fontname: 'Helvetica', fontsize: 11 })};`);
    this.line(1, `node${attrs({ shape: 'box', style: 'rounded', fontname: 'Helvetica', fontsize: 10 })};`);
    this.line(1, `edge${attrs({ fontname: 'Helvetica', fontsize: 9 })};`);
    this.state(this.model.root, 1);
    this.initialEdges(this.model.root);
    for (const e of this.model.edges) if (!isLoop(e)) this.edge(e);
    for (const [source, edges] of this.loops) this.loop(source, edges);
    this.legend();
    this.line(0, '}');
    return `${this.out.join('\n')}\n`;
  }
}

function modelToDot(model: DiagramModel): string {
  return new DotWriter(model).render();
}

export function renderDot(machine: AnyStateMachine, options: RenderOptions = {}): string {
  return modelToDot(buildModel(machine, options));
}
