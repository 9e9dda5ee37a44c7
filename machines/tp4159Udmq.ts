// tp4159Udmq: one migratable controller's user data migration queue in
// profile tp4159: logging (D29, D30), the host's head and flow control with
// ESA 7 (D31), Suspend's ESA 3 and Resume's ESA 1 (D32), One-Shot events
// completing AERs (D33), resets (D34). Built in machines/tp4159/udmq/:
// types.ts, effects.ts, machine.ts, invariants.ts (I3, I10, I14),
// liveness.ts (L7).
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { UDMQ_INVARIANTS } from './tp4159/udmq/invariants.ts';
import { UDMQ_LIVENESS } from './tp4159/udmq/liveness.ts';
import { udmqConfig, udmqSetup } from './tp4159/udmq/machine.ts';
import { udmqStateKey } from './tp4159/udmq/snapshot.ts';
import { UDMQ_EVENT_TYPES, type UdmqEvent, type UdmqOptions } from './tp4159/udmq/types.ts';

export * from './tp4159/udmq/types.ts';
export { UDMQ_MACHINE_ID, udmqConfig, udmqSetup, type UdmqConfig } from './tp4159/udmq/machine.ts';
export { udmqContextOf, udmqStateKey, udmqTookEdge } from './tp4159/udmq/snapshot.ts';
export { UDMQ_INVARIANTS } from './tp4159/udmq/invariants.ts';
export { UDMQ_LIVENESS } from './tp4159/udmq/liveness.ts';
export { post, free } from './tp4159/udmq/effects.ts';

const DEFAULT_UDMQ_OPTIONS: UdmqOptions = { entries: 4, oneShot: false };
/**
 * The catalog's two: 4 entries (holding 3, D31: the least in which a range is
 * logged between ESA 1 and the end: flow control, wrap, phase), and 3 entries
 * (holding 2) with the trigger, One-Shot events and AERs (D33, L7). Both at
 * once checks ten times slower for no rule the two miss.
 */
export const UDMQ_OPTION_SETS: readonly UdmqOptions[] = [DEFAULT_UDMQ_OPTIONS, { entries: 3, oneShot: true }];

function normalizeUdmqOptions(input: Partial<UdmqOptions> = {}): UdmqOptions {
  const o = { ...DEFAULT_UDMQ_OPTIONS, ...input };
  if (!Number.isInteger(o.entries) || o.entries < 3 || o.entries > 5) throw new Error(`entries must be 3 to 5 (D31: an N-entry queue holds N-1, and a log needs ESA 1 and its last entry), got ${o.entries}`);
  if (typeof o.oneShot !== 'boolean') throw new Error('oneShot is true or false');
  return o;
}

export function createUdmq(input: Partial<UdmqOptions> = {}) {
  const o = normalizeUdmqOptions(input);
  return udmqSetup(o).createMachine(udmqConfig(o));
}

function udmqId(input: Partial<UdmqOptions> = {}): string {
  const o = normalizeUdmqOptions(input);
  const parts = ['tp4159Udmq'];
  if (o.entries !== DEFAULT_UDMQ_OPTIONS.entries) parts.push(`entries=${o.entries}`);
  if (o.oneShot) parts.push('one-shot');
  return parts.join(':');
}

function udmqEvents(input: Partial<UdmqOptions> = {}): UdmqEvent[] {
  const o = normalizeUdmqOptions(input);
  return UDMQ_EVENT_TYPES.filter((t) => o.oneShot || (t !== 'SET_TRIGGER' && t !== 'AER')).map((type) => ({ type }));
}

export function udmqSpec(input: Partial<UdmqOptions> = {}): MachineSpec {
  const o = normalizeUdmqOptions(input);
  return {
    id: udmqId(o),
    description:
      `One migratable controller's user data migration queue of ${o.entries} entries (profile tp4159): logging, entries with their ESA, ` +
      `the host's head and phase tags, full and ESA 7, Suspend's ESA 3, resets${o.oneShot ? ', the tail-pointer trigger, One-Shot events and AERs' : ''}.`,
    machine: createUdmq(o),
    events: udmqEvents(o),
    key: (s: AnyMachineSnapshot) => udmqStateKey(s),
    invariants: UDMQ_INVARIANTS,
    // L7 is about One-Shot events: checked where they are modelled
    liveness: o.oneShot ? [...UDMQ_LIVENESS] : [],
  };
}
