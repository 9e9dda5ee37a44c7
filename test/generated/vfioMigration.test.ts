// Generated: one test per path of every vfioMigration suite (the host
// driver's VFIO arcs against Linux's rules, I8, D13, D16), on the built-in
// emulator.
import { vfioSuites } from '../../models/bindings/vfio.ts';
import { generatedTests } from './generate.ts';

generatedTests(vfioSuites({ timeoutMs: 0 }));
