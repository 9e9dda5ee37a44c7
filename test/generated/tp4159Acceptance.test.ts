// Generated: one test per path of the tp4159 acceptance machine (D19-D29:
// the queue, SEL and fields, the target CNTLID, the VF's state, CSVI and the
// data of ONE management command, each rejection with its status and "nothing
// changed"), on the built-in emulator.
import { tpAcceptanceSuites } from '../../models/bindings/tp4159Acceptance.ts';
import { generatedTests } from './generate.ts';

generatedTests(tpAcceptanceSuites({ timeoutMs: 0 }));
