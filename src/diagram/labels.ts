// Edge and state label text, shared by the renderers so every format says the
// same thing: `EVENT [guard]` then `/ <status> <decision>`.
import type { EdgeCoverage } from './coverage.ts';
import type { DiagramEdge, DiagramNode } from './model.ts';
import { formatOutcome } from './status.ts';

const DONE_PREFIX = 'xstate.done.state.';

export function eventText(event: string): string {
  if (event === '') return 'always';
  if (event.startsWith(DONE_PREFIX)) return `done(${event.slice(DONE_PREFIX.length)})`;
  return event;
}

/** `EVENT [guard]` */
export function triggerText(edge: DiagramEdge): string {
  return edge.guard ? `${eventText(edge.event)} [${edge.guard}]` : eventText(edge.event);
}

/** `Invalid Command Opcode (SC 01h, DNR) D1`, or undefined when the edge carries no outcome. */
export function outcomeText(edge: DiagramEdge): string | undefined {
  const text = edge.outcome ? formatOutcome(edge.outcome) : '';
  return text === '' ? undefined : text;
}

/** One line: `EVENT [guard] / Invalid Command Opcode (SC 01h, DNR) D1`. */
export function edgeLabel(edge: DiagramEdge): string {
  const outcome = outcomeText(edge);
  return outcome ? `${triggerText(edge)} / ${outcome}` : triggerText(edge);
}

export function nodeTitle(node: DiagramNode): string {
  if (node.kind === 'history') return node.history === 'deep' ? `${node.key} (H*)` : `${node.key} (H)`;
  return node.key;
}

/** The final state's status line, if its meta carries one. */
export function nodeOutcomeText(node: DiagramNode): string | undefined {
  const text = node.outcome ? formatOutcome(node.outcome) : '';
  return text === '' ? undefined : text;
}

export const COVERAGE_WORDS: Record<EdgeCoverage, string> = {
  covered: 'covered',
  uncovered: 'not covered',
  unreachable: 'unreachable',
  untracked: 'not counted (eventless)',
};
