// Find a reachable cycle in a finite transition system, as a lasso: the path
// from the initial state to the cycle's entry, and the cycle itself. A depth-
// first search with the usual three colours: a successor that is still on
// the search stack closes a cycle.

export interface Lasso<S> {
  /** states from the initial one up to (not including) the first state of the cycle */
  prefix: S[];
  /** the states of the cycle, in order; the last one steps back to the first */
  cycle: S[];
}

export interface Exploration<S> {
  /** the first reachable cycle found, or null when every run ends */
  lasso: Lasso<S> | null;
  /** the reachable states with no successor */
  terminals: S[];
  /** how many distinct states were reached */
  explored: number;
}

export function explore<S>(initial: S, successors: (s: S) => readonly S[], key: (s: S) => string): Exploration<S> {
  const done = new Set<string>();
  const terminals: S[] = [];
  // The search stack: each frame is a state and the successors still to try.
  const stack: { state: S; key: string; next: readonly S[]; i: number }[] = [];
  const onStack = new Map<string, number>(); // key -> index in stack
  const push = (s: S): void => {
    const k = key(s);
    onStack.set(k, stack.length);
    stack.push({ state: s, key: k, next: successors(s), i: 0 });
  };
  push(initial);
  let lasso: Lasso<S> | null = null;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i === 0 && top.next.length === 0) terminals.push(top.state);
    if (top.i >= top.next.length) {
      stack.pop();
      onStack.delete(top.key);
      done.add(top.key);
      continue;
    }
    const s = top.next[top.i++];
    const k = key(s);
    const at = onStack.get(k);
    if (at !== undefined) {
      if (lasso === null) {
        const path = stack.map((f) => f.state);
        lasso = { prefix: path.slice(0, at), cycle: path.slice(at) };
      }
      continue;
    }
    if (!done.has(k)) push(s);
  }
  return { lasso, terminals, explored: done.size };
}
