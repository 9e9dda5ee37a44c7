// The baseline explorer: @xstate/graph's getAdjacencyMap on the same machine
// and events as ours, with the machine's own state key (so both count the
// same states; the default key would also tell apart the `last` observation
// in the context). It calls XState for every (state, event) and keeps every
// snapshot, so on system:6 (262,145 states x 69 events) it cannot finish in
// the benchmark's budget: `capMs` stops it and the rate is taken over the
// states it fully expanded by then.
import { getAdjacencyMap } from '@xstate/graph';
import type { MachineSpec } from '../machines/spec.ts';
import { nowMs } from './harness.ts';

export interface AdjacencyRun {
  /** distinct states expanded (every event tried) */
  states: number;
  ms: number;
  /** false when the cap stopped it */
  complete: boolean;
}

class CapReached extends Error {}

export function runAdjacencyMap(spec: MachineSpec, capMs = Infinity): AdjacencyRun {
  const key = spec.key;
  if (key === undefined) throw new Error(`${spec.id} has no state key; the baseline needs the same key as the product explorer`);
  // getAdjacencyMap serializes a state when it takes it off its queue and
  // expands it only if that key is new: the distinct keys seen are the states
  // expanded so far (the last one completely, since it is checked at the next pop).
  const seen = new Set<string>();
  const t0 = nowMs();
  let ms = 0;
  let complete = true;
  try {
    const adj = getAdjacencyMap(spec.machine, {
      events: spec.events,
      serializeState: (snapshot) => {
        const k = key(snapshot);
        if (!seen.has(k)) {
          if (nowMs() - t0 > capMs) throw new CapReached();
          seen.add(k);
        }
        return k;
      },
    });
    ms = nowMs() - t0;
    const states = Object.keys(adj).length;
    if (states !== seen.size) throw new Error(`baseline accounting is off: getAdjacencyMap holds ${states} states, the key hook saw ${seen.size}`);
  } catch (e) {
    if (!(e instanceof CapReached)) throw e;
    ms = nowMs() - t0;
    complete = false;
  }
  // a state seen at the cap was not expanded; seen.add never ran for it
  return { states: seen.size, ms, complete };
}
