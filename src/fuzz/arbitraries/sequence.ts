// A whole fuzz case: device options and a sequence of steps mixing random
// SQEs, corrupted commands, LM fuzzing, guest work, migrations and resets.
import fc from 'fast-check';
import type { Mutant } from '../../emulator/options.ts';
import type { FuzzDevice, Step } from '../steps.ts';
import { corruptedCommandArb } from './corruptedCommand.ts';
import { deviceOptionsArb } from './deviceOptions.ts';
import { guestWorkArb } from './guestWork.ts';
import { lmCommandArb } from './lmCommand.ts';
import { migrationArb } from './migration.ts';
import { randomSqeArb } from './randomSqe.ts';
import { resetArb } from './resets.ts';
import { queueTargetArb } from './target.ts';
import { hmlmCommandArb } from './hmlmCommand.ts';
import { cdqArb, hmlmMigrateArb } from './hmlmFlows.ts';
import type { FuzzProfile } from '../defaults.ts';

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(randomSqeArb, queueTargetArb({ pf: 2, vfAdmin: 2, vfIo: 2 })).map(([sqe, target]): Step => ({ kind: 'submit', target, sqe })) },
  { weight: 3, arbitrary: corruptedCommandArb },
  { weight: 3, arbitrary: lmCommandArb },
  { weight: 6, arbitrary: guestWorkArb },
  { weight: 4, arbitrary: migrationArb },
  { weight: 1, arbitrary: resetArb },
);

/** tp4159: the standard's commands with every field drawn, its host flows, and the guest's work and resets between. */
export const hmlmStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.tuple(randomSqeArb, queueTargetArb({ pf: 2, vfAdmin: 2, vfIo: 2 })).map(([sqe, target]): Step => ({ kind: 'submit', target, sqe })) },
  { weight: 8, arbitrary: hmlmCommandArb },
  { weight: 3, arbitrary: cdqArb },
  { weight: 4, arbitrary: hmlmMigrateArb },
  { weight: 5, arbitrary: guestWorkArb },
  { weight: 1, arbitrary: resetArb },
);

type FuzzCase = [FuzzDevice, Step[]];

export function fuzzCaseArb(maxSteps: number, mutant?: Mutant, profile: FuzzProfile = 'lm'): fc.Arbitrary<FuzzCase> {
  return fc.tuple(deviceOptionsArb(mutant, profile), fc.array(profile === 'tp4159' ? hmlmStepArb : stepArb, { minLength: 1, maxLength: maxSteps }));
}
