// One scenario per controller mutant (options.ts CONTROLLER_MUTANTS): what the
// correct device gives, and that the mutant gives something else. Used by
// mutants.test.ts with the vendor and tp4159 profiles' scenarios.
import type { ControllerMutant, Mutant } from '../../src/emulator/options.ts';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { CNS_CONTROLLER, LM_CAPABILITY_OFFSET } from '../../src/wire/identify.ts';
import { Host, setup } from './helpers.ts';

interface Scenario {
  spec: string;
  run: (mutant: Mutant | undefined) => unknown;
  correct: unknown;
}

export const CONTROLLER_SCENARIOS: Record<ControllerMutant, Scenario> = {
  staleSqHead: {
    spec: 'NVMe SQ head pointer: the first completion on a fresh admin queue reports head 1 (its own command fetched)',
    run: (mutant) => {
      const { host } = setup({ vfs: 1, mutant });
      return host.query(1)?.sqhd;
    },
    correct: 1,
  },
  noPhaseInvert: {
    spec: 'NVMe phase tag: on a 2-entry admin queue the third command\'s completion (after the CQ wrapped) is seen',
    run: (mutant) => {
      const host = new Host(new EmulatedDevice({ vfs: 1, mutant }));
      host.enable(0, 2);
      return [host.query(1) !== null, host.query(1) !== null, host.query(1) !== null];
    },
    correct: [true, true, true],
  },
  duplicateCompletion: {
    spec: 'I2: a QUERY on the PF admin queue gets exactly one completion',
    run: (mutant) => {
      const { host } = setup({ vfs: 1, mutant });
      host.query(1);
      return host.stray.length + host.reapAll().length;
    },
    correct: 0,
  },
  badPfIdentify: {
    spec: 'D2: an lm PF reports 0x01 in Identify Controller byte 3072',
    run: (mutant) => {
      const { dev, host } = setup({ vfs: 1, mutant });
      const buf = host.alloc(4096);
      host.submit(0, 0, sqeFor.identify(host.nextCid(), CNS_CONTROLLER, BigInt(buf)));
      return dev.memory.read(buf + LM_CAPABILITY_OFFSET, 1)[0];
    },
    correct: 0x01,
  },
};
