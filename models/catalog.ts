// Every generated suite the project runs: `nvme-lm check` runs all of them
// on the built-in emulator, `nvme-lm verify` on another implementation, and
// test/generated/ turns each path into one vitest test.
import type { Profile } from '../src/verify/adapter.ts';
import type { Suite } from './suite.ts';

export function allSuites(): Suite[] {
  return [];
}

/** Suites for the given profiles (all when the list is empty). */
export function suitesFor(profiles: readonly Profile[] = []): Suite[] {
  const all = allSuites();
  return profiles.length === 0 ? all : all.filter((s) => profiles.includes(s.profile));
}
