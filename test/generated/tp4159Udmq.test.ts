// Generated: one test per path of the tp4159 UDMQ machine (3 entries: logging,
// flow control and ESA 7, wraps and phase tags, Suspend's ESA 3 and Resume's
// ESA 1, resets), on the built-in emulator. Pending (skipped with the
// reason) while the emulator does not offer profile tp4159.
import { tpUdmqSuites } from '../../models/tp4159Udmq.ts';
import { generatedTests } from './generate.ts';

generatedTests(tpUdmqSuites({ timeoutMs: 0 }));
