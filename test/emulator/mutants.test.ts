// Each deliberately broken variant really misbehaves, and the correct device
// does not, in the same scenario: otherwise a suite that "catches" the
// mutant would prove nothing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS, type LmMutant, type Mutant } from '../../src/emulator/options.ts';
import { TP4159_SCENARIOS } from './tp4159/mutantScenarios.ts';
import { CONTROLLER_SCENARIOS } from './controllerMutantScenarios.ts';
import { setup, status } from './helpers.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { REG } from '../../src/wire/registers.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { SC } from '../../src/wire/status.ts';
import { cmdArb, configArb, Run } from './randomCommands.ts';

const ok = { sct: 0, sc: 0, dnr: false };
const rejected = (sc: number) => ({ sct: 0, sc, dnr: true });

const lmScenarios: Record<LmMutant, { spec: string; run: (mutant: Mutant | undefined) => unknown }> = {
  acceptLmOnVfQueue: {
    spec: 'D1: SUSPEND on a VF admin queue is rejected and the VF keeps running',
    run: (mutant) => {
      const { dev, host } = setup({ vfs: 1, mutant });
      const c = host.submit(1, 0, encodeLmCommand({ opcode: LM.SUSPEND, cid: 9, vfIndex: 1 }));
      return [status(c), dev.inspect(1).lmState];
    },
  },
  saveWhileRunning: {
    spec: 'D5: SAVE on a running VF is a Command Sequence Error',
    run: (mutant) => {
      const { host } = setup({ vfs: 1, mutant });
      return status(host.save(1).cqe);
    },
  },
  partialLoad: {
    spec: 'D7: a LOAD with a bad checksum leaves the VF exactly as it was',
    run: (mutant) => {
      const { dev, host } = setup({ vfs: 1, mutant });
      host.createIoPair(1, 1);
      host.suspend(1);
      const { data } = host.save(1);
      data[40] ^= 1;
      const before = dev.stateHash({ fn: 0, sqid: 0 });
      const c = host.load(1, data);
      return [status(c), dev.stateHash({ fn: 0, sqid: 0 }) === before, dev.regRead(1, REG.CSTS, 4)];
    },
  },
  queryOffByOneQueue: {
    spec: 'D8: QUERY reports exactly the bytes SAVE writes',
    run: (mutant) => {
      const { host } = setup({ vfs: 1, mutant });
      host.createIoPair(1, 1);
      host.suspend(1);
      const size = host.query(1)!.dw0;
      const { data } = host.save(1);
      return size === data[8] + (data[9] << 8);
    },
  },
  ignoreCapability: {
    spec: 'D17: on a no-lm device SUSPEND is an unknown opcode',
    run: (mutant) => {
      const { dev, host } = setup({ vfs: 1, profile: 'no-lm', mutant });
      return [status(host.suspend(1)), dev.inspect(1).lmState];
    },
  },
};

const lmExpectedCorrect: Record<LmMutant, unknown> = {
  acceptLmOnVfQueue: [rejected(SC.INVALID_OPCODE), 'running'],
  saveWhileRunning: rejected(SC.SEQUENCE_ERROR),
  partialLoad: [rejected(SC.INVALID_FIELD), true, 1n],
  queryOffByOneQueue: true,
  ignoreCapability: [rejected(SC.INVALID_OPCODE), 'running'],
};

const scenarios: Record<Mutant, { spec: string; run: (mutant: Mutant | undefined) => unknown }> = { ...lmScenarios, ...TP4159_SCENARIOS, ...CONTROLLER_SCENARIOS };
const expectedCorrect: Record<Mutant, unknown> = {
  ...lmExpectedCorrect,
  ...Object.fromEntries(Object.entries({ ...TP4159_SCENARIOS, ...CONTROLLER_SCENARIOS }).map(([m, s]) => [m, s.correct])),
} as Record<Mutant, unknown>;

describe('mutants misbehave where the correct device does not', () => {
  for (const [mutant, s] of Object.entries(scenarios) as Array<[Mutant, (typeof scenarios)[Mutant]]>) {
    it(`mutant ${mutant} breaks ${s.spec}`, () => {
      expect(s.run(undefined)).toEqual(expectedCorrect[mutant]);
      expect(s.run(mutant)).not.toEqual(expectedCorrect[mutant]);
    });
  }
  it('mutant saveWhileRunning: the SAVE succeeds without draining (the data misses commands in flight)', () => {
    const { dev, host } = setup({ vfs: 1, mutant: 'saveWhileRunning', ioCompletion: 'deferred' });
    host.createIoPair(1, 1);
    host.post(1, 1, sqeFor.write(1, 1, 0n, 8, BigInt(host.alloc(4096))));
    expect(dev.inspect(1).inFlight).toBe(1);
    expect(status(host.save(1).cqe)).toEqual(ok);
    expect(dev.inspect(1).inFlight).toBe(1);
  });
});

describe('the I1/I2/I3 property catches a mutant', () => {
  it('I1: acceptLmOnVfQueue is caught by the random-sequence property (an LM opcode on a VF admin queue changed state)', () => {
    const caught = ((): string => {
      try {
        fc.assert(
          fc.property(configArb, fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (cfg, cmds) => {
            const run = new Run({ ...cfg, profile: 'lm', mutant: 'acceptLmOnVfQueue' });
            for (const c of cmds) run.step(c);
            run.finish();
          }),
          { numRuns: 200, seed: 7 },
        );
        return 'not caught';
      } catch (e) {
        // fast-check 4 keeps the failing assertion as the cause; the message has the seed and the shrunk case.
        const err = e as Error & { cause?: Error };
        return `${err.message}\n${err.cause?.message ?? ''}`;
      }
    })();
    expect(caught).toMatch(/Property failed[^]*I1: LM opcode 0x[0-9a-f]+ on VF \d's admin queue changed state/);
  });
});

describe('the mutants live in one wrapper file', () => {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'emulator');
  /** Lines of a file that read the mutant option or name a mutant in a string (comments aside). */
  const mutantChecks = (text: string): string[] => {
    const named = new RegExp(`['"\`](${MUTANTS.join('|')})['"\`]`);
    return text
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
      .filter((line) => /\.mutant\b/.test(line) || named.test(line));
  };
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it('I3: the correct acceptance and executors carry no mutant check (only options.ts, mutants.ts and the executor table see the mutant)', () => {
    const allowed = new Set(['options.ts', 'mutants.ts', 'executors.ts']);
    const found = files.filter((f) => !allowed.has(f)).flatMap((f) => mutantChecks(readFileSync(join(dir, f), 'utf8')).map((l) => `${f}: ${l.trim()}`));
    expect(found).toEqual([]);
  });

  it('the scan sees a mutant check where there is one (it can fail)', () => {
    expect(mutantChecks(readFileSync(join(dir, 'executors.ts'), 'utf8')).length).toBeGreaterThan(0);
    expect(mutantChecks("  if (config.mutant === 'saveWhileRunning') return;")).toHaveLength(1);
    expect(mutantChecks("  const m = 'partialLoad';")).toHaveLength(1);
  });
});
