// Linux's vfio_mig_get_next_state() and the driver loop around it, as an
// XState machine the model checker explores (liveness L1). One STEP is one
// piece of the kernel's code:
//     next = table[cur][new];                      // the lookup: the first STEP of a call
//     while ((state_flags_table[next] & flags) != state_flags_table[next])
//         next = table[next][new];                 // one skip-loop iteration: one STEP
//     return next != ERROR ? 0 : -EINVAL;
// The 2026 fix ("vfio: prevent infinite loop in vfio_mig_get_next_state() on
// blocked arc") adds `next != ERROR &&` to the loop test: a call that meets
// the blocked-arc marker ERROR answers -EINVAL. Before it, ERROR's mask (~0U)
// never matched and table[ERROR][*] is ERROR, so the loop spun. Which calls
// get there is not written here: the checker finds them.
//
// Scope `call` is one call (the machine returns the function's answer: one
// cell of `nvme-lm vfio table`). Scope `walk` is the driver's loop around it
// (as vfioWalk in nextState.ts): call, take the arc to the answer, call again
// from there, until the function answers the state the device is in (it
// reached the request) or -EINVAL. `arcs` counts the arcs taken, so K (the
// bound of L1) is read off the explored states.
import { assign, setup } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { Liveness, MachineSpec } from '../spec.ts';
import { FROM_FSM_TABLE, stateSupported } from './kernelTables.ts';
import { VFIO_DISPLAY_ORDER, VFIO_STATES, formatVfioFeatures, type VfioFlags, type VfioState } from './states.ts';

type VfioWalkKernel = 'fixed' | 'pre-fix';

/** `call`: one call of the function; `walk`: the driver's loop of calls and arcs (the default). */
type VfioWalkScope = 'call' | 'walk';

/** A from-table: table[from][requested] is the next state (ERROR marks a blocked request). */
export type VfioFromTable = Readonly<Record<VfioState, Readonly<Record<VfioState, VfioState>>>>;

interface VfioWalkOptions {
  scope?: VfioWalkScope;
  /** the (current, requested) pairs idle offers as START events; default all 64 */
  pairs?: readonly (readonly [VfioState, VfioState])[];
  /** the kernel's from-table; default Linux's (tests seed broken ones) */
  table?: VfioFromTable;
}

/**
 * A walk that has taken this many arcs has entered one of the eight states
 * twice, and the loop is deterministic, so it never ends. `arcs` stops
 * counting here: counting on would make the state space infinite and hide
 * the cycle from the checker.
 */
export const VFIO_ARC_LIMIT = VFIO_STATES.length;

export interface VfioWalkContext {
  /** the device's state (walk: moves with each arc); null before START */
  current: VfioState | null;
  requested: VfioState | null;
  /** the loop variable at the `while` test; null before the call's lookup */
  next: VfioState | null;
  /** arcs the driver took in this walk (at most VFIO_ARC_LIMIT) */
  arcs: number;
  /** call: the function's answer; walk: the state reached, or EINVAL; null until then */
  returned: VfioState | 'EINVAL' | null;
}

type VfioWalkEvent = { type: 'START'; current: VfioState; requested: VfioState } | { type: 'STEP' };

const VFIO_WALK_INITIAL_CONTEXT: VfioWalkContext = { current: null, requested: null, next: null, arcs: 0, returned: null };

/** Every (current, requested), in display order. */
export const VFIO_PAIRS: readonly (readonly [VfioState, VfioState])[] = VFIO_DISPLAY_ORDER.flatMap((c) =>
  VFIO_DISPLAY_ORDER.map((r) => [c, r] as const),
);

function call(c: VfioWalkContext): { current: VfioState; requested: VfioState } {
  if (c.current === null || c.requested === null) throw new Error('internal: STEP before START (only walking takes STEP)');
  return { current: c.current, requested: c.requested };
}

function createVfioWalk(flags: VfioFlags, kernel: VfioWalkKernel, options: VfioWalkOptions = {}) {
  const scope = options.scope ?? 'walk';
  const table = options.table ?? FROM_FSM_TABLE;
  /** What this STEP assigns to the loop variable: the lookup, or one skip. */
  const candidate = (c: VfioWalkContext): VfioState => {
    const { current, requested } = call(c);
    return table[c.next ?? current][requested];
  };
  const m = setup({
    types: { context: {} as VfioWalkContext, events: {} as VfioWalkEvent },
    guards: {
      /** the checks before the lookup, the same before and after the fix */
      refused: ({ context }) => {
        const { current, requested } = call(context);
        return context.next === null && (!stateSupported(current, flags) || !stateSupported(requested, flags));
      },
      /** the 2026 fix: the loop stops at the blocked-arc marker */
      meetsMarker: ({ context }) => candidate(context) === 'ERROR',
      /** the loop test holds: the state is one this device lacks, so look again from it */
      unsupported: ({ context }) => !stateSupported(candidate(context), flags),
      /** the answer is the state the device is in: the request is reached */
      arrived: ({ context }) => candidate(context) === context.current,
    },
    actions: {
      start: assign(({ event }) =>
        event.type === 'START' ? { ...VFIO_WALK_INITIAL_CONTEXT, current: event.current, requested: event.requested } : {},
      ),
      returnEinval: assign({ returned: 'EINVAL' as const }),
      skip: assign(({ context }) => ({ next: candidate(context) })),
      returnNext: assign(({ context }) => ({ next: candidate(context), returned: candidate(context) })),
      returnCurrent: assign(({ context }) => ({ returned: context.current })),
      takeArc: assign(({ context }) => ({
        current: candidate(context),
        next: null,
        arcs: Math.min(context.arcs + 1, VFIO_ARC_LIMIT),
      })),
    },
  });
  // The config holds only this kernel's and scope's edges. Which of them a
  // device reaches depends on its flags (with p2p alone nothing is skipped).
  const marker = kernel === 'fixed' ? [{ guard: 'meetsMarker', target: 'returned', actions: 'returnEinval' } as const] : [];
  const answered =
    scope === 'call'
      ? [{ target: 'returned', actions: 'returnNext' } as const]
      : [{ guard: 'arrived', target: 'returned', actions: 'returnCurrent' } as const, { actions: 'takeArc' } as const];
  return m.createMachine({
    id: 'vfioWalk',
    initial: 'idle',
    context: VFIO_WALK_INITIAL_CONTEXT,
    states: {
      idle: { on: { START: { target: 'walking', actions: 'start' } } },
      walking: {
        on: {
          STEP: [
            { guard: 'refused', target: 'returned', actions: 'returnEinval' },
            ...marker,
            { guard: 'unsupported', actions: 'skip' },
            ...answered,
          ],
        },
      },
      returned: { type: 'final' },
    },
  });
}

export function vfioWalkContextOf(snapshot: AnyMachineSnapshot): VfioWalkContext {
  return snapshot.context as VfioWalkContext;
}

const l1: Liveness = {
  id: 'L1',
  description:
    'Bounded arc walk: for every (current, requested, flags) the next-state function returns, and the driver walk reaches the request or returns an error',
  fairness: 'STEP is always eventually taken (the kernel runs its loop); it is the only event a walking run takes, so no step is marked unfair',
  pending: (s) => s.matches('walking'),
};

/**
 * The checker's view of vfio_mig_get_next_state for a device with `flags`:
 * START offers each (current, requested) pair from idle, STEP runs the code.
 * L1 holds exactly when no START leads into a loop that runs forever.
 */
export function vfioWalkSpec(flags: VfioFlags, kernel: VfioWalkKernel, options: VfioWalkOptions = {}): MachineSpec {
  const scope = options.scope ?? 'walk';
  const pairs = options.pairs ?? VFIO_PAIRS;
  if (pairs.length === 0) throw new Error('vfioWalkSpec: give at least one (current, requested) pair, or omit pairs for all 64');
  const only = options.pairs === undefined ? '' : `:${pairs.map(([c, r]) => `${c}>${r}`).join(',')}`;
  return {
    id: `vfioWalk:${formatVfioFeatures(flags)}:${kernel}${scope === 'call' ? ':call' : ''}${options.table ? ':seeded' : ''}${only}`,
    description:
      `Linux's vfio_mig_get_next_state (${kernel === 'fixed' ? 'with the 2026 fix' : 'before the 2026 fix'}), features ` +
      `${formatVfioFeatures(flags)}: ${scope === 'call' ? 'one call' : 'the driver walk of calls and arcs'}, ` +
      'one STEP per lookup or skip-loop iteration',
    machine: createVfioWalk(flags, kernel, options),
    events: [
      ...pairs.map(([current, requested]): VfioWalkEvent => ({ type: 'START', current, requested })),
      { type: 'STEP' },
    ],
    invariants: [],
    liveness: [l1],
  };
}
