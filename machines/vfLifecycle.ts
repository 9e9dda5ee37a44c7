// vfLifecycle: one VF of an LM-capable PF through its whole life: the LM
// state (D5), what its guest sees (controller enabled, I/O queue pairs, I/O in
// flight, doorbells latched while suspended: D11), and the migration image
// the host holds after a SAVE (D6, D7, D12). Built in machines/vf/:
// types.ts (alphabet, context, observation), status.ts, effects.ts (every
// rule as a pure function), machine.ts (the config), invariants.ts (I1, I2,
// I3, I5, I6), liveness.ts (L2, L3, L4). Option `lm: false` is a device
// without live migration (profile no-lm, D17): the opcodes are unknown
// everywhere and only the guest's view remains to check.
//
// Step it with XState's pure functions:
//   const m = createVfLifecycle({ ioCompletion: 'deferred' });
//   let [s] = initialTransition(m);
//   [s] = transition(m, s, { type: 'ENABLE' });
//   s.context.last  // the observation a tester must see
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { vfInvariants } from './vf/invariants.ts';
import { VF_LIVENESS } from './vf/liveness.ts';
import { vfConfig, vfSetup } from './vf/machine.ts';
import { vfStateKey } from './vf/snapshot.ts';
import {
  GUEST_EVENT_TYPES,
  PF_LM_EVENT_TYPES,
  VF_QUEUE_LM_EVENT_TYPES,
  type VfEvent,
  type VfLifecycleOptions,
} from './vf/types.ts';

export * from './vf/types.ts';
export { VF_STATUS, completion, type Completion, type VfDecision, type VfStatusName } from './vf/status.ts';
export { VF_MACHINE_ID, vfConfig, vfSetup, type VfConfig, type VfSetup } from './vf/machine.ts';
export { inFlight, lmStateOf, tookEdge, vfContextOf, vfStateKey } from './vf/snapshot.ts';
export { vfInvariants } from './vf/invariants.ts';
export { VF_LIVENESS } from './vf/liveness.ts';

export type VfLifecycleOptionsInput = Partial<VfLifecycleOptions>;

const DEFAULT_VF_OPTIONS: VfLifecycleOptions = {
  lm: true,
  vfQueuePolicy: 'reject',
  ioCompletion: 'immediate',
  maxIoQueues: 2,
  maxOutstanding: 2,
};

/** Bounds keep the state space finite; past 8 it grows fast and says nothing new. */
const MAX_BOUND = 8;

export function normalizeVfOptions(input: VfLifecycleOptionsInput = {}): VfLifecycleOptions {
  const o: VfLifecycleOptions = { ...DEFAULT_VF_OPTIONS, ...input };
  if (typeof o.lm !== 'boolean') throw new Error(`lm must be true (profile lm) or false (profile no-lm), got ${JSON.stringify(o.lm)}`);
  if (o.vfQueuePolicy !== 'reject' && o.vfQueuePolicy !== 'drop') {
    throw new Error(`unknown vfQueuePolicy ${JSON.stringify(o.vfQueuePolicy)}: use reject or drop`);
  }
  if (o.ioCompletion !== 'immediate' && o.ioCompletion !== 'deferred') {
    throw new Error(`unknown ioCompletion ${JSON.stringify(o.ioCompletion)}: use immediate or deferred`);
  }
  if (!o.lm && o.vfQueuePolicy === 'drop') {
    throw new Error('vfQueuePolicy drop is an LM device\'s choice (D1); a device without LM rejects the opcodes everywhere (D17): use reject with lm false');
  }
  for (const name of ['maxIoQueues', 'maxOutstanding'] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1 || v > MAX_BOUND) throw new Error(`${name} must be an integer from 1 to ${MAX_BOUND}, got ${v}`);
  }
  return o;
}

export function createVfLifecycle(input: VfLifecycleOptionsInput = {}) {
  const o = normalizeVfOptions(input);
  return vfSetup(o).createMachine(vfConfig(o));
}

/** The finite alphabet: every event the checker tries in every state (IO_COMPLETE only when deferred). */
export function vfLifecycleEvents(input: VfLifecycleOptionsInput = {}): VfEvent[] {
  const o = normalizeVfOptions(input);
  return [
    ...PF_LM_EVENT_TYPES,
    ...VF_QUEUE_LM_EVENT_TYPES,
    ...GUEST_EVENT_TYPES,
    ...(o.ioCompletion === 'deferred' ? (['IO_COMPLETE'] as const) : []),
    'FLR' as const,
  ].map((type) => ({ type }));
}

/** e.g. `vfLifecycle`, `vfLifecycle:deferred:drop`, `vfLifecycle:no-lm`, `vfLifecycle:q=3:out=1` */
export function vfLifecycleId(input: VfLifecycleOptionsInput = {}): string {
  const o = normalizeVfOptions(input);
  const parts = ['vfLifecycle'];
  if (!o.lm) parts.push('no-lm');
  if (o.ioCompletion !== DEFAULT_VF_OPTIONS.ioCompletion) parts.push(o.ioCompletion);
  if (o.vfQueuePolicy !== DEFAULT_VF_OPTIONS.vfQueuePolicy) parts.push(o.vfQueuePolicy);
  if (o.maxIoQueues !== DEFAULT_VF_OPTIONS.maxIoQueues) parts.push(`q=${o.maxIoQueues}`);
  if (o.maxOutstanding !== DEFAULT_VF_OPTIONS.maxOutstanding) parts.push(`out=${o.maxOutstanding}`);
  return parts.join(':');
}

/** A device without LM (profile no-lm, D17; QEMU is one): what a guest sees must still hold. */
export const VF_LIFECYCLE_NO_LM_OPTION_SETS: readonly VfLifecycleOptions[] = [
  { ...DEFAULT_VF_OPTIONS, lm: false },
  { ...DEFAULT_VF_OPTIONS, lm: false, ioCompletion: 'deferred' },
];

/** The option sets the project checks, each a separate MachineSpec. */
export const VF_LIFECYCLE_OPTION_SETS: readonly VfLifecycleOptions[] = [
  DEFAULT_VF_OPTIONS,
  { ...DEFAULT_VF_OPTIONS, ioCompletion: 'deferred' },
  { ...DEFAULT_VF_OPTIONS, vfQueuePolicy: 'drop' },
  { ...DEFAULT_VF_OPTIONS, vfQueuePolicy: 'drop', ioCompletion: 'deferred' },
];

export function vfLifecycleSpec(input: VfLifecycleOptionsInput = {}): MachineSpec {
  const o = normalizeVfOptions(input);
  return {
    id: vfLifecycleId(o),
    description:
      (o.lm ? '' : 'A device without LM (D17): the five opcodes are unknown on the PF and the VF. ') +
      `One VF's life (VF-queue policy ${o.vfQueuePolicy}, I/O completion ${o.ioCompletion}, ` +
      `up to ${o.maxIoQueues} I/O queue pairs and ${o.maxOutstanding} I/O in flight): LM state, guest queues and I/O, ` +
      'latched doorbells and the host\'s migration image. Isolation between VFs (I4) is the system machine\'s.',
    machine: createVfLifecycle(o),
    events: vfLifecycleEvents(o),
    key: (s: AnyMachineSnapshot) => vfStateKey(s),
    invariants: vfInvariants(o),
    liveness: [...VF_LIVENESS],
  };
}
