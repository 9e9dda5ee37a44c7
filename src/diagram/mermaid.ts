// Mermaid `stateDiagram-v2` text that code forges render as is. The whole
// machine is one composite state (so transitions on the machine root have a
// place); compound states are composites, parallel regions are separated by
// `--`, `[*]` marks initial and final states. Coverage, when given, is shown
// as a suffix on edge labels (Mermaid state diagrams cannot colour edges).
import type { AnyStateMachine } from 'xstate';
import { COVERAGE_WORDS, edgeLabel, nodeOutcomeText, nodeTitle } from './labels.ts';
import { place, type Placement } from './mermaidPlace.ts';
import { ancestry, buildModel, relativePath, type DiagramEdge, type DiagramModel, type DiagramNode, type RenderOptions } from './model.ts';

const PLAIN_ID = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Words Mermaid's lexer takes as keywords when followed by a space, and
// `default`, which it takes as a keyword anywhere at the top level.
const KEYWORDS = new Set(['state', 'note', 'class', 'classdef', 'scale', 'hide', 'direction', 'end', 'as', 'acctitle', 'accdescr']);

/** Characters Mermaid's state grammar cuts or misreads inside a label or title. */
const UNSAFE = /[#;:"<>{}]/g;

/**
 * Text safe inside a Mermaid label: Mermaid decodes `#<decimal>;` entity codes
 * before parsing, and its grammar ends a label at `:`, `;` or a newline and
 * reads `#` as a comment. One pass, so the `;` of an inserted code stays.
 */
export function escapeMermaid(text: string): string {
  return text
    .replace(UNSAFE, (c) => `#${c.charCodeAt(0)};`)
    .replace(/\s+/g, ' ')
    .trim();
}

function usable(id: string): boolean {
  const lower = id.toLowerCase();
  return PLAIN_ID.test(id) && !KEYWORDS.has(lower) && !lower.startsWith('default');
}

/**
 * Mermaid ids are global to the diagram. A state's id is its key where that
 * is unique and plain, else the shortest tail of its path that is unique
 * (`vf1_runningIdle`), with characters Mermaid cannot take replaced by `_`.
 */
function mermaidIds(model: DiagramModel): Map<string, string> {
  const nodes = [...model.nodes.values()];
  const paths = new Map(nodes.map((n) => [n.id, ancestry(model, n.id).map((a) => a.key)]));
  const tail = (id: string, k: number): string => (paths.get(id) ?? []).slice(-k).join('.');
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const n of nodes) {
    const depth = paths.get(n.id)?.length ?? 1;
    let k = 1;
    while (k < depth && nodes.some((m) => m !== n && tail(m.id, k) === tail(n.id, k))) k += 1;
    let id = k === 1 && usable(n.key) ? n.key : tail(n.id, k).replace(/[^A-Za-z0-9_]/g, '_');
    if (!usable(id)) id = `s_${id}`;
    let unique = id;
    for (let i = 2; used.has(unique); i += 1) unique = `${id}_${i}`;
    used.add(unique);
    ids.set(n.id, unique);
  }
  return ids;
}

function coverageSuffix(edge: DiagramEdge): string {
  if (edge.coverage === undefined || edge.coverage === 'covered') return '';
  return ` (${COVERAGE_WORDS[edge.coverage]})`;
}

function placedLabel(edge: DiagramEdge, p: Placement): string {
  const where: string[] = [];
  if (p.fromPath && p.fromPath === p.toPath) where.push(`at ${p.fromPath}`);
  else {
    if (p.fromPath) where.push(`from ${p.fromPath}`);
    if (p.toPath) where.push(`to ${p.toPath}`);
  }
  const suffix = where.length ? ` (${where.join(', ')})` : '';
  return escapeMermaid(`${edgeLabel(edge)}${suffix}${coverageSuffix(edge)}`);
}

interface Line {
  placement: Placement;
  text: string;
}

class MermaidWriter {
  private readonly out: string[] = [];
  private readonly byScope = new Map<string, Line[]>();
  private readonly ids: Map<string, string>;

  constructor(private readonly model: DiagramModel) {
    this.ids = mermaidIds(model);
    for (const edge of model.edges) {
      const targets = edge.targets.length ? edge.targets : [edge.source];
      for (const target of targets) {
        const placement = place(model, edge.source, target);
        const key = placement.scope?.id ?? '';
        const text = `${this.id(placement.from)} --> ${this.id(placement.to)} : ${placedLabel(edge, placement)}`;
        this.byScope.set(key, [...(this.byScope.get(key) ?? []), { placement, text }]);
      }
    }
  }

  private id(n: DiagramNode): string {
    const id = this.ids.get(n.id);
    if (id === undefined) throw new Error(`no Mermaid id for state ${n.id}`);
    return id;
  }

  private line(depth: number, text: string): void {
    this.out.push(`${'  '.repeat(depth)}${text}`);
  }

  /**
   * A leaf is `id`, or `state "title" as id` when the id differs from the title.
   * A composite is always `state id { ... }`: Mermaid mishandles titled composites.
   */
  private declare(n: DiagramNode, depth: number): void {
    const id = this.id(n);
    const title = nodeTitle(n);
    if (n.children.length === 0) {
      this.line(depth, title === id ? id : `state "${escapeMermaid(title)}" as ${id}`);
    } else {
      this.line(depth, `state ${id} {`);
      this.body(n, depth + 1);
      this.line(depth, '}');
    }
  }

  private edgesIn(scopeId: string, filter: (l: Line) => boolean = () => true): Line[] {
    return (this.byScope.get(scopeId) ?? []).filter(filter);
  }

  private body(n: DiagramNode, depth: number): void {
    if (n.kind === 'parallel') {
      n.children.forEach((region, i) => {
        if (i > 0) this.line(depth, '--');
        this.declare(region, depth);
        for (const l of this.edgesIn(n.id, (e) => e.placement.from === region)) this.line(depth, l.text);
      });
      return;
    }
    for (const child of n.children) this.declare(child, depth);
    for (const target of n.initial) {
      // XState may name a deep initial target; the arrow goes to the child that holds it
      const chain = ancestry(this.model, target);
      const entry = chain[chain.indexOf(n) + 1];
      if (!entry) throw new Error(`initial state ${target} is not inside ${n.id}`);
      const deeper = relativePath(this.model, entry, target);
      this.line(depth, `[*] --> ${this.id(entry)}${deeper ? ` : ${escapeMermaid(`to ${deeper}`)}` : ''}`);
    }
    for (const l of this.edgesIn(n.id)) this.line(depth, l.text);
    for (const child of n.children) {
      if (child.kind !== 'final') continue;
      this.line(depth, `${this.id(child)} --> [*]`);
      const outcome = nodeOutcomeText(child);
      if (outcome) this.line(depth, `${this.id(child)} : ${escapeMermaid(outcome)}`);
    }
  }

  render(): string {
    const { model } = this;
    this.out.push('---', `title: ${JSON.stringify(model.title)}`, '---', 'stateDiagram-v2');
    if (model.counts) {
      const c = model.counts;
      this.line(1, `%% coverage: ${c.covered} covered, ${c.uncovered} not covered${c.reachabilityKnown ? `, ${c.unreachable} unreachable` : ''}`);
    }
    this.declare(model.root, 1);
    this.line(1, `[*] --> ${this.id(model.root)}`);
    for (const l of this.edgesIn('')) this.line(1, l.text);
    if (model.root.kind === 'final') this.line(1, `${this.id(model.root)} --> [*]`);
    return `${this.out.join('\n')}\n`;
  }
}

function modelToMermaid(model: DiagramModel): string {
  return new MermaidWriter(model).render();
}

export function renderMermaid(machine: AnyStateMachine, options: RenderOptions = {}): string {
  return modelToMermaid(buildModel(machine, options));
}
