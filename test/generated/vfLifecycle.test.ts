// Generated: one test per path of every vfLifecycle suite (a VF's LM states
// and everything its guest sees: D1 D5 D6 D7 D8 D11 D12 D13 D15 D17), on the
// built-in emulator.
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { generatedTests } from './generate.ts';

generatedTests(vfLifecycleSuites({ timeoutMs: 0 }));
