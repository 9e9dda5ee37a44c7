// `nvme-lm diagram`: draw a specification machine as Mermaid, DOT, SVG or
// JSON, optionally coloured by the edge coverage in a check.json. The drawing
// (actions/diagram.ts) and the machines load only when the command runs.
import type { Command } from 'commander';
import { DIAGRAM_FORMATS } from '../../diagram/formats.ts';
import type { MachineCatalog } from '../../diagram/registry.ts';
import { checkOutputPath } from '../outputPath.ts';

/** The machines to draw: given as they are (tests), or loaded when the command runs (the CLI). */
export type CatalogSource = MachineCatalog | { load(): Promise<MachineCatalog> };

export function registerDiagram(program: Command, source: CatalogSource): void {
  program
    .command('diagram')
    .summary('draw a specification machine (mermaid, dot, svg, json)')
    .description('Draw a specification machine: states, transitions with guards, and the NVMe status + decision of each rejection.')
    .argument('[machine]', 'machine id (omit with --all)')
    .option('-f, --format <format>', `${DIAGRAM_FORMATS.join('|')} (default mermaid; with --all every format)`)
    .option('-o, --output <path>', 'file to write (or a directory); with --all the directory (default: stdout)')
    .option('--coverage <check.json>', 'colour edges by the coverage in `nvme-lm check --json` output')
    .option('--all', 'draw every machine in every format into the -o directory')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  nvme-lm diagram vfLifecycle                       Mermaid to stdout (paste into a README)\n' +
        '  nvme-lm diagram pfAcceptance:lm -f svg -o pf.svg  SVG rendered in-process, no Graphviz install\n' +
        '  nvme-lm check --json > check.json && nvme-lm diagram vfLifecycle -f svg --coverage check.json -o cov.svg\n' +
        '  nvme-lm diagram --all -o diagrams/                every machine as .mmd, .dot, .svg and .json\n',
    )
    .action(async (machine: string | undefined, opts: { format?: string; output?: string; coverage?: string; all?: boolean }) => {
      if (opts.output !== undefined) await checkOutputPath('-o', opts.output, { directoryOk: true, makesDirectories: opts.all === true });
      const { runDiagram } = await import('../actions/diagram.ts');
      const catalog = typeof source === 'function' ? source : await source.load();
      const written = await runDiagram(catalog, { ...opts, machine });
      for (const file of written) process.stderr.write(`wrote ${file}\n`);
    });
}
