// Definition edges: the transitions written in a machine's config, each with a
// stable id. Coverage (check, paths, diagrams, report) counts these ids, so a
// diagram can colour exactly the edges a generated suite took.
import type { AnyStateMachine, AnyStateNode, EventObject, AnyMachineSnapshot } from 'xstate';

export interface DefinitionEdge {
  /** `<source node id>|<event type>|<index among that event's candidates>` */
  id: string;
  source: string;
  /** target state node ids; empty for a targetless (self, context-only) transition */
  targets: string[];
  eventType: string;
  /** the named guard, if any */
  guard?: string;
  meta?: Record<string, unknown>;
}

export function edgeId(sourceId: string, eventType: string, index: number): string {
  return `${sourceId}|${eventType}|${index}`;
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard && typeof (guard as { type: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  if (typeof guard === 'function') return guard.name || 'inline guard';
  return undefined;
}

/** Every edge in the machine's definition, in document order (deterministic). */
export function definitionEdges(machine: AnyStateMachine): DefinitionEdge[] {
  const edges: DefinitionEdge[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const [eventType, candidates] of node.transitions) {
      candidates.forEach((t, i) => {
        edges.push({
          id: edgeId(node.id, eventType, i),
          source: node.id,
          targets: (t.target ?? []).map((n: AnyStateNode) => n.id),
          eventType,
          guard: guardName(t.guard),
          meta: t.meta as Record<string, unknown> | undefined,
        });
      });
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return edges;
}

/** Ids of the definition edges XState selects for `event` in `snapshot` (one per parallel region at most). */
export function takenEdgeIds(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): string[] {
  return edgeIdsOf(machine.getTransitionData(snapshot, event));
}

/** Ids of the definition edges of transitions XState selected (machine.getTransitionData). */
export function edgeIdsOf(taken: ReturnType<AnyStateMachine['getTransitionData']>): string[] {
  return taken.map((t) => {
    const candidates = t.source.transitions.get(t.eventType) ?? [];
    return edgeId(t.source.id, t.eventType, candidates.indexOf(t));
  });
}
