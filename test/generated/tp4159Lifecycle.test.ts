// Generated: one test per path of the tp4159 lifecycle machine (VF 1 of a
// tp4159 device: Suspend and its drain, latched doorbells, Get/Set State in
// parts or whole, the guest's admin queue across a migration), on the
// built-in emulator. Pending (skipped with the reason) while the emulator
// does not offer profile tp4159.
import { tpLifecycleSuites } from '../../models/bindings/tp4159Lifecycle.ts';
import { generatedTests } from './generate.ts';

generatedTests(tpLifecycleSuites({ timeoutMs: 0 }));
