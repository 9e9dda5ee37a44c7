// An independent reading of the VFIO migration rules, taken from the comments
// of include/uapi/linux/vfio.h only (not from the kernel's tables): the arcs
// the header lists, the two blocked requests, "optional states behave as
// though the device was fully running if not supported", "arcs touching
// PRE_COPY and PRE_COPY_P2P are removed if support for PRE_COPY is not
// present", and the path rules "select the shortest path" and "the path
// cannot have saving group states as interior arcs". The tests check the
// transcribed kernel function against this.
import {
  VFIO_MIGRATION_P2P,
  VFIO_MIGRATION_PRE_COPY,
  VFIO_STATES,
  type VfioFlags,
  type VfioState,
} from '../../../machines/vfio/states.ts';

/** Every arc the header describes, for a device with all optional features. */
const HEADER_ARCS: readonly (readonly [VfioState, VfioState])[] = [
  ['RUNNING_P2P', 'STOP'],
  ['STOP_COPY', 'STOP'],
  ['RESUMING', 'STOP'],
  ['PRE_COPY', 'RUNNING'],
  ['RUNNING_P2P', 'RUNNING'],
  ['PRE_COPY_P2P', 'RUNNING_P2P'],
  ['RUNNING', 'RUNNING_P2P'],
  ['STOP', 'RUNNING_P2P'],
  ['RUNNING', 'PRE_COPY'],
  ['RUNNING_P2P', 'PRE_COPY_P2P'],
  ['STOP', 'STOP_COPY'],
  ['PRE_COPY', 'PRE_COPY_P2P'],
  ['PRE_COPY_P2P', 'PRE_COPY'],
  ['PRE_COPY_P2P', 'STOP_COPY'],
  ['STOP', 'RESUMING'],
];

/** "These arcs are not permitted and return error if requested." */
const HEADER_BLOCKED: readonly (readonly [VfioState, VfioState])[] = [
  ['STOP_COPY', 'PRE_COPY'],
  ['STOP_COPY', 'PRE_COPY_P2P'],
];

export const SAVING_GROUP: ReadonlySet<VfioState> = new Set(['PRE_COPY', 'PRE_COPY_P2P', 'STOP_COPY']);

/** The states a device with `flags` has (the header's lists: 5 base states incl. ERROR, then the optional ones). */
export function oracleStates(flags: VfioFlags): Set<VfioState> {
  const s = new Set<VfioState>(['RUNNING', 'STOP', 'STOP_COPY', 'RESUMING', 'ERROR']);
  const p2p = (flags & VFIO_MIGRATION_P2P) !== 0;
  const pre = (flags & VFIO_MIGRATION_PRE_COPY) !== 0;
  if (p2p) s.add('RUNNING_P2P');
  if (pre) s.add('PRE_COPY');
  if (p2p && pre) s.add('PRE_COPY_P2P');
  return s;
}

/** Without P2P a P2P state behaves as its fully running twin. */
function collapse(s: VfioState, flags: VfioFlags): VfioState {
  if ((flags & VFIO_MIGRATION_P2P) !== 0) return s;
  if (s === 'RUNNING_P2P') return 'RUNNING';
  if (s === 'PRE_COPY_P2P') return 'PRE_COPY';
  return s;
}

/** The single arcs a device with `flags` implements, as "FROM->TO". */
export function oracleArcs(flags: VfioFlags): Set<string> {
  const states = oracleStates(flags);
  const arcs = new Set<string>();
  for (const [a, b] of HEADER_ARCS) {
    const from = collapse(a, flags);
    const to = collapse(b, flags);
    if (from === to || !states.has(from) || !states.has(to)) continue;
    arcs.add(`${from}->${to}`);
  }
  return arcs;
}

type OracleAnswer = { kind: 'einval' } | { kind: 'stay' } | { kind: 'step'; allowed: Set<VfioState>; distance: number };

/**
 * May a path that has so far stayed in the saving group iff `inSession`
 * continue to `w`? Read literally, "the path cannot have saving group states
 * as interior arcs" would forbid PRE_COPY -> PRE_COPY_P2P -> STOP_COPY, which
 * the kernel's own comment lists. The rule's point is the data transfer
 * session: a path may not open one on its way, nor pass through the saving
 * group and then leave it. So a saving-group state may be interior only on a
 * path that starts in the session and stays in it to the end.
 */
function admissible(w: VfioState, requested: VfioState, inSession: boolean): boolean {
  return w === requested || !SAVING_GROUP.has(w) || (inSession && SAVING_GROUP.has(requested));
}

/** Fewest arcs from `from` to `requested` over admissible paths, or undefined. */
function shortest(from: VfioState, requested: VfioState, arcs: [VfioState, VfioState][]): number | undefined {
  const key = (s: VfioState, inSession: boolean): string => `${s}|${inSession}`;
  let frontier: [VfioState, boolean][] = [[from, SAVING_GROUP.has(from)]];
  const seen = new Set<string>([key(from, SAVING_GROUP.has(from))]);
  for (let d = 0; frontier.length > 0; d++) {
    if (frontier.some(([s]) => s === requested)) return d;
    const next: [VfioState, boolean][] = [];
    for (const [u, inSession] of frontier) {
      for (const [a, w] of arcs) {
        if (a !== u || !admissible(w, requested, inSession)) continue;
        const session = inSession && SAVING_GROUP.has(w);
        if (seen.has(key(w, session))) continue;
        seen.add(key(w, session));
        next.push([w, session]);
      }
    }
    frontier = next;
  }
  return undefined;
}

/**
 * What the header allows for SET_STATE(requested) in `cur`: EINVAL, stay
 * (already there), or the set of first arcs of shortest admissible paths.
 */
export function oracleNextStep(cur: VfioState, requested: VfioState, flags: VfioFlags): OracleAnswer {
  const states = oracleStates(flags);
  // ERROR cannot be requested, and a device in ERROR must be reset first.
  if (cur === 'ERROR' || requested === 'ERROR' || !states.has(cur) || !states.has(requested)) return { kind: 'einval' };
  if (cur === requested) return { kind: 'stay' };
  if (HEADER_BLOCKED.some(([a, b]) => a === cur && b === requested)) return { kind: 'einval' };
  const arcs = [...oracleArcs(flags)].map((s) => s.split('->') as [VfioState, VfioState]);
  const d = shortest(cur, requested, arcs);
  if (d === undefined) return { kind: 'einval' };
  const allowed = new Set<VfioState>();
  for (const [u, w] of arcs) {
    if (u !== cur || !admissible(w, requested, SAVING_GROUP.has(cur))) continue;
    // admissible() let w through, so from w on the path is an ordinary one starting at w.
    const rest = w === requested ? 0 : shortest(w, requested, arcs);
    if (rest !== undefined && rest + 1 === d) allowed.add(w);
  }
  return { kind: 'step', allowed, distance: d };
}

export const ALL_PAIRS: readonly (readonly [VfioState, VfioState])[] = VFIO_STATES.flatMap((c) =>
  VFIO_STATES.map((r) => [c, r] as const),
);
