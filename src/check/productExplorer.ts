// Fast exploration of a machine made of n identical parallel regions (one per
// VF). XState is called once per (local state, local event) to learn a
// region's local relation (localRelation.ts); the product is then explored on
// integer vectors, one local-state id per region, without XState:
// - packed: when L^n <= 2^30 (L local states, n regions), a state is one
//   integer in mixed radix L and visited is a bitset indexed by it (no hashing);
// - hashed: otherwise, or under symmetry (vectors sorted), an open-addressing
//   hash set of 16-bit vectors (vectorSet.ts).
//
// Soundness rests on the regions being independent: what a region does on an
// event depends only on its own projection, and an event routed to one region
// changes no other region. Learning checks the second part on every call; the
// first is the decomposition's promise, which the tests check by comparing
// state and transition counts with explore() for n = 1..3.
import type { EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import type { ExploreProgress } from './explore.ts';
import type { InvariantResult } from './invariants.ts';
import { learnLocalModel, NONE } from './localRelation.ts';
import type { LearnHook } from './localRelation.ts';
import { traceOfEvents } from './trace.ts';
import type { LocalModel, ProductDecomposition } from './localRelation.ts';
import { VectorSet } from './vectorSet.ts';

export type { ProductDecomposition } from './localRelation.ts';

export interface ProductOptions {
  /** stop with an error past this many product states (default 100,000,000) */
  maxStates?: number;
  /** identify states that differ only by a permutation of the regions (default false) */
  symmetry?: boolean;
  onProgress?: (p: ExploreProgress) => void;
  /** force a representation (default: packed when it fits and symmetry is off) */
  representation?: 'packed' | 'hashed';
}

export interface ProductGraph {
  specId: string;
  regions: number;
  symmetry: boolean;
  /** 'packed' (one integer per state, bitset) or 'hashed' (vector hash set) */
  representation: 'packed' | 'hashed';
  states: number;
  /** product transitions, counted as explore() counts them (a change, or a definition edge taken) */
  transitions: number;
  selfLoops: number;
  depth: number;
  /** product states with no transition out (final states included: the product does not track them) */
  stuck: number;
  /** distinct local states of one region */
  localStates: string[];
  /** XState transition() calls made to learn the local relation */
  xstateCalls: number;
  /** learning time, included in ms */
  learnMs: number;
  ms: number;
  /**
   * The spec's invariants on every step learning took (each a real reachable
   * step, one per local state and local event). For the product this is exact
   * when an invariant reads only the acting region and the event, and the
   * other regions' being unchanged (as system's I1, I3-I6 do); counterexamples
   * are concrete but not necessarily shortest.
   */
  invariants: InvariantResult[];
}

interface Counts {
  states: number;
  transitions: number;
  selfLoops: number;
  depth: number;
  stuck: number;
}

const PROGRESS_EVERY_MS = 200;
/** packed codes are < L^n; the bitset over them is at most 128 MiB */
const MAX_PACKED = 2 ** 30;

export function exploreProduct(spec: MachineSpec, d: ProductDecomposition, options: ProductOptions = {}): ProductGraph {
  const t0 = performance.now();
  const watch = watchInvariants(spec);
  const model = learnLocalModel(spec, d, watch.onStep);
  const learnMs = performance.now() - t0;
  const symmetry = options.symmetry ?? false;
  const fits = !symmetry && model.keys.length ** model.regions <= MAX_PACKED;
  if (options.representation === 'packed' && !fits) {
    throw new Error(`${spec.id}: the packed representation needs symmetry off and ${model.keys.length}^${model.regions} <= 2^30 codes; use 'hashed'`);
  }
  const packed = options.representation === undefined ? fits : options.representation === 'packed';
  const maxStates = options.maxStates ?? 100_000_000;
  const progress = options.onProgress ? throttle(options.onProgress, t0) : undefined;
  const tooMany = (depth: number): Error =>
    new Error(`${spec.id}: more than ${maxStates} product states (depth ${depth + 1}); raise the maxStates option or turn on symmetry`);
  const counts = packed ? explorePacked(model, spec.id, maxStates, tooMany, progress) : exploreHashed(model, symmetry, maxStates, tooMany, progress);
  const ms = performance.now() - t0;
  options.onProgress?.({ states: counts.states, transitions: counts.transitions, depth: counts.depth, frontier: 0, ms });
  return {
    specId: spec.id,
    regions: model.regions,
    symmetry,
    representation: packed ? 'packed' : 'hashed',
    ...counts,
    localStates: model.keys,
    xstateCalls: model.calls,
    learnMs,
    ms,
    invariants: watch.results(),
  };
}

function watchInvariants(spec: MachineSpec): { onStep: LearnHook; results(): InvariantResult[] } {
  let checked = 0;
  const found = new Map<string, { message: string; events: EventObject[] }>();
  const onStep: LearnHook = (step, path) => {
    checked++;
    for (const inv of spec.invariants) {
      if (found.has(inv.id)) continue;
      let verdict: true | string;
      try {
        verdict = inv.check(step);
      } catch (err) {
        verdict = `the invariant threw: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (verdict !== true) found.set(inv.id, { message: verdict, events: [...path, step.event] });
    }
  };
  const results = (): InvariantResult[] =>
    spec.invariants.map((inv) => {
      const v = found.get(inv.id);
      const base = { id: inv.id, description: inv.description, checked };
      if (!v) return { ...base, holds: true };
      return { ...base, holds: false, counterexample: { invariant: inv.id, message: v.message, trace: traceOfEvents(spec, v.events) } };
    });
  return { onStep, results };
}

type Progress = (p: Omit<ExploreProgress, 'ms'>) => void;

function throttle(onProgress: (p: ExploreProgress) => void, t0: number): Progress {
  let last = t0;
  return (p) => {
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    onProgress({ ...p, ms: now - t0 });
  };
}

/**
 * Per local state, what the events aimed at one region do, precomputed: how
 * many are self-loops (counted, never stored) and the targets of the others.
 * Every region must take the same local events (identical regions).
 */
interface RegionMoves {
  /** selfLoops[l]: events that leave local state l unchanged but take an edge */
  selfLoops: Int32Array;
  /** targets of local state l: moveTo[moveStart[l] .. moveStart[l + 1]) */
  moveStart: Int32Array;
  moveTo: Int32Array;
  /** broadcast local events, one entry per alphabet event */
  broadcasts: Int32Array;
}

function regionMoves(m: LocalModel, specId: string): RegionMoves {
  const L = m.keys.length;
  const E = m.events;
  const perRegion = Array.from({ length: m.regions }, () => new Int32Array(E));
  const broadcasts: number[] = [];
  m.routeRegion.forEach((r, k) => {
    if (r < 0) broadcasts.push(m.routeLocal[k]);
    else perRegion[r][m.routeLocal[k]]++;
  });
  const mult = perRegion[0];
  if (perRegion.some((p) => p.some((x, e) => x !== mult[e]))) {
    throw new Error(`${specId}: the regions are not aimed at by the same events; use the hashed representation or explore()`);
  }
  const selfLoops = new Int32Array(L);
  const moveStart = new Int32Array(L + 1);
  const moveTo: number[] = [];
  for (let l = 0; l < L; l++) {
    moveStart[l] = moveTo.length;
    for (let e = 0; e < E; e++) {
      const t = m.next[l * E + e];
      for (let c = 0; c < mult[e] && t !== NONE; c++) {
        if (t === l) selfLoops[l]++;
        else moveTo.push(t);
      }
    }
  }
  moveStart[L] = moveTo.length;
  return { selfLoops, moveStart, moveTo: Int32Array.from(moveTo), broadcasts: Int32Array.from(broadcasts) };
}

/**
 * States as integers in mixed radix L (local states per region): region r is
 * digit r. Visited is a bitset over all L^n codes. Hot loop: locals only, and
 * every code change precomputed (per region and move, per broadcast, region
 * and local state), so a successor is one add; the profile showed the
 * multiplications and float divisions of the decode costing a third.
 */
function explorePacked(m: LocalModel, specId: string, maxStates: number, tooMany: (d: number) => Error, progress?: Progress): Counts {
  const n = m.regions;
  const E = m.events;
  const L = m.keys.length;
  const pow = Array.from({ length: n }, (_, r) => L ** r);
  const visited = new Uint32Array(Math.ceil(L ** n / 32));
  const { next, rootEdge } = m;
  const { selfLoops: selfOf, moveStart, moveTo, broadcasts } = regionMoves(m, specId);
  // codes are < L^n <= 2^30, so every delta fits an Int32Array
  const M = moveTo.length;
  const moveDelta = new Int32Array(n * M);
  for (let l = 0; l < L; l++) {
    for (let j = moveStart[l]; j < moveStart[l + 1]; j++) for (let r = 0; r < n; r++) moveDelta[r * M + j] = (moveTo[j] - l) * pow[r];
  }
  const B = broadcasts.length;
  const castDelta = new Int32Array(B * n * L);
  const castAny = new Uint8Array(B * L);
  for (let k = 0; k < B; k++) {
    const e = broadcasts[k];
    for (let l = 0; l < L; l++) {
      const t = next[l * E + e];
      if (rootEdge[l * E + e] === 1 || t !== NONE) castAny[k * L + l] = 1;
      for (let q = 0; q < n; q++) castDelta[(k * n + q) * L + l] = t === NONE ? 0 : (t - l) * pow[q];
    }
  }
  const v = new Int32Array(n);
  let queue: Uint32Array = new Uint32Array(1 << 16);
  let start = 0;
  for (let r = 0; r < n; r++) start += m.start[r] * pow[r];
  queue[0] = start;
  visited[start >>> 5] |= 1 << (start & 31);
  let size = 1;
  let transitions = 0;
  let selfLoops = 0;
  let stuck = 0;
  let depth = 0;
  let levelEnd = 1;
  for (let i = 0; i < size; i++) {
    if (i === levelEnd) {
      depth++;
      levelEnd = size;
    }
    const code = queue[i];
    for (let r = 0, c = code; r < n; r++) {
      const rest = (c / L) | 0; // exact: c < 2^30
      v[r] = c - rest * L;
      c = rest;
    }
    const before = transitions;
    // candidate successors: every region's moves, then the broadcasts
    for (let r = 0; r < n; r++) {
      const l = v[r];
      const loops = selfOf[l];
      const first = moveStart[l];
      const end = moveStart[l + 1];
      transitions += loops + end - first;
      selfLoops += loops;
      const row = r * M;
      for (let j = first; j < end; j++) {
        const to = code + moveDelta[row + j];
        const word = to >>> 5;
        const bit = 1 << (to & 31);
        if ((visited[word] & bit) !== 0) continue;
        visited[word] |= bit;
        if (size === queue.length) queue = grow(queue);
        queue[size++] = to;
      }
    }
    for (let k = 0; k < B; k++) {
      let to = code;
      let any = 0;
      const base = k * n * L;
      for (let q = 0; q < n; q++) {
        const l = v[q];
        any |= castAny[k * L + l];
        to += castDelta[base + q * L + l];
      }
      if (any === 0) continue;
      transitions++;
      if (to === code) {
        selfLoops++;
        continue;
      }
      const word = to >>> 5;
      const bit = 1 << (to & 31);
      if ((visited[word] & bit) !== 0) continue;
      visited[word] |= bit;
      if (size === queue.length) queue = grow(queue);
      queue[size++] = to;
    }
    if (size > maxStates) throw tooMany(depth);
    if (transitions === before) stuck++;
    if (progress !== undefined && (i & 65535) === 0) progress({ states: size, transitions, depth, frontier: size - i - 1 });
  }
  return { states: size, transitions, selfLoops, depth, stuck };
}

function grow(queue: Uint32Array): Uint32Array {
  const grown = new Uint32Array(queue.length * 2);
  grown.set(queue);
  return grown;
}

/** States as 16-bit vectors in a hash set; under symmetry each vector is sorted (one representative per permutation class). */
function exploreHashed(m: LocalModel, symmetry: boolean, maxStates: number, tooMany: (d: number) => Error, progress?: Progress): Counts {
  const n = m.regions;
  const E = m.events;
  const set = new VectorSet(n, 1 << 16);
  const first = Uint16Array.from(m.start);
  if (symmetry) first.sort();
  set.add(first);
  const v = new Uint16Array(n);
  const w = new Uint16Array(n);
  const c: Counts = { states: 0, transitions: 0, selfLoops: 0, depth: 0, stuck: 0 };
  let levelEnd = 1;
  const { routeRegion, routeLocal, next, rootEdge } = m;
  for (let id = 0; id < set.size; id++) {
    if (id === levelEnd) {
      c.depth++;
      levelEnd = set.size;
    }
    set.read(id, v);
    const h0 = set.hash(v);
    const before = c.transitions;
    for (let k = 0; k < routeRegion.length; k++) {
      const r = routeRegion[k];
      const e = routeLocal[k];
      let found: number;
      if (r >= 0) {
        const l = v[r];
        const t = next[l * E + e];
        if (t === NONE) continue;
        c.transitions++;
        if (t === l) {
          c.selfLoops++;
          continue;
        }
        if (symmetry) {
          w.set(v);
          w[r] = t;
          w.sort();
          found = set.add(w);
        } else {
          // change v in place, hash incrementally, put it back
          v[r] = t;
          found = set.insert(v, h0 ^ set.term(r, l) ^ set.term(r, t));
          v[r] = l;
        }
      } else {
        let any = false;
        let same = true;
        for (let q = 0; q < n; q++) {
          if (rootEdge[v[q] * E + e] === 1) any = true;
          const t = next[v[q] * E + e];
          w[q] = t === NONE ? v[q] : t;
          if (t !== NONE) any = true;
          if (w[q] !== v[q]) same = false;
        }
        if (!any) continue;
        c.transitions++;
        if (same) {
          c.selfLoops++;
          continue;
        }
        if (symmetry) w.sort();
        found = set.add(w);
      }
      if (found >= 0 && set.size > maxStates) throw tooMany(c.depth);
    }
    if (c.transitions === before) c.stuck++;
    if (progress && (id & 65535) === 0) progress({ states: set.size, transitions: c.transitions, depth: c.depth, frontier: set.size - id - 1 });
  }
  c.states = set.size;
  return c;
}
