// pfAcceptance: the specification of every way the PF's admin command path
// accepts or rejects ONE live-migration command (D1, D4, D5, D7, D9, D10, D17).
// The machine lives in machines/acceptance/: events.ts (the classifications),
// finals.ts (every end with its status and decision), machine.ts (the stages),
// invariants.ts (I1-I3), outcome.ts and describe.ts (for byte bindings).
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { MachineSpec } from './spec.ts';
import { describeCommand, type CommandToBuild } from './acceptance/describe.ts';
import { acceptanceAlphabet, type AcceptanceEvent } from './acceptance/events.ts';
import { ACCEPTANCE_INVARIANTS } from './acceptance/invariants.ts';
import {
  acceptanceConfig,
  acceptanceSetup,
  type AcceptanceContext,
  type PfAcceptanceOptions,
  type Profile,
  type VfQueuePolicy,
} from './acceptance/machine.ts';

export type { PfAcceptanceOptions, Profile, VfQueuePolicy, AcceptanceContext, AcceptanceConfig } from './acceptance/machine.ts';
export { acceptanceConfig, acceptanceSetup, MACHINE_ID } from './acceptance/machine.ts';
export type { AcceptanceEvent, CommandClass, LmState, OpcodeName } from './acceptance/events.ts';
export { acceptanceAlphabet, classify, vfIndexValues } from './acceptance/events.ts';
export { FINALS, FINAL_NAMES, finalMeta, type FinalMeta, type FinalName } from './acceptance/finals.ts';
export { expectedOutcome, finalStateOf, type Effect, type ExpectedOutcome } from './acceptance/outcome.ts';
export { describeCommand, LM_OPCODE_BYTES, type CommandToBuild, type QueueToUse, type ReservedBit } from './acceptance/describe.ts';
export { ACCEPTANCE_INVARIANTS, I1_NO_LM_ON_VF_QUEUE, I2_ONE_COMPLETION, I3_REJECTION_CHANGES_NOTHING } from './acceptance/invariants.ts';

export const PROFILES: readonly Profile[] = ['lm', 'no-lm', 'reserved', 'foreign'];

/** Options as a caller may give them; the rest default (strict false, policy reject, 2 VFs). */
export type PfAcceptanceOptionsInput = Pick<PfAcceptanceOptions, 'profile'> & Partial<PfAcceptanceOptions>;

const DEFAULT_VFS = 2;

export function normalizeOptions(input: PfAcceptanceOptionsInput): PfAcceptanceOptions {
  const options: PfAcceptanceOptions = {
    profile: input.profile,
    strict: input.strict ?? false,
    vfQueuePolicy: input.vfQueuePolicy ?? 'reject',
    vfs: input.vfs ?? DEFAULT_VFS,
  };
  if (!PROFILES.includes(options.profile)) {
    throw new Error(`unknown profile ${JSON.stringify(options.profile)}: use one of ${PROFILES.join(', ')}`);
  }
  if (options.vfQueuePolicy !== 'reject' && options.vfQueuePolicy !== 'drop') {
    throw new Error(`unknown vfQueuePolicy ${JSON.stringify(options.vfQueuePolicy)}: use reject or drop`);
  }
  // at least one VF: the VF-queue stages send the command to VF 1
  if (!Number.isInteger(options.vfs) || options.vfs < 1 || options.vfs > 0xfffe) {
    throw new Error(`vfs must be an integer from 1 to 65534 (the VF index is 16 bits), got ${options.vfs}`);
  }
  return options;
}

/** The option sets the project tests, each a separate MachineSpec. */
export const PF_ACCEPTANCE_OPTION_SETS: readonly PfAcceptanceOptions[] = [
  { profile: 'lm', strict: false, vfQueuePolicy: 'reject', vfs: DEFAULT_VFS },
  { profile: 'no-lm', strict: false, vfQueuePolicy: 'reject', vfs: DEFAULT_VFS },
  { profile: 'reserved', strict: false, vfQueuePolicy: 'reject', vfs: DEFAULT_VFS },
  { profile: 'foreign', strict: false, vfQueuePolicy: 'reject', vfs: DEFAULT_VFS },
  { profile: 'lm', strict: true, vfQueuePolicy: 'reject', vfs: DEFAULT_VFS },
  { profile: 'lm', strict: false, vfQueuePolicy: 'drop', vfs: DEFAULT_VFS },
];

export function createPfAcceptance(input: PfAcceptanceOptionsInput): AnyStateMachine {
  return acceptanceSetup.createMachine(acceptanceConfig(normalizeOptions(input)));
}

/** e.g. `pfAcceptance:lm`, `pfAcceptance:lm:strict`, `pfAcceptance:lm:drop`, `pfAcceptance:lm:vfs=3` */
function pfAcceptanceId(input: PfAcceptanceOptionsInput): string {
  const o = normalizeOptions(input);
  const parts = ['pfAcceptance', o.profile];
  if (o.strict) parts.push('strict');
  if (o.vfQueuePolicy === 'drop') parts.push('drop');
  if (o.vfs !== DEFAULT_VFS) parts.push(`vfs=${o.vfs}`);
  return parts.join(':');
}

export function pfAcceptanceSpec(input: PfAcceptanceOptionsInput): MachineSpec {
  const options = normalizeOptions(input);
  return {
    id: pfAcceptanceId(options),
    description:
      `One command's trip through the PF acceptance pipeline (profile ${options.profile}` +
      `${options.strict ? ', strict' : ''}, VF-queue policy ${options.vfQueuePolicy}, ${options.vfs} VFs): ` +
      'queue, opcode, FUSE/PSDT, reserved/NSID, VF index, VF state, data transfer, LOAD data; every end a final state with its status and decision.',
    machine: createPfAcceptance(options),
    events: acceptanceAlphabet(options.vfs),
    key: acceptanceKey,
    keyOmitsContext: true,
    invariants: ACCEPTANCE_INVARIANTS,
    // No liveness: every event moves to a later stage (the stages form a DAG),
    // so every run ends in a final state within 10 events; nothing can stay pending.
    liveness: [],
  };
}

/**
 * State identity: the stage plus what the rest of the trip depends on (the
 * queue and the opcode: the guards and I1/I2 read them; the options are fixed
 * per spec). The other fields of `cmd` record the path taken (for
 * describeCommand and the effect in expectedOutcome), not state, so commands
 * that differ only in an ignored reserved bit, the VF index or the VF state
 * merge instead of making the graph a tree.
 */
function acceptanceKey(snapshot: AnyMachineSnapshot): string {
  const { cmd } = snapshot.context as AcceptanceContext;
  return `${String(snapshot.value)}|${cmd.queue ?? '-'}|${cmd.opcode ?? '-'}`;
}

/** One machine per option set for describePath: a binding asks on every step, and building the machine cost more than replaying it. */
const describedMachines = new Map<string, AnyStateMachine>();

/** describeCommand for the machine of these options. */
export function describePath(input: PfAcceptanceOptionsInput, events: readonly AcceptanceEvent[]): CommandToBuild {
  const id = pfAcceptanceId(input);
  let machine = describedMachines.get(id);
  if (machine === undefined) describedMachines.set(id, (machine = createPfAcceptance(input)));
  return describeCommand(machine, events);
}
