// Every generated suite the project runs: `nvme-lm check` runs all of them
// on the built-in emulator, `nvme-lm verify` on another implementation, and
// test/generated/ turns each path into one vitest test.
import type { Profile } from '../src/target/adapter.ts';
import type { Suite } from './engine/suite.ts';
import { pfAcceptanceSuites } from './bindings/pfAcceptance.ts';
import type { SavedFormat } from './host/savedFormat.ts';
import { vfioSuites } from './bindings/vfio.ts';
import { vfLifecycleSuites } from './bindings/vfLifecycle.ts';
import { systemSuites } from './bindings/system.ts';
import { tpLifecycleSuites } from './bindings/tp4159Lifecycle.ts';
import { tpUdmqSuites } from './bindings/tp4159Udmq.ts';
import { tpSystemSuites } from './bindings/tp4159System.ts';
import { tpAcceptanceSuites } from './bindings/tp4159Acceptance.ts';

export interface CatalogOptions {
  /**
   * How long a binding polls for a completion before deciding none came.
   * 0 for synchronous targets (the built-in emulator answers before the
   * doorbell write returns); a few hundred ms for processes and QEMU.
   */
  timeoutMs?: number;
  /**
   * The target's saved-data format (EMULATOR_SAVED_FORMAT for the built-in
   * emulator): with it the pfAcceptance suites also play LOAD with an unknown
   * version and with an excess geometry (D7). Default none: a target's format
   * is unknown, and those paths are NotRealisable.
   */
  savedFormat?: SavedFormat;
}

export function allSuites(o: CatalogOptions = {}): Suite[] {
  const timeoutMs = o.timeoutMs ?? 0;
  return [
    ...vfLifecycleSuites({ timeoutMs }),
    ...pfAcceptanceSuites({ timeoutMs, savedFormat: o.savedFormat }),
    ...vfioSuites({ timeoutMs }),
    ...systemSuites({ timeoutMs }),
    // the standard profile tp4159
    ...tpLifecycleSuites({ timeoutMs }),
    ...tpUdmqSuites({ timeoutMs }),
    ...tpSystemSuites({ timeoutMs }),
    ...tpAcceptanceSuites({ timeoutMs }),
  ];
}

/** Suites for the given profiles (all when the list is empty). */
export function suitesFor(profiles: readonly Profile[] = [], o: CatalogOptions = {}): Suite[] {
  const all = allSuites(o);
  return profiles.length === 0 ? all : all.filter((s) => profiles.includes(s.profile));
}
