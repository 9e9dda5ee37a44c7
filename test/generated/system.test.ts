// Generated: one test per path of the composed system with two VFs (PF + VF 1
// + VF 2: isolation D14, PF reset D18), on the built-in emulator.
import { systemSuites } from '../../models/bindings/system.ts';
import { generatedTests } from './generate.ts';

generatedTests(systemSuites({ timeoutMs: 0 }));
