// Explorer benchmarks: the product explorer (src/check/productExplorer.ts) on
// machines/system.ts against @xstate/graph's getAdjacencyMap on the same
// machine and events, the full 8-VF exploration, and how both scale.
import { systemSpec } from '../machines/system.ts';
import { exploreSystem } from '../src/check/systemProduct.ts';
import type { ProductGraph } from '../src/check/productExplorer.ts';
import { runAdjacencyMap, type AdjacencyRun } from './adjacencyBaseline.ts';
import { check, median, result, timeOnce, type BenchResult } from './harness.ts';

export interface ExplorerConfig {
  /** VFs of the headline comparison (6; fewer in smoke mode) */
  compareVfs: number;
  /** getAdjacencyMap's time cap per round on that machine */
  baselineCapMs: number;
  baselineRounds: number;
  /** VFs of the full exploration (8) */
  fullVfs: number;
  fullRounds: number;
  /** rounds of every smaller exploration */
  rounds: number;
  /** getAdjacencyMap is run to the end for 1..this many VFs */
  baselineFullUpTo: number;
}

interface Timed {
  graph: ProductGraph;
  ms: number;
}

function timedExplore(n: number, symmetry: boolean, rounds: number): Timed {
  let graph: ProductGraph | undefined;
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(timeOnce(() => (graph = exploreSystem(n, { symmetry }))));
  return { graph: graph as ProductGraph, ms: median(samples) };
}

export function explorerBenches(c: ExplorerConfig): BenchResult[] {
  // warm-up: one exploration of every representation before anything is timed
  exploreSystem(Math.min(5, c.compareVfs), { symmetry: false });
  exploreSystem(Math.min(5, c.compareVfs), { symmetry: true });
  return [compareWithAdjacencyMap(c), ...fullAndScaling(c)];
}

function compareWithAdjacencyMap(c: ExplorerConfig): BenchResult {
  const n = c.compareVfs;
  const spec = systemSpec(n);
  const ours: number[] = [];
  const theirs: AdjacencyRun[] = [];
  let states = 0;
  // interleaved: ours, then a capped baseline round, and again
  for (let i = 0; i < c.baselineRounds; i++) {
    let g: ProductGraph | undefined;
    const ms = timeOnce(() => (g = exploreSystem(n)));
    states = (g as ProductGraph).states;
    ours.push(states / (ms / 1000));
    theirs.push(runAdjacencyMap(spec, c.baselineCapMs));
  }
  const theirRates = theirs.map((r) => r.states / (r.ms / 1000));
  const complete = theirs.every((r) => r.complete);
  if (complete) check(theirs.every((r) => r.states === states), `getAdjacencyMap found ${theirs[0].states} states of system:${n}, ours ${states}`);
  else check(theirs.every((r) => r.states < states), 'a capped baseline run cannot have expanded more states than exist');
  const expanded = theirs.map((r) => r.states);
  return result({
    // the name is fixed; smoke mode runs fewer VFs (details.vfs says how many)
    name: 'explorer.system6.states_per_s',
    value: median(ours),
    unit: 'states/s',
    better: 'higher',
    baseline: { name: `@xstate/graph getAdjacencyMap, system:${n}, same events and state key`, value: median(theirRates) },
    target: 'ratio >= 100',
    meets: (_v, ratio) => ratio >= 100,
    note: complete
      ? `both explored all ${states} states of system:${n}`
      : `getAdjacencyMap cannot finish system:${n} (${states} states x ${spec.events.length} events through XState) in the budget: ` +
        `each round was stopped after ${(c.baselineCapMs / 1000).toFixed(1)} s and its rate is the states it had fully expanded ` +
        `(${expanded.join(', ')}) over the time taken. Nothing is extrapolated. Its rate only falls as its queue grows ` +
        '(Array.shift on a growing queue, every snapshot kept), so a full run would be slower and the ratio is a lower bound. ' +
        'Equal state counts with a full baseline run are asserted in explorer.scaling.',
    details: { vfs: n, states, ourRounds: ours.length, baselineStatesExpanded: expanded, baselineCapMs: c.baselineCapMs },
  });
}

function fullAndScaling(c: ExplorerConfig): BenchResult[] {
  const rows: Record<string, number | null>[] = [];
  let full: Timed | undefined;
  let fullSym: Timed | undefined;
  let compareAt: { vfs: number; ours: number; theirs: number } | undefined;
  for (let n = 1; n <= c.fullVfs; n++) {
    const plain = timedExplore(n, false, n === c.fullVfs ? c.fullRounds : c.rounds);
    const sym = timedExplore(n, true, c.rounds);
    let adj: AdjacencyRun | undefined;
    if (n <= c.baselineFullUpTo) {
      adj = runAdjacencyMap(systemSpec(n));
      check(adj.complete && adj.states === plain.graph.states, `system:${n}: getAdjacencyMap found ${adj.states} states, ours ${plain.graph.states}`);
      compareAt = { vfs: n, ours: plain.graph.states / (plain.ms / 1000), theirs: adj.states / (adj.ms / 1000) };
    }
    rows.push({
      vfs: n,
      states: plain.graph.states,
      transitions: plain.graph.transitions,
      seconds: plain.ms / 1000,
      symmetryStates: sym.graph.states,
      symmetrySeconds: sym.ms / 1000,
      adjacencyMapStates: adj ? adj.states : null,
      adjacencyMapSeconds: adj ? adj.ms / 1000 : null,
    });
    if (n === c.fullVfs) {
      full = plain;
      fullSym = sym;
    }
  }
  if (!full || !fullSym || !compareAt) throw new Error('explorer bench: give fullVfs >= 1 and baselineFullUpTo >= 1');
  const fullEntry = result({
    name: 'explorer.system8.seconds',
    value: full.ms / 1000,
    unit: 's',
    better: 'lower',
    baseline: { name: `the same machine with symmetry reduction (${fullSym.graph.states} states)`, value: fullSym.ms / 1000 },
    target: 'value < 60 s (without symmetry)',
    meets: (v) => v < 60,
    note:
      `system:${c.fullVfs} explored exhaustively without symmetry: ${full.graph.states} states, ${full.graph.transitions} transitions ` +
      `(${full.graph.representation} representation, median of ${c.fullRounds}). The baseline is the symmetric quotient, ` +
      'so the ratio (< 1) is what exploring every permutation costs.',
    details: {
      vfs: c.fullVfs,
      states: full.graph.states,
      transitions: full.graph.transitions,
      depth: full.graph.depth,
      symmetryStates: fullSym.graph.states,
      symmetrySeconds: fullSym.ms / 1000,
    },
  });
  const scaling = result({
    name: 'explorer.scaling',
    value: compareAt.ours,
    unit: 'states/s',
    better: 'higher',
    baseline: { name: `@xstate/graph getAdjacencyMap run to the end, system:${compareAt.vfs}`, value: compareAt.theirs },
    note:
      `states and seconds for 1..${c.fullVfs} VFs in details.table; value and baseline are the rates at ${compareAt.vfs} VFs, ` +
      `the largest system getAdjacencyMap finishes in the budget; for 1..${c.baselineFullUpTo} VFs both reached the same number of states (asserted)`,
    details: { table: rows },
  });
  return [fullEntry, scaling];
}
