// The drawing model every renderer shares: the state tree and the edges of a
// machine, with outcome (NVMe status + decision) and coverage resolved once.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { definitionEdges, edgeId, type DefinitionEdge } from '../check/edges.ts';
import { classifyEdge, type Coverage, type EdgeCoverage } from './coverage.ts';
import { outcomeFromMeta, type Outcome } from './status.ts';

type NodeKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface DiagramNode {
  /** XState state node id, e.g. `toy.p.r1.x` */
  id: string;
  key: string;
  kind: NodeKind;
  parent?: DiagramNode;
  children: DiagramNode[];
  /** ids of the nodes the initial transition enters (compound states only) */
  initial: string[];
  /** `shallow` / `deep` for history nodes */
  history?: 'shallow' | 'deep';
  /** a final state's outcome, from its `meta` */
  outcome?: Outcome;
}

export interface DiagramEdge {
  /** definition edge id (src/check/edges.ts); `always` edges get `<source>||<i>` */
  id: string;
  source: string;
  /** empty: targetless (self, context-only) transition */
  targets: string[];
  /** event type; '' for an eventless (`always`) transition */
  event: string;
  guard?: string;
  outcome?: Outcome;
  /** false for edges the checker does not count (eventless) */
  tracked: boolean;
  /** set only when coverage was given */
  coverage?: EdgeCoverage;
}

interface CoverageCounts {
  covered: number;
  uncovered: number;
  unreachable: number;
  /** whether reachability was known (else `uncovered` may include unreachable edges) */
  reachabilityKnown: boolean;
}

export interface DiagramModel {
  /** the title: the catalog id if given, else the machine id */
  title: string;
  root: DiagramNode;
  nodes: Map<string, DiagramNode>;
  edges: DiagramEdge[];
  counts?: CoverageCounts;
}

export interface RenderOptions {
  coverage?: Coverage;
  /** e.g. the catalog id `pfAcceptance:lm`; defaults to the machine id */
  title?: string;
}

function isPrimitive(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * A guard as a label: its name, plus its params when they are plain values,
 * e.g. `nextStepIs(to=STOP)`: one named guard with different params is
 * different conditions, and the label must tell them apart.
 */
function guardText(guard: unknown, sourceKey?: string): string | undefined {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'inline guard';
  if (typeof guard !== 'object' || guard === null || !('type' in guard) || typeof guard.type !== 'string') return undefined;
  const params = (guard as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return guard.type;
  // a param equal to the source state's key says nothing the drawing does not show
  const shown = Object.entries(params).filter(
    (e): e is [string, string | number | boolean] => isPrimitive(e[1]) && e[1] !== sourceKey,
  );
  return shown.length ? `${guard.type}(${shown.map(([k, v]) => `${k}=${v}`).join(', ')})` : guard.type;
}

function buildNode(node: AnyStateNode, parent: DiagramNode | undefined, nodes: Map<string, DiagramNode>): DiagramNode {
  const kind = node.type as NodeKind;
  const out: DiagramNode = {
    id: node.id,
    key: node.key,
    kind,
    parent,
    children: [],
    initial: kind === 'compound' ? (node.initial?.target ?? []).map((t: AnyStateNode) => t.id) : [],
    history: kind === 'history' ? (node.history === 'deep' ? 'deep' : 'shallow') : undefined,
    outcome: kind === 'final' ? outcomeFromMeta(node.meta) : undefined,
  };
  nodes.set(out.id, out);
  for (const child of Object.values(node.states) as AnyStateNode[]) out.children.push(buildNode(child, out, nodes));
  return out;
}

/** Eventless transitions are not definition edges (the checker never counts them) but belong in a drawing. */
function alwaysEdges(node: AnyStateNode): DiagramEdge[] {
  const own: DiagramEdge[] = (node.always ?? []).map((t, i) => ({
    id: edgeId(node.id, '', i),
    source: node.id,
    targets: (t.target ?? []).map((n: AnyStateNode) => n.id),
    event: '',
    guard: guardText(t.guard, node.key),
    outcome: outcomeFromMeta(t.meta) ?? outcomeFromActions(t.actions),
    tracked: false,
  }));
  return [...own, ...(Object.values(node.states) as AnyStateNode[]).flatMap(alwaysEdges)];
}

/** Every state node by id (not getStateNodeById: it reads `.` and `\\` in an id as path syntax). */
function stateNodes(node: AnyStateNode, out = new Map<string, AnyStateNode>()): Map<string, AnyStateNode> {
  out.set(node.id, node);
  for (const child of Object.values(node.states) as AnyStateNode[]) stateNodes(child, out);
  return out;
}

/**
 * The outcome a transition's actions state in their params, e.g.
 * `{ type: 'reply', params: { status: 'SEQUENCE_ERROR', decision: 'D5' } }`:
 * machines that keep the status in an action rather than in `meta`.
 */
function outcomeFromActions(actions: readonly unknown[] | undefined): Outcome | undefined {
  for (const action of actions ?? []) {
    if (typeof action !== 'object' || action === null || !('params' in action)) continue;
    const outcome = outcomeFromMeta((action as { params: unknown }).params);
    if (outcome?.completion) return outcome;
  }
  return undefined;
}

/** A definition edge's guard label (with the params the edge itself does not keep) and outcome. */
function edgeDetails(byId: Map<string, AnyStateNode>, edge: DefinitionEdge): { guard?: string; outcome?: Outcome } {
  const index = Number(edge.id.slice(edge.id.lastIndexOf('|') + 1));
  const node = byId.get(edge.source);
  const transition = node?.transitions.get(edge.eventType)?.[index];
  return {
    guard: guardText(transition?.guard, node?.key) ?? edge.guard,
    outcome: outcomeFromMeta(edge.meta) ?? outcomeFromActions(transition?.actions),
  };
}

export function buildModel(machine: AnyStateMachine, options: RenderOptions = {}): DiagramModel {
  const nodes = new Map<string, DiagramNode>();
  const root = buildNode(machine.root, undefined, nodes);
  const byId = stateNodes(machine.root);
  const edges: DiagramEdge[] = definitionEdges(machine).map((e) => ({
    id: e.id,
    source: e.source,
    targets: e.targets,
    event: e.eventType,
    ...edgeDetails(byId, e),
    tracked: true,
  }));
  edges.push(...alwaysEdges(machine.root));
  const model: DiagramModel = { title: options.title ?? machine.id, root, nodes, edges };
  const { coverage } = options;
  if (coverage) {
    const counts: CoverageCounts = { covered: 0, uncovered: 0, unreachable: 0, reachabilityKnown: coverage.reachable !== undefined };
    for (const edge of edges) {
      edge.coverage = classifyEdge(edge.id, edge.tracked, coverage);
      if (edge.coverage !== 'untracked') counts[edge.coverage] += 1;
    }
    model.counts = counts;
  }
  return model;
}

/** The nodes from the root down to `id`, inclusive. */
export function ancestry(model: DiagramModel, id: string): DiagramNode[] {
  const chain: DiagramNode[] = [];
  for (let n = model.nodes.get(id); n; n = n.parent) chain.unshift(n);
  if (chain.length === 0) throw new Error(`state ${id} is not in machine ${model.title}`);
  return chain;
}

export function isAncestorOrSelf(model: DiagramModel, ancestorId: string, id: string): boolean {
  return ancestry(model, id).some((n) => n.id === ancestorId);
}

/** Key path of `id` below `from`, e.g. `r1.x`; empty when equal. */
export function relativePath(model: DiagramModel, from: DiagramNode, id: string): string {
  const chain = ancestry(model, id);
  const at = chain.findIndex((n) => n.id === from.id);
  return chain
    .slice(at + 1)
    .map((n) => n.key)
    .join('.');
}
