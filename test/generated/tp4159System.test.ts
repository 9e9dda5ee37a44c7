// Generated: one test per path of the tp4159 system machine (the PF and two
// VFs of profile tp4159: migration commands, UDMQs and PF resets), on the
// built-in emulator, with every VF's state and UDMQ checked for isolation
// (I13) after each step.
import { tpSystemSuites } from '../../models/bindings/tp4159System.ts';
import { generatedTests } from './generate.ts';

generatedTests(tpSystemSuites({ timeoutMs: 0 }));
