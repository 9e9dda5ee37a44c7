// Architecture rules 1 and 2 (docs/architecture.md): the implementation never
// reads the specification, and every import follows an arrow of the intended
// layering (test/architecture/layers.ts). Each rule is shown able to fail.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMPLEMENTATIONS, LAYERS, layersMermaid, SPECIFICATION } from './layers.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sourceFiles(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) return sourceFiles(relative(root, p));
    return /\.(ts|mts|js|mjs)$/.test(name) ? [relative(root, p)] : [];
  });
}

/** Every module specifier a file imports (static, dynamic, re-export, require). */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[^'";]*?\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) specs.push(m[1]);
  return specs;
}

/** The layer a repository path belongs to, or undefined (tests, bench, examples: free to import anything). */
function layerOf(path: string): string | undefined {
  for (const [name, layer] of Object.entries(LAYERS)) {
    if (layer.dirs.some((d) => path === d || path.startsWith(`${d}/`))) return name;
  }
  return undefined;
}

/** The imports of one file (given as repository path and text) that break the layering. */
export function violationsOf(file: string, text: string): string[] {
  const from = layerOf(file);
  if (from === undefined) return [];
  const out: string[] = [];
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(root, dirname(file), spec));
    const to = layerOf(target);
    if (to === from) continue;
    if (to === undefined) {
      // a layer may reach only other layers: never tests, bench or a folder on no row
      out.push(`${file} imports ${spec} (outside every layer)`);
    } else if (!LAYERS[from].may.includes(to)) {
      out.push(`${file} imports ${spec} (${from} may not import ${to})`);
    }
  }
  return out;
}

const layered = Object.values(LAYERS).flatMap((l) => l.dirs);
const allFiles = layered.flatMap(sourceFiles);

describe('architecture', () => {
  it('rule 1: the implementations (src/wire, src/target, src/emulator, src/host) import nothing from machines/ or models/', () => {
    const bad = allFiles
      .filter((f) => (IMPLEMENTATIONS as readonly string[]).includes(layerOf(f) ?? ''))
      .flatMap((f) => violationsOf(f, readFileSync(join(root, f), 'utf8')))
      .filter((v) => SPECIFICATION.some((s) => v.endsWith(`may not import ${s})`)));
    expect(bad).toEqual([]);
  });

  it('rule 2: every import in every layer follows an arrow of the intended layering', () => {
    expect(allFiles.length).toBeGreaterThan(100);
    expect(allFiles.flatMap((f) => violationsOf(f, readFileSync(join(root, f), 'utf8')))).toEqual([]);
  });

  it('the map is true: every folder of src/ is a layer, and every layer names folders that exist', () => {
    const srcDirs = readdirSync(join(root, 'src')).filter((d) => statSync(join(root, 'src', d)).isDirectory()).map((d) => `src/${d}`);
    expect(srcDirs.filter((d) => !layered.includes(d))).toEqual([]);
    expect(layered.filter((d) => sourceFiles(d).length === 0)).toEqual([]);
  });

  it('no arrow points both ways (the layering is acyclic)', () => {
    const seen = new Set<string>();
    const visit = (name: string, stack: string[]): void => {
      expect(stack, `cycle ${[...stack, name].join(' -> ')}`).not.toContain(name);
      if (seen.has(name)) return;
      for (const next of LAYERS[name].may) visit(next, [...stack, name]);
      seen.add(name);
    };
    for (const name of Object.keys(LAYERS)) visit(name, []);
  });

  it('each rule can fail: a seeded import of every forbidden kind is reported, every allowed one is not', () => {
    const names = Object.keys(LAYERS);
    let seeded = 0;
    for (const from of names) {
      const file = `${LAYERS[from].dirs[0]}/seeded.ts`;
      for (const to of names) {
        if (to === from) continue;
        const target = relative(dirname(file), `${LAYERS[to].dirs[0]}/x.ts`);
        const found = violationsOf(file, `import { x } from './${target}';\n`);
        if (LAYERS[from].may.includes(to)) expect(found, `${from} -> ${to} is allowed`).toEqual([]);
        else {
          expect(found, `${from} -> ${to} is forbidden`).toHaveLength(1);
          seeded++;
        }
      }
      expect(violationsOf(file, `import { t } from './${relative(dirname(file), 'test/x.ts')}';`), `${from} -> test/`).toHaveLength(1);
    }
    expect(seeded).toBeGreaterThan(50);
  });

  it('the import scanner sees every import form (so the rules above can fail)', () => {
    const text = `import a from '../../machines/x.ts';\nimport type { B } from "../models/y.ts";\nexport * from './z.ts';\nconst c = await import('../machines/d.ts');\nrequire('../models/e');`;
    expect(importsOf(text)).toEqual(['../../machines/x.ts', '../models/y.ts', './z.ts', '../machines/d.ts', '../models/e']);
  });
});

describe('docs/architecture.md', () => {
  it('draws the layering of test/architecture/layers.ts (regenerate the mermaid block from layersMermaid() when the table changes)', () => {
    const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
    const block = /```mermaid\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block).toBe(layersMermaid());
  });
});
