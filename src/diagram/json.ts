// The machine as JSON: XState's own definition (machine.toJSON()) plus the
// definition edges with their stable ids, and each edge's coverage when given.
// Deterministic: same machine, same text.
import type { AnyStateMachine } from 'xstate';
import { definitionEdges, type DefinitionEdge } from '../check/edges.ts';
import { classifyEdge, type EdgeCoverage } from './coverage.ts';
import type { RenderOptions } from './model.ts';

interface MachineJson {
  id: string;
  /** XState's StateMachineDefinition, made plain: functions become `"function <name>"`, cycles `"[circular]"` */
  definition: unknown;
  edges: Array<DefinitionEdge & { coverage?: EdgeCoverage }>;
}

/** JSON-safe copy: drops undefined, names functions, turns Maps/Sets into objects/arrays, cuts true cycles only. */
function plain(value: unknown, ancestors: object[] = [], viaToJson = false): unknown {
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'function (inline)';
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.includes(value)) return '[circular]';
  const inner = [...ancestors, value];
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v, inner)]));
  if (value instanceof Set || Array.isArray(value)) return [...value].map((v) => (v === undefined ? null : plain(v, inner)));
  const withJson = value as { toJSON?: () => unknown };
  // as JSON.stringify does: call toJSON once (XState's transition toJSON returns an object that has toJSON again)
  if (typeof withJson.toJSON === 'function' && !viaToJson) return plain(withJson.toJSON(), ancestors, true);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && k !== 'toJSON') out[k] = plain(v, inner);
  return out;
}

export function machineJson(machine: AnyStateMachine, options: RenderOptions = {}): MachineJson {
  const { coverage } = options;
  return {
    id: options.title ?? machine.id,
    definition: plain(machine.toJSON()),
    edges: definitionEdges(machine).map((e) => {
      const edge = plain(e) as DefinitionEdge;
      return coverage ? { ...edge, coverage: classifyEdge(e.id, true, coverage) } : edge;
    }),
  };
}

export function renderJson(machine: AnyStateMachine, options: RenderOptions = {}): string {
  return `${JSON.stringify(machineJson(machine, options), null, 2)}\n`;
}
