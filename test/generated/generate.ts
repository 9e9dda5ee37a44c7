// Turns generated suites into vitest tests: one `describe` per suite, one
// `it` per path, named after the path's events. Each test resets the
// implementation and plays its whole path, so any test runs alone (and
// `vitest --shard=i/n` splits the files deterministically).
import { describe, it } from 'vitest';
import type { Suite } from '../../models/engine/suite.ts';
import { Mismatch, NotRealisable } from '../../models/engine/suite.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import { UnsupportedProfileError } from '../../src/target/errors.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

export function generatedTests(suites: Suite[], adapter: () => Adapter = () => new EmulatorAdapter()): void {
  for (const suite of suites) {
    describe(suite.id, () => {
      const paths = suite.paths();
      paths.forEach((path, i) => {
        it(`#${i + 1} ${path.name}`, async (ctx) => {
          const a = adapter();
          const impl = suite.implementation(a);
          try {
            try {
              await impl.reset();
            } catch (e) {
              // pending, not passed: the target does not offer the suite's profile (yet)
              if (e instanceof UnsupportedProfileError) {
                ctx.skip(`pending: ${e.message}`);
                return;
              }
              throw e;
            }
            for (const [n, step] of path.steps.entries()) {
              try {
                await impl.step(step.event, step);
              } catch (e) {
                if (e instanceof NotRealisable) {
                  ctx.skip(`not realisable on this target: ${e.message}`);
                  return;
                }
                const why = e instanceof Mismatch ? `expected ${e.expected}, observed ${e.observed}` : String(e);
                throw new Error(`step ${n + 1} (${step.event.type}): ${why}`, { cause: e });
              }
            }
          } finally {
            await a.close();
          }
        });
      });
    });
  }
}
