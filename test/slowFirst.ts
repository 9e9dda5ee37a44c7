// The test files that take longest, measured on the project's two-core
// machine, longest first. Started first, they run beside the many short files
// instead of after them, so the workers finish together. A file missing from
// the list only starts later; a name here that no longer exists is ignored.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOW_FIRST: readonly string[] = [
  'test/cli/verify.test.ts',
  'test/generated/tp4159Udmq.test.ts',
  'test/models/queueWraps.test.ts',
  'test/generated/vfLifecycle.test.ts',
  'test/verify/qemu/proxy.test.ts',
  'test/verify/qemu/verifyQemu.test.ts',
  'test/models/vfLifecycle.test.ts',
  'test/verify/tp4159Mutants.test.ts',
  'test/check/realMachines.test.ts',
  'test/models/system.test.ts',
  'test/verify/traceRecording.test.ts',
  'test/migrate/cli.test.ts',
  'test/migrate/storageProperty.test.ts',
  'test/fuzz/properties.test.ts',
  'test/verify/qemu/deviations.test.ts',
  'test/verify/qemu/qemuFeatures.test.ts',
  'test/machines/vfLifecycle.test.ts',
  'test/machines/tp4159/udmq.test.ts',
  'test/generated/system.test.ts',
  'test/verify/processGroups.test.ts',
];

/** Rank of a file in SLOW_FIRST, or the list's length for any other file. */
function rank(moduleId: string): number {
  const i = SLOW_FIRST.findIndex((f) => moduleId.endsWith(`/${f}`));
  return i < 0 ? SLOW_FIRST.length : i;
}

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // the others keep vitest's own order (longest first once it has timed a run)
    const rest = await super.sort(files);
    return rest.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.moduleId) - rank(b.f.moduleId) || a.i - b.i).map(({ f }) => f);
  }
}
