// Random XState machines for the diagram properties: nested compound and
// parallel states, final states, targetless and cross-scope transitions,
// guards, NVMe statuses in meta, and names full of characters Mermaid and DOT
// treat specially.
import fc from 'fast-check';
import { createMachine, type AnyStateMachine } from 'xstate';

// `.` separates a state path and `\\` escapes in XState's target syntax, so
// state keys avoid them; event and guard names may have them.
const KEY_CHARS = ['a', 'b', 'Z', '_', '-', ' ', ':', ';', '"', "'", '{', '}', '<', '>', '#', '/', '(', ')', '[', ']', '&', '|', 'é', '%'];
const NAME_CHARS = [...KEY_CHARS, '\\', '.', '\n'];

function name(chars: string[]): fc.Arbitrary<string> {
  // starts with a letter: XState reads a leading `#` as an id reference
  return fc.tuple(fc.constantFrom('s', 'T', 'x'), fc.array(fc.constantFrom(...chars), { maxLength: 6 })).map(([head, rest]) => head + rest.join(''));
}

/** A state key or machine id full of characters Mermaid and DOT treat specially. */
export const nastyKey = name(KEY_CHARS);
/** An event or guard name, which may also hold `.`, `\\` and a newline. */
export const nastyName = name(NAME_CHARS);

type Kind = 'atomic' | 'final' | 'compound' | 'parallel';

interface Shape {
  kind: Kind;
  children: Shape[];
}

const shape: fc.Arbitrary<Shape> = fc.letrec<{ node: Shape; leaf: Shape }>((tie) => ({
  leaf: fc.constantFrom<Kind>('atomic', 'final').map((kind) => ({ kind, children: [] })),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.record({ kind: fc.constant<Kind>('compound'), children: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({
      kind: fc.constant<Kind>('parallel'),
      // regions are compound (or atomic): a final state directly in a parallel state is not a region
      children: fc.array(
        fc.record({ kind: fc.constant<Kind>('compound'), children: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
        { minLength: 1, maxLength: 2 },
      ),
    }),
  ),
})).node;

export interface RandomMachine {
  machine: AnyStateMachine;
  config: unknown;
}

interface Built {
  /** every state id, root first, in document order */
  ids: string[];
}

function build(s: Shape, id: string, keys: string[], built: Built): Record<string, unknown> {
  built.ids.push(id);
  const config: Record<string, unknown> = {};
  if (s.kind === 'final') config.type = 'final';
  if (s.kind === 'parallel') config.type = 'parallel';
  if (s.children.length > 0) {
    const states: Record<string, unknown> = {};
    s.children.forEach((child, i) => {
      const key = `${keys[(built.ids.length + i) % keys.length]}${i}`;
      states[key] = build(child, `${id}.${key}`, keys, built);
    });
    config.states = states;
    if (s.kind === 'compound') config.initial = Object.keys(states)[0];
  }
  return config;
}

const transitionSpec = fc.record({
  event: nastyName,
  target: fc.option(fc.nat(), { nil: undefined }),
  guard: fc.option(nastyName, { nil: undefined }),
  status: fc.option(fc.record({ sc: fc.integer({ min: 0, max: 0x20 }), dnr: fc.boolean(), decision: fc.constantFrom('D1', 'D4', 'D5') }), {
    nil: undefined,
  }),
});

export const randomMachine: fc.Arbitrary<RandomMachine> = fc
  .record({
    rootId: nastyKey,
    root: shape.filter((s) => s.children.length > 0),
    keys: fc.array(nastyKey, { minLength: 1, maxLength: 5 }),
    transitions: fc.array(fc.tuple(fc.nat(), transitionSpec), { maxLength: 8 }),
  })
  .map(({ rootId, root, keys, transitions }) => {
    const built: Built = { ids: [] };
    const config = build(root, rootId, keys, built);
    // attach transitions to the configs of non-final states, by id
    const configsById = new Map<string, Record<string, unknown>>();
    const index = (c: Record<string, unknown>, id: string): void => {
      configsById.set(id, c);
      for (const [k, child] of Object.entries((c.states ?? {}) as Record<string, Record<string, unknown>>)) index(child, `${id}.${k}`);
    };
    index(config, rootId);
    const sources = [...configsById.entries()].filter(([, c]) => c.type !== 'final');
    for (const [which, t] of transitions) {
      const [, source] = sources[which % sources.length];
      const on = (source.on ??= {}) as Record<string, unknown[]>;
      const list = (on[t.event] ??= []);
      list.push({
        ...(t.target === undefined ? {} : { target: `#${built.ids[t.target % built.ids.length]}` }),
        ...(t.guard === undefined ? {} : { guard: t.guard }),
        ...(t.status === undefined ? {} : { meta: { status: { sct: 0, sc: t.status.sc, dnr: t.status.dnr }, decision: t.status.decision } }),
      });
    }
    const full = { id: rootId, ...config };
    // a failing case prints as its config, not as XState's object graph
    return { machine: createMachine(full as never), config: full, [fc.toStringMethod]: () => JSON.stringify(full) };
  });
