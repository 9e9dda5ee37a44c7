// What `nvme-lm diagram` does once its options are parsed: draw a machine as
// Mermaid, DOT, SVG or JSON, optionally coloured by the edge coverage in a
// check.json. commands/diagram.ts loads this file only when the command runs.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { findCoverage, coverageFor, readCheckJson, unknownEdgeIds, type CheckMachineCoverage, type Coverage } from '../../diagram/coverage.ts';
import { buildModel } from '../../diagram/model.ts';
import { DIAGRAM_FORMATS, FORMAT_EXTENSIONS, parseFormat, renderDiagram, type DiagramFormat } from '../../diagram/render.ts';
import { fileStem, findMachine, type CatalogEntry, type MachineCatalog } from '../../diagram/registry.ts';

export interface DiagramOptions {
  machine?: string;
  format?: string;
  output?: string;
  coverage?: string;
  all?: boolean;
}

export interface DiagramIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: DiagramIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function write(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot write ${file} (${reason}); check that its directory exists and is writable`);
  }
}

/** Coverage for one machine; warns (does not fail) when the file names edges the machine lacks. */
function machineCoverage(entry: CatalogEntry, entries: CheckMachineCoverage[], file: string, required: boolean, io: DiagramIo): Coverage | undefined {
  const coverage = required ? coverageFor(entries, entry.id, file) : findCoverage(entries, entry.id, file);
  if (!coverage) {
    io.stderr(`nvme-lm diagram: ${file} has no entry for ${entry.id}; drawing it without coverage\n`);
    return undefined;
  }
  const known = new Set(buildModel(entry.machine).edges.map((e) => e.id));
  const unknown = unknownEdgeIds(coverage, known);
  if (unknown.length > 0) {
    io.stderr(
      `nvme-lm diagram: ${file} names ${unknown.length} edge(s) ${entry.id} does not have (e.g. ${unknown[0]}); ` +
        'the file may be stale: rerun `nvme-lm check --json`\n',
    );
  }
  return coverage;
}

/** Runs the command; returns the files written (none when printing to stdout). */
export async function runDiagram(catalog: MachineCatalog, options: DiagramOptions, io: DiagramIo = processIo): Promise<string[]> {
  const formats: DiagramFormat[] = options.format !== undefined ? [parseFormat(options.format)] : options.all ? [...DIAGRAM_FORMATS] : ['mermaid'];
  const checkEntries = options.coverage ? await readCheckJson(options.coverage) : undefined;
  const coverageOf = (entry: CatalogEntry): Coverage | undefined =>
    checkEntries && options.coverage ? machineCoverage(entry, checkEntries, options.coverage, !options.all, io) : undefined;

  if (options.all) {
    if (options.machine !== undefined) throw new Error(`give a machine id or --all, not both (got "${options.machine}" and --all)`);
    if (!options.output) throw new Error('--all writes one file per machine and format: give the directory with -o <dir>');
    const entries = catalog();
    if (entries.length === 0) throw new Error('the machine catalog is empty: there is nothing to draw');
    const stems = new Map<string, string>();
    for (const e of entries) {
      const other = stems.get(fileStem(e.id));
      if (other !== undefined) throw new Error(`machines "${other}" and "${e.id}" would share the file name ${fileStem(e.id)}; rename one`);
      stems.set(fileStem(e.id), e.id);
    }
    await mkdir(options.output, { recursive: true });
    const written: string[] = [];
    for (const entry of entries) {
      const coverage = coverageOf(entry);
      for (const format of formats) {
        const file = join(options.output, `${fileStem(entry.id)}.${FORMAT_EXTENSIONS[format]}`);
        await write(file, await renderDiagram(entry.machine, format, { coverage, title: entry.id }));
        written.push(file);
      }
    }
    return written;
  }

  if (options.machine === undefined) {
    const ids = catalog().map((e) => e.id).join(', ') || '(none)';
    throw new Error(`name the machine to draw, or use --all -o <dir>; machines: ${ids}`);
  }
  const entry = findMachine(catalog, options.machine);
  const [format] = formats as [DiagramFormat];
  const text = await renderDiagram(entry.machine, format, { coverage: coverageOf(entry), title: entry.id });
  if (!options.output) {
    io.stdout(text);
    return [];
  }
  const file = (await isDirectory(options.output)) ? join(options.output, `${fileStem(entry.id)}.${FORMAT_EXTENSIONS[format]}`) : options.output;
  await write(file, text);
  return [file];
}

