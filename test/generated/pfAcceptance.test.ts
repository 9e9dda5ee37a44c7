// Generated: one test per path of every pfAcceptance suite (every rejection
// path of the PF's command acceptance, D1 D4 D5 D7 D9 D10 D17), on the
// built-in emulator.
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { EMULATOR_SAVED_FORMAT } from '../../models/host/savedFormat.ts';
import { generatedTests } from './generate.ts';

generatedTests(pfAcceptanceSuites({ timeoutMs: 0, savedFormat: EMULATOR_SAVED_FORMAT }));
