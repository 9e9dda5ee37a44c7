// The executor set of each profile (architecture rule 8: a profile is a
// seam). The controller owns fetching and posting; what a fetched command
// does is the business of the device profile's executor set, picked here
// once per device. Adding a profile (tp4159) is one entry in EXECUTORS and
// its own files; the controller and this dispatch stay as they are.
//
// What a profile's executor set must provide (ProfileExecutors):
// - admin(c, v, o): every command fetched from controller c's admin queue,
//   PF and VFs alike (c.fn, c.isVf tell them apart; the SQE is at v[o..o+63]).
//   Take the profile's own opcodes first, then hand everything else to
//   execAdmin (adminExec.ts: Identify, queues, Number of Queues, Abort, and
//   Invalid Command Opcode for the rest).
// - io(c, sq, v, o): every command fetched from an I/O SQ (execIo, nvmExec.ts,
//   unless the profile adds to it, e.g. logging writes).
// - completeHeld(c, v, o): a command execIo held in flight (ioCompletion
//   'deferred') completing in completeIo, or in a SAVE's drain (runNvm).
// Each returns an Outcome (outcome.ts): the status word (or DROPPED: no
// completion; IN_FLIGHT: the executor posts it later itself), CQE DW0, and
// the decision and reason for the trace. Rules for every executor:
// - it never posts the command's own CQE: the controller posts it from the
//   outcome (the CQ slot was reserved at fetch);
// - validation is separate from mutation (rule 3): a pure acceptance returns
//   accept, or reject(status, decision id); only after accept does the
//   executor change state, so a rejected command touches nothing (I3);
// - it never reads config.mutant: a profile's broken variants wrap its
//   executors from outside (mutants.ts), and the factory below receives the
//   mutant to apply.
import type { Controller } from './controller.ts';
import type { SubmissionQueue } from './queues.ts';
import type { DeviceConfig, Mutant } from './options.ts';
import type { Profile } from './profiles.ts';
import type { Outcome } from './outcome.ts';
import { isLmOpcode } from '../wire/opcodes.ts';
import { execAdmin } from './adminExec.ts';
import { execIo, runNvm } from './nvmExec.ts';
import { lmOnAdminQueue, LM_STEPS, type LmSteps } from './migration.ts';
import { isControllerMutant, isTp4159Mutant, mutateExecutors, mutateHmlmSteps, mutateLmSteps, mutatePost } from './mutants.ts';
import { POST_COMPLETION } from './queues.ts';
import type { PostCompletion } from './context.ts';
import { HMLM_STEPS, hmlmExecutors } from './hmlmExec.ts';

export interface ProfileExecutors {
  admin(c: Controller, v: DataView, o: number): Outcome;
  io(c: Controller, sq: SubmissionQueue, v: DataView, o: number): Outcome;
  completeHeld(c: Controller, v: DataView, o: number): Outcome;
}

/** Builds a profile's executor set, broken by `mutant` when one is given. */
export type ExecutorFactory = (mutant: Mutant | undefined) => ProfileExecutors;

function vendorLmExecutors(steps: LmSteps): ProfileExecutors {
  return {
    admin: (c, v, o) => (isLmOpcode(v.getUint8(o)) ? lmOnAdminQueue(steps, c, v, o) : execAdmin(c, v, o)),
    io: execIo,
    completeHeld: runNvm,
  };
}

const VENDOR_LM = vendorLmExecutors(LM_STEPS);

/** The vendor LM opcodes 0xC4-0xD5: routeLmOpcode tells lm, no-lm, reserved and foreign apart by their ProfileInfo. */
// A tp4159 or controller mutant leaves the LM steps correct: a fresh, correct set.
const vendorLm: ExecutorFactory = (mutant) =>
  mutant === undefined ? VENDOR_LM : vendorLmExecutors(isTp4159Mutant(mutant) || isControllerMutant(mutant) ? LM_STEPS : mutateLmSteps(LM_STEPS, mutant));

const HMLM_EXECUTORS = hmlmExecutors(HMLM_STEPS);

/** The standard profile (D19-D34); only its own mutants break it. */
const tp4159: ExecutorFactory = (mutant) =>
  mutant === undefined ? HMLM_EXECUTORS : hmlmExecutors(isTp4159Mutant(mutant) ? mutateHmlmSteps(HMLM_STEPS, mutant) : HMLM_STEPS);

const EXECUTORS: Readonly<Record<Profile, ExecutorFactory>> = {
  lm: vendorLm,
  'no-lm': vendorLm,
  reserved: vendorLm,
  foreign: vendorLm,
  tp4159,
};

/** The executor set of a device: its profile's, with its mutant applied (a controller mutant wraps any profile's). */
export function executorsFor(config: DeviceConfig): ProfileExecutors {
  return mutateExecutors(EXECUTORS[config.profile.name](config.mutant), config.mutant);
}

/** How a device writes completions: the correct way, or broken by its controller mutant. */
export function completionPosterFor(config: DeviceConfig): PostCompletion {
  return mutatePost(POST_COMPLETION, config.mutant);
}
