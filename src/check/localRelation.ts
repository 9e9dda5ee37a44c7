// The local transition relation of one region of a machine made of n
// identical, independent parallel regions: learned by calling XState once per
// (local state, local event), from a real system snapshot in which some region
// is in that local state (its witness). The product explorer then never calls
// XState again.
import { machineInitial, machineStep } from './machineStep.ts';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { MachineSpec, Step } from '../../machines/spec.ts';
import { takenEdgeIds } from './edges.ts';

export interface ProductDecomposition {
  /** number of identical regions */
  regions: number;
  /** each region's local state in `snapshot`: value and context slice, spelled the same for the same local state in any region */
  project(snapshot: AnyMachineSnapshot): string[];
  /** the region (0-based) `event` acts on, or 'all' for an event every region takes alike; `local` names it without the region */
  route(event: EventObject): { region: number | 'all'; local: string };
  /** state node ids of the regions, in project() order, to attribute taken edges (default: the root's children) */
  regionNodeIds?: string[];
}

/** `next[l * events + e]`: NONE when local event e changes nothing in local state l and takes none of its edges. */
export const NONE = -1;
const UNKNOWN = -2;
const MAX_LOCAL_STATES = 0xffff;

export interface LocalModel {
  regions: number;
  /** local event count */
  events: number;
  /** per alphabet event: the region it acts on (-1 = every region) and its local event */
  routeRegion: Int32Array;
  routeLocal: Int32Array;
  /** complete: every (local state, local event) reachable from the initial local states */
  next: Int32Array;
  /**
   * `rootEdge[l * events + e]` = 1 when broadcast e, learned with a region in
   * local state l, took an edge outside every region (e.g. a PF edge): then
   * it is a transition even if no region changes. Every region's local state
   * must determine it (as when an 'offline' local state stands for the PF).
   */
  rootEdge: Uint8Array;
  /** local state id -> its projection key */
  keys: string[];
  /** the initial product state */
  start: Uint16Array;
  /** XState transition() calls made */
  calls: number;
}

/**
 * Receives every step learning takes. Each is a real reachable step: a
 * witness is the initial snapshot or the result of an earlier learning step,
 * and `path` is the event sequence from the initial state to `step.before`.
 */
export type LearnHook = (step: Step, path: readonly EventObject[]) => void;

/** Learns the complete local relation: the closure of the initial local states under every local event. */
export function learnLocalModel(spec: MachineSpec, d: ProductDecomposition, onStep?: LearnHook): LocalModel {
  const n = d.regions;
  const localIndex = new Map<string, number>();
  const eventFor: number[][] = Array.from({ length: n }, () => []);
  const broadcastEvent = new Map<number, number>();
  const routeRegion = new Int32Array(spec.events.length);
  const routeLocal = new Int32Array(spec.events.length);
  spec.events.forEach((event, i) => {
    const { region, local } = d.route(event);
    let le = localIndex.get(local);
    if (le === undefined) localIndex.set(local, (le = localIndex.size));
    routeLocal[i] = le;
    if (region === 'all') {
      broadcastEvent.set(le, i);
      routeRegion[i] = -1;
      return;
    }
    if (!Number.isInteger(region) || region < 0 || region >= n) {
      throw new Error(`${spec.id}: route(${event.type}) gave region ${region}; regions are 0..${n - 1} or 'all'`);
    }
    eventFor[region][le] = i;
    routeRegion[i] = region;
  });
  const E = localIndex.size;

  const regionIds = d.regionNodeIds ?? Object.values(spec.machine.root.states).map((s) => (s as { id: string }).id);
  if (regionIds.length !== n) {
    throw new Error(`${spec.id}: ${n} regions but ${regionIds.length} region node ids; pass regionNodeIds in the decomposition`);
  }
  const regionOf = (edgeId: string): number => {
    const source = edgeId.slice(0, edgeId.indexOf('|'));
    return regionIds.findIndex((id) => source === id || source.startsWith(`${id}.`));
  };

  const keys: string[] = [];
  const ids = new Map<string, number>();
  const witness: { snapshot: AnyMachineSnapshot; region: number; path: EventObject[] }[] = [];
  let next = new Int32Array(64 * E).fill(UNKNOWN);
  let rootEdge = new Uint8Array(64 * E);
  let calls = 0;

  const intern = (key: string, snapshot: AnyMachineSnapshot, region: number, path: EventObject[]): number => {
    const known = ids.get(key);
    if (known !== undefined) return known;
    const id = keys.length;
    if (id >= MAX_LOCAL_STATES) throw new Error(`${spec.id}: more than ${MAX_LOCAL_STATES} local states per region; use explore() for this machine`);
    keys.push(key);
    ids.set(key, id);
    witness.push({ snapshot, region, path });
    if (next.length < keys.length * E) {
      const grown = new Int32Array(keys.length * 2 * E).fill(UNKNOWN);
      grown.set(next);
      next = grown;
      const roots = new Uint8Array(keys.length * 2 * E);
      roots.set(rootEdge);
      rootEdge = roots;
    }
    return id;
  };

  const learn = (l: number, e: number): void => {
    const { snapshot, region, path } = witness[l];
    const broadcast = broadcastEvent.get(e);
    const eventIndex = broadcast ?? eventFor[region][e];
    if (eventIndex === undefined) {
      throw new Error(`${spec.id}: region ${region + 1} has no event for local event #${e}; the regions are not identical, use explore()`);
    }
    const event = spec.events[eventIndex];
    const after = machineStep(spec.machine, snapshot, event);
    const edgeRegions = new Set(takenEdgeIds(spec.machine, snapshot, event).map(regionOf));
    calls++;
    onStep?.({ before: snapshot, event, after }, path);
    const afterPath = [...path, event];
    const before = d.project(snapshot);
    const now = d.project(after);
    const record = (r: number): void => {
      const from = intern(before[r], snapshot, r, path);
      const to = intern(now[r], after, r, afterPath);
      next[from * E + e] = to === from && !edgeRegions.has(r) ? NONE : to;
      if (edgeRegions.has(-1)) rootEdge[from * E + e] = 1;
    };
    if (broadcast !== undefined) {
      for (let r = 0; r < n; r++) record(r);
      return;
    }
    for (let r = 0; r < n; r++) {
      if (r !== region && (now[r] !== before[r] || edgeRegions.has(r))) {
        throw new Error(
          `${spec.id}: ${event.type} routed to region ${region + 1} changed region ${r + 1}; ` +
            'the regions are not independent, so explore this machine with explore()',
        );
      }
    }
    if (edgeRegions.has(-1)) {
      throw new Error(`${spec.id}: ${event.type} routed to region ${region + 1} took a root-level edge; route it as 'all' or use explore()`);
    }
    record(region);
  };

  const initial = machineInitial(spec.machine);
  const start = Uint16Array.from(d.project(initial), (key, r) => intern(key, initial, r, []));
  for (let l = 0; l < keys.length; l++) {
    for (let e = 0; e < E; e++) if (next[l * E + e] === UNKNOWN) learn(l, e);
  }
  const size = keys.length * E;
  return { regions: n, events: E, routeRegion, routeLocal, next: next.slice(0, size), rootEdge: rootEdge.slice(0, size), keys, start, calls };
}
