// Every subcommand registers itself here: one import and one list entry each.
import type { Command } from 'commander';
import { registerVfio } from './vfio.ts';
import { registerCodec } from './codec.ts';
import { registerServe } from './serve.ts';
import { registerVerify } from './verify.ts';
import { registerFuzz } from './fuzz.ts';
import { registerMigrate } from './migrate.ts';
import { registerCheck, checkForCli } from './check.ts';
import { registerDiagram } from './diagram.ts';
import { registerReport } from './report.ts';
import { registerExplain } from './explain.ts';
import { machineSpec, machineSpecs } from '../../../machines/catalog.ts';

import { catalogFromSpecs } from '../../diagram/registry.ts';

// the list holds system:2; machineSpec also builds system:<n> for n = 1..8 (diagram system:3)
const catalog = catalogFromSpecs(machineSpecs, machineSpec);

export type Register = (program: Command) => void;

export const commands: Register[] = [
  registerCheck,
  (p) => registerDiagram(p, catalog),
  (p) => registerReport(p, { catalog, runCheck: () => checkForCli({ progress: false }) }),
  registerVfio,
  registerCodec,
  registerServe,
  registerVerify,
  registerFuzz,
  registerMigrate,
  registerExplain,
];
