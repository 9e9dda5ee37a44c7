import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDiagram } from '../../src/cli/commands/diagram.ts';
import { runDiagram, type DiagramIo } from '../../src/cli/actions/diagram.ts';
import type { MachineCatalog } from '../../src/diagram/registry.ts';
import { parseMermaid } from './mermaidGrammar.ts';
import { toyAwkward, toyPipeline } from './toys.ts';

const catalog: MachineCatalog = () => [
  { id: 'toyPipeline', machine: toyPipeline },
  { id: 'toy:awkward', machine: toyAwkward },
];

function capture(): DiagramIo & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'nvme-lm-diagram-'));

describe('nvme-lm diagram', () => {
  it('prints Mermaid to stdout by default', async () => {
    const io = capture();
    expect(await runDiagram(catalog, { machine: 'toyPipeline' }, io)).toEqual([]);
    expect(parseMermaid(io.out).problems).toEqual([]);
    expect(io.out).toContain('Invalid Command Opcode (SC 01h, DNR) D1');
  });

  it('--all -o <dir> writes every machine in every format, file names safe for any OS', async () => {
    const dir = await tmp();
    const written = await runDiagram(catalog, { all: true, output: dir }, capture());
    expect((await readdir(dir)).sort()).toEqual(
      ['toy-awkward.dot', 'toy-awkward.json', 'toy-awkward.mmd', 'toy-awkward.svg', 'toyPipeline.dot', 'toyPipeline.json', 'toyPipeline.mmd', 'toyPipeline.svg'],
    );
    expect(written).toHaveLength(8);
    expect(await readFile(join(dir, 'toyPipeline.svg'), 'utf8')).toMatch(/<svg[\s\S]*rejectedSequence/);
    expect(JSON.parse(await readFile(join(dir, 'toy-awkward.json'), 'utf8'))).toMatchObject({ id: 'toy:awkward' });
    expect(await readFile(join(dir, 'toyPipeline.dot'), 'utf8')).toMatch(/^digraph "toyPipeline" \{/);
  });

  it('--all with --format writes only that format', async () => {
    const dir = await tmp();
    await runDiagram(catalog, { all: true, output: dir, format: 'dot' }, capture());
    expect((await readdir(dir)).sort()).toEqual(['toy-awkward.dot', 'toyPipeline.dot']);
  });

  it('an unknown machine id is an error that lists the valid ids', async () => {
    await expect(runDiagram(catalog, { machine: 'vfLifecycle' }, capture())).rejects.toThrow('unknown machine "vfLifecycle"; valid ids: toyPipeline, toy:awkward');
  });

  it('usage errors say what to do', async () => {
    await expect(runDiagram(catalog, {}, capture())).rejects.toThrow(/name the machine to draw, or use --all -o <dir>; machines: toyPipeline, toy:awkward/);
    await expect(runDiagram(catalog, { all: true }, capture())).rejects.toThrow(/give the directory with -o <dir>/);
    await expect(runDiagram(catalog, { all: true, machine: 'toyPipeline', output: 'x' }, capture())).rejects.toThrow(/not both/);
    await expect(runDiagram(catalog, { machine: 'toyPipeline', format: 'png' }, capture())).rejects.toThrow('unknown diagram format "png"; use one of: mermaid, dot, svg, json');
    const dir = await tmp();
    await expect(runDiagram(catalog, { machine: 'toyPipeline', output: join(dir, 'no', 'such', 'x.mmd') }, capture())).rejects.toThrow(/cannot write .*x\.mmd \(ENOENT\); check that its directory exists/);
  });

  it('--coverage colours the SVG from a check.json and warns about edge ids the machine lacks', async () => {
    const dir = await tmp();
    const check = join(dir, 'check.json');
    const covered = 'toyPipeline.arrival|ARRIVE_PF_QUEUE|0';
    await writeFile(check, JSON.stringify({ machines: [{ id: 'toyPipeline', coveredEdges: [covered, 'stale|X|0'], reachableEdges: [covered] }] }));
    const io = capture();
    const [file] = await runDiagram(catalog, { machine: 'toyPipeline', format: 'svg', coverage: check, output: join(dir, 'cov.svg') }, io);
    const svg = await readFile(file, 'utf8');
    expect(svg).toContain('stroke="#2e7d32"');
    expect(svg).toContain('green: covered (1)');
    expect(io.err).toMatch(/names 1 edge\(s\) toyPipeline does not have \(e\.g\. stale\|X\|0\).*rerun `nvme-lm check --json`/);
  });

  it('--coverage for a machine the file lacks: an error for one machine, a warning with --all', async () => {
    const dir = await tmp();
    const check = join(dir, 'check.json');
    await writeFile(check, JSON.stringify({ machines: [{ id: 'toyPipeline', coveredEdges: [] }] }));
    await expect(runDiagram(catalog, { machine: 'toy:awkward', coverage: check }, capture())).rejects.toThrow(/has no entry for machine "toy:awkward" \(it has: toyPipeline\)/);
    const io = capture();
    await runDiagram(catalog, { all: true, output: dir, format: 'mermaid', coverage: check }, io);
    expect(io.err).toContain('has no entry for toy:awkward; drawing it without coverage');
  });

  it('-o naming a directory writes <id>.<ext> inside it', async () => {
    const dir = await tmp();
    expect(await runDiagram(catalog, { machine: 'toy:awkward', format: 'json', output: dir }, capture())).toEqual([join(dir, 'toy-awkward.json')]);
  });

  it('registers on commander with help that shows an example, and runs through it', async () => {
    let help = '';
    const program = new Command().exitOverride().configureOutput({ writeOut: (s) => void (help += s), writeErr: (s) => void (help += s) });
    registerDiagram(program, catalog);
    await expect(program.parseAsync(['diagram', '--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    expect(help).toContain('Examples:');
    expect(help).toContain('nvme-lm diagram --all -o diagrams/');
    const dir = await tmp();
    await program.parseAsync(['diagram', 'toyPipeline', '-f', 'dot', '-o', join(dir, 'p.dot')], { from: 'user' });
    expect(await readFile(join(dir, 'p.dot'), 'utf8')).toContain('digraph "toyPipeline"');
    await expect(program.parseAsync(['diagram', 'nope'], { from: 'user' })).rejects.toThrow(/valid ids: toyPipeline, toy:awkward/);
  });
});
