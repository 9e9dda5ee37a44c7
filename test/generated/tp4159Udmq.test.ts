// Generated: one test per path of the tp4159 UDMQ machine (4 entries holding
// 3, D31: logging, flow control and ESA 7, wraps and phase tags, Suspend's
// ESA 3 and Resume's ESA 1, resets), on the built-in emulator.
import { tpUdmqSuites } from '../../models/bindings/tp4159Udmq.ts';
import { generatedTests } from './generate.ts';

generatedTests(tpUdmqSuites({ timeoutMs: 0 }));
