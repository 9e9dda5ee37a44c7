// Every broken variant of the standard profile's emulator (TP4159_MUTANTS)
// is caught by the generated tp4159 suites (models/catalog.ts), by a path
// named as a failure report names it ([suite#index]): in process, and through
// the process boundary, where `verify --exec "nvme-lm serve --profile tp4159
// --mutant X" --replay <suite> <index>` plays that one path, exits 1 and
// prints it; the unbroken emulator passes that same path (and every path:
// test/generated), so a catch is the mutant's, not the binding's. (The lm mutants are proven caught per binding
// in test/models and over --exec in test/cli/verify.test.ts.)
import { describe, expect, it } from 'vitest';
import { MUTANT_BUGS, TP4159_MUTANTS, type Tp4159Mutant } from '../../src/emulator/options.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { formatFailure, replayHint } from '../../src/verify/failureText.ts';
import { suitesFor } from '../../models/catalog.ts';
import { runSuite, type PathFailure } from '../../models/engine/run.ts';
import { NVME_LM, verify } from '../cli/verifyProcess.ts';

const SUITES = suitesFor(['tp4159']);

/**
 * Where each is caught (each suite stopped at its first failing path): the
 * suite and the event of the failing step. crossVfLog needs two VFs logging
 * (tp4159System), cdqForPf a CDQ created for the PF (tp4159Acceptance).
 */
const CAUGHT_AT: Record<Tp4159Mutant, { suite: RegExp; event: RegExp }> = {
  partialSetState: { suite: /^tp4159Lifecycle$/, event: /^SET_STATE/ },
  suspendBeforeDrain: { suite: /^tp4159Lifecycle$/, event: /^SUSPEND$/ },
  stateDropsLatchedTail: { suite: /^tp4159Lifecycle$/, event: /^GET_STATE$/ },
  crossVfLog: { suite: /^tp4159System:2$/, event: /^WRITE/ },
  trackWhileSuspended: { suite: /^tp4159Udmq$/, event: /^TRACK_START$/ },
  cdqForPf: { suite: /^tp4159Acceptance/, event: /^CNTLID_PF$/ },
};

const firstCatches = new Map<Tp4159Mutant, Promise<PathFailure | undefined>>();

/**
 * The failing path that fails soonest among the first ones found, or undefined
 * when every path passes; once per mutant. The suites CAUGHT_AT names are
 * played first (the others only when those pass, so a mutant caught elsewhere
 * fails the test naming that suite): the large suites before them in the
 * catalog would take seconds to pass for nothing.
 */
function firstCatch(mutant: Tp4159Mutant): Promise<PathFailure | undefined> {
  let found = firstCatches.get(mutant);
  if (found === undefined) {
    const pinned = (id: string): boolean => CAUGHT_AT[mutant].suite.test(id);
    const order = [...SUITES.filter((s) => pinned(s.id)), ...SUITES.filter((s) => !pinned(s.id))];
    found = (async () => {
      for (const s of order) {
        const run = await runSuite(s, new EmulatorAdapter({ mutant }), { stopAtFirstFailure: true });
        if (run.failures.length > 0) return run.failures.reduce((a, b) => (b.step < a.step ? b : a));
      }
      return undefined;
    })();
    firstCatches.set(mutant, found);
  }
  return found;
}

const notCaught = (mutant: Tp4159Mutant): string =>
  `${mutant} passed every path of ${SUITES.map((s) => s.id).join(', ')}: no tp4159 suite in the catalog plays what it breaks (${MUTANT_BUGS[mutant].breaks})`;

describe('tp4159 mutants: the generated suites catch each, naming the path', () => {
  it('the list is every tp4159 mutant, six of them', () => {
    expect(Object.keys(CAUGHT_AT)).toEqual([...TP4159_MUTANTS]);
    expect(TP4159_MUTANTS.length).toBeGreaterThanOrEqual(6);
  });

  for (const mutant of TP4159_MUTANTS) {
    const { bug, breaks } = MUTANT_BUGS[mutant];

    it(`${breaks}: ${mutant} (${bug}) fails a tp4159 path in process, named [suite#index] as the report prints it`, async () => {
      const f = await firstCatch(mutant);
      expect(f, notCaught(mutant)).toBeDefined();
      const failure = f as PathFailure;
      const text = formatFailure(failure).join('\n');
      expect(failure.suite, text).toMatch(CAUGHT_AT[mutant].suite);
      expect(failure.event, text).toMatch(CAUGHT_AT[mutant].event);
      expect(failure.pathId).toMatch(new RegExp(`^${failure.suite}#\\d+$`));
      expect(text).toContain(`FAIL ${failure.suite}: ${failure.path} [${failure.pathId}]`);
      expect(failure.expected).not.toBe(failure.observed);
    });

    it(`${breaks}: ${mutant} served over JSON lines fails that path again on verify --replay (exit 1, the path named); the unbroken emulator passes it`, async () => {
      const f = await firstCatch(mutant);
      expect(f, `nothing to replay: ${notCaught(mutant)}`).toBeDefined();
      const failure = f as PathFailure;
      const replay = (replayHint(failure) as string).split(' ');
      const [r, unbroken] = await Promise.all([
        verify(['--exec', `${NVME_LM} serve --profile tp4159 --mutant ${mutant}`, '--profile', 'tp4159', ...replay]),
        verify(['--exec', `${NVME_LM} serve --profile tp4159`, '--profile', 'tp4159', ...replay]),
      ]);
      expect(unbroken.status, unbroken.stdout + unbroken.stderr).toBe(0);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toContain(`FAIL ${failure.suite}: ${failure.path} [${failure.pathId}]`);
      expect(r.stdout).toContain(`step ${failure.step} ${failure.event}`);
    }, 30_000);
  }
});
