// The VFIO host side of NVMe VF live migration: one XState machine per
// migration flag set. Its states are the Linux device states the flags
// allow; SET_STATE takes exactly the one arc Linux's vfio_mig_get_next_state()
// gives (I8), and each arc carries, in `meta`, the NVMe LM commands it sends
// (machines/vfio/arcs.ts has the table and the reasons).
//
// ERROR is not a state of this machine: it is where a driver goes when an arc
// fails AND it cannot restore the device. This driver always can (D16: a
// failed command fails the arc and leaves the state as it was), so no arc
// ends in ERROR. SET_STATE(ERROR) is still in the alphabet: it gets EINVAL.
//
// To start in a state other than RUNNING, use `vfioSnapshotIn(machine, 'STOP')`
// (machine.resolveState under the hood); step with xstate's pure
// `transition(machine, snapshot, event)`.
import { assign, setup } from 'xstate';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { Invariant, MachineSpec } from './spec.ts';
import { arcName, vfioArcsFor, type DataFdEffect, type LmCommand, type VfioArc } from './vfio/arcs.ts';
import { stateSupported } from './vfio/kernelTables.ts';
import { vfioNextState } from './vfio/nextState.ts';
import {
  VFIO_FLAG_SETS,
  VFIO_STATES,
  formatVfioFeatures,
  isVfioState,
  type VfioFlags,
  type VfioState,
} from './vfio/states.ts';

export { VFIO_FLAG_SETS } from './vfio/states.ts';

export type VfioMigrationEvent =
  /** VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE with `target`: take the next arc toward it */
  | { type: 'SET_STATE'; target: VfioState }
  /** the same request, but the arc's first NVMe command fails (D16: the arc fails, the state stays) */
  | { type: 'ARC_FAILED'; target: VfioState }
  /** VF FLR / AER reset_done (D13): back to RUNNING, data fds closed */
  | { type: 'VF_RESET' };

type VfioDataFd = 'none' | 'save' | 'resume';

type VfioError =
  | { code: 'EINVAL'; requested: VfioState }
  | { code: 'EIO'; arc: string; command: LmCommand };

export interface VfioMigrationContext {
  /** the open migration data fd, if any */
  dataFd: VfioDataFd;
  /** the NVMe LM commands the last event sent, in order */
  sent: LmCommand[];
  /** the error the last event returned to user space, or null */
  error: VfioError | null;
}

const VFIO_INITIAL_CONTEXT: VfioMigrationContext = { dataFd: 'none', sent: [], error: null };

/** What `meta` on each transition says: the arc taken (null if none) and the commands sent. */
export interface VfioTransitionMeta {
  arc: string | null;
  commands: readonly LmCommand[];
  dataFd: DataFdEffect;
  decision: string;
}

/** The states of the machine for `flags`, in uAPI number order. */
export function vfioMachineStates(flags: VfioFlags): VfioState[] {
  return VFIO_STATES.filter((s) => s !== 'ERROR' && stateSupported(s, flags));
}

/** Every event the model checker should try in every state: 8 SET_STATE, 8 ARC_FAILED, VF_RESET. */
export const VFIO_EVENTS: readonly VfioMigrationEvent[] = [
  ...VFIO_STATES.map((target) => ({ type: 'SET_STATE' as const, target })),
  ...VFIO_STATES.map((target) => ({ type: 'ARC_FAILED' as const, target })),
  { type: 'VF_RESET' },
];

function fdAfter(fd: VfioDataFd, effect: DataFdEffect): VfioDataFd {
  switch (effect) {
    case 'open-save':
      return 'save';
    case 'open-resume':
      return 'resume';
    case 'close':
      return 'none';
    case 'keep':
      return fd;
  }
}

type StepParams = { from: VfioState; to: VfioState | 'EINVAL' };
type ArcParams = { arc: VfioArc };

export function createVfioMigrationMachine(flags: VfioFlags) {
  const arcs = vfioArcsFor(flags);
  const states = vfioMachineStates(flags);

  const m = setup({
    types: {
      context: {} as VfioMigrationContext,
      events: {} as VfioMigrationEvent,
    },
    guards: {
      /** vfio_mig_get_next_state(from, event.target) answers `to` (I8) */
      nextStepIs: ({ event }, params: StepParams) =>
        event.type !== 'VF_RESET' && vfioNextState(params.from, event.target, flags) === params.to,
    },
    actions: {
      takeArc: assign(({ context }, params: ArcParams) => ({
        dataFd: fdAfter(context.dataFd, params.arc.dataFd),
        sent: [...params.arc.commands],
        error: null,
      })),
      alreadyThere: assign({ sent: () => [], error: () => null }),
      refuseEinval: assign(({ event }) => ({
        sent: [],
        error: event.type === 'VF_RESET' ? null : { code: 'EINVAL' as const, requested: event.target },
      })),
      failArc: assign((_, params: ArcParams) => ({
        sent: [params.arc.commands[0]],
        error: { code: 'EIO' as const, arc: arcName(params.arc.from, params.arc.to), command: params.arc.commands[0] },
      })),
      resetToRunning: assign({ dataFd: () => 'none' as const, sent: () => [], error: () => null }),
    },
  });

  const arcMeta = (a: VfioArc): VfioTransitionMeta => ({
    arc: arcName(a.from, a.to),
    commands: a.commands,
    dataFd: a.dataFd,
    decision: 'I8',
  });

  const stateConfig = (from: VfioState) => {
    const out = arcs.filter((a) => a.from === from);
    return {
      on: {
        SET_STATE: [
          ...out.map((a) => ({
            guard: { type: 'nextStepIs' as const, params: { from, to: a.to } },
            target: a.to,
            actions: { type: 'takeArc' as const, params: { arc: a } },
            meta: arcMeta(a),
          })),
          {
            guard: { type: 'nextStepIs' as const, params: { from, to: from } },
            actions: { type: 'alreadyThere' as const },
            meta: { arc: null, commands: [], dataFd: 'keep', decision: 'I8' } satisfies VfioTransitionMeta,
          },
          {
            guard: { type: 'nextStepIs' as const, params: { from, to: 'EINVAL' as const } },
            actions: { type: 'refuseEinval' as const },
            meta: { arc: null, commands: [], dataFd: 'keep', decision: 'I8' } satisfies VfioTransitionMeta,
          },
        ],
        // Arcs that send no NVMe command cannot fail this way; those events are ignored.
        ARC_FAILED: out
          .filter((a) => a.commands.length > 0)
          .map((a) => ({
            guard: { type: 'nextStepIs' as const, params: { from, to: a.to } },
            actions: { type: 'failArc' as const, params: { arc: a } },
            meta: { ...arcMeta(a), commands: a.commands.slice(0, 1), dataFd: 'keep', decision: 'D16' } satisfies VfioTransitionMeta,
          })),
      },
    };
  };

  return m.createMachine({
    id: 'vfioMigration',
    initial: 'RUNNING',
    context: { ...VFIO_INITIAL_CONTEXT },
    on: {
      VF_RESET: {
        target: '.RUNNING',
        reenter: true,
        actions: { type: 'resetToRunning' },
        meta: { arc: null, commands: [], dataFd: 'close', decision: 'D13' } satisfies VfioTransitionMeta,
      },
    },
    states: Object.fromEntries(states.map((s) => [s, stateConfig(s)])),
  });
}

type VfioMigrationMachine = ReturnType<typeof createVfioMigrationMachine>;

/** A snapshot of `machine` in `state` (context defaults to no fd, nothing sent, no error). */
export function vfioSnapshotIn(
  machine: VfioMigrationMachine,
  state: VfioState,
  context: Partial<VfioMigrationContext> = {},
): ReturnType<VfioMigrationMachine['resolveState']> {
  if (machine.root.states[state] === undefined) {
    throw new Error(`${state} is not a state of this machine; its states are ${Object.keys(machine.root.states).join(', ')}`);
  }
  return machine.resolveState({ value: state, context: { ...VFIO_INITIAL_CONTEXT, ...context } });
}

/** The VFIO state a snapshot of this machine is in. */
export function vfioStateOf(snapshot: AnyMachineSnapshot): VfioState {
  const value = snapshot.value;
  if (typeof value !== 'string' || !isVfioState(value)) throw new Error(`not a VFIO migration snapshot: ${JSON.stringify(value)}`);
  return value;
}

const SAVING_GROUP: readonly VfioState[] = ['PRE_COPY', 'PRE_COPY_P2P', 'STOP_COPY'];

function invariants(flags: VfioFlags): Invariant[] {
  return [
    {
      id: 'I8',
      description: 'SET_STATE ends where vfio_mig_get_next_state() says (or stays, with EINVAL)',
      check: ({ before, event, after }) => {
        if (event.type !== 'SET_STATE') return true;
        const target = (event as Extract<VfioMigrationEvent, { type: 'SET_STATE' }>).target;
        const from = vfioStateOf(before);
        const want = vfioNextState(from, target, flags);
        const got = vfioStateOf(after);
        const err = (after.context as VfioMigrationContext).error;
        if (want === 'EINVAL') return got === from && err?.code === 'EINVAL' ? true : `expected EINVAL in ${from}, got ${got}`;
        return got === want && err === null ? true : `expected ${want}, got ${got} (error ${JSON.stringify(err)})`;
      },
    },
    {
      id: 'D16',
      description: 'a failed arc leaves the VFIO state and the data fd as they were',
      check: ({ before, event, after }) => {
        if (event.type !== 'ARC_FAILED') return true;
        const b = before.context as VfioMigrationContext;
        const a = after.context as VfioMigrationContext;
        return vfioStateOf(before) === vfioStateOf(after) && b.dataFd === a.dataFd
          ? true
          : `ARC_FAILED moved ${vfioStateOf(before)}/${b.dataFd} to ${vfioStateOf(after)}/${a.dataFd}`;
      },
    },
    {
      id: 'D13',
      description: 'the save fd is open exactly in the saving group, the resume fd exactly in RESUMING',
      check: ({ after }) => {
        const s = vfioStateOf(after);
        const fd = (after.context as VfioMigrationContext).dataFd;
        const want: VfioDataFd = SAVING_GROUP.includes(s) ? 'save' : s === 'RESUMING' ? 'resume' : 'none';
        return fd === want ? true : `in ${s} the data fd is ${fd}, expected ${want}`;
      },
    },
  ];
}

/**
 * The MachineSpec for one flag set, id `vfioMigration:<features>`. L1 (the
 * bounded walk) is a property of the next-state function, proved over all
 * triples by vfioWalkBound in machines/vfio/nextState.ts, not a cycle
 * property of this one-arc-per-event machine; so no liveness entry here.
 */
export function createVfioMigrationSpec(flags: VfioFlags): MachineSpec {
  const features = formatVfioFeatures(flags);
  return {
    id: `vfioMigration:${features}`,
    description: `Linux VFIO migration states of the NVMe VF driver with features ${features}`,
    machine: createVfioMigrationMachine(flags),
    events: VFIO_EVENTS as EventObject[],
    invariants: invariants(flags),
    liveness: [],
  };
}

/** One spec per flag set: STOP_COPY alone, +P2P, +PRE_COPY, +both. */
export const vfioMigrationSpecs: readonly MachineSpec[] = VFIO_FLAG_SETS.map(createVfioMigrationSpec);
