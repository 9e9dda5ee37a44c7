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
import { machineSpecs } from '../../../machines/catalog.ts';

import { catalogFromSpecs } from '../../diagram/registry.ts';

const catalog = catalogFromSpecs(machineSpecs);

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
];
