// Every subcommand registers itself here: one import and one list entry each.
// Registering loads only options and help; each command loads its job, and
// the machine catalog, when it runs (so `--help` or `encode` start fast).
import type { Command } from 'commander';
import type { MachineCatalog } from '../../diagram/registry.ts';
import { registerVfio } from './vfio.ts';
import { registerCodec } from './codec.ts';
import { registerServe } from './serve.ts';
import { registerVerify } from './verify.ts';
import { registerFuzz } from './fuzz.ts';
import { registerMigrate } from './migrate.ts';
import { registerCheck } from './check.ts';
import { registerDiagram } from './diagram.ts';
import { registerReport } from './report.ts';
import { registerExplain } from './explain.ts';

let catalogLoad: Promise<MachineCatalog> | undefined;

/** The list holds system:2; machineSpec also builds system:<n> for n = 1..8 (diagram system:3). Built once, on first use. */
const catalog = {
  load(): Promise<MachineCatalog> {
    catalogLoad ??= Promise.all([import('../../../machines/catalog.ts'), import('../../diagram/registry.ts')]).then(([specs, registry]) =>
      registry.catalogFromSpecs(specs.machineSpecs, specs.machineSpec),
    );
    return catalogLoad;
  },
};

export type Register = (program: Command) => void;

export const commands: Register[] = [
  registerCheck,
  (p) => registerDiagram(p, catalog),
  (p) =>
    registerReport(p, {
      catalog: async () => (await catalog.load())(),
      runCheck: async () => (await import('../actions/check.ts')).checkForCli({ label: 'report: check' }),
    }),
  registerVfio,
  registerCodec,
  registerServe,
  registerVerify,
  registerFuzz,
  registerMigrate,
  registerExplain,
];
