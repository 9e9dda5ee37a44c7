// Architecture rules 1 and 2: the implementation never reads the
// specification, and the specification stands alone.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
    return /\.(ts|mts|js|mjs)$/.test(name) ? [p] : [];
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

function violations(dirs: string[], forbidden: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(dir)) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(file), spec));
        if (forbidden.some((f) => target === f || target.startsWith(`${f}/`))) out.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  return out;
}

describe('architecture', () => {
  it('rule 1: src/wire, src/emulator and src/host import nothing from machines/ or models/', () => {
    expect(violations(['src/wire', 'src/emulator', 'src/host'], ['machines', 'models'])).toEqual([]);
  });

  it('rule 1: src/wire depends on nothing else in the project', () => {
    expect(violations(['src/wire'], ['src', 'machines', 'models', 'test', 'bench'].filter((d) => d !== 'src').concat(['src/emulator', 'src/host', 'src/check', 'src/paths', 'src/verify', 'src/diagram', 'src/cli']))).toEqual([]);
  });

  it('rule 2: src/target (the adapter contract and the one queue ring and driver) imports only src/wire', () => {
    const others = readdirSync(join(root, 'src')).filter((d) => d !== 'wire' && d !== 'target' && statSync(join(root, 'src', d)).isDirectory());
    expect(others).toContain('emulator');
    expect(violations(['src/target'], [...others.map((d) => `src/${d}`), 'machines', 'models', 'test', 'bench'])).toEqual([]);
  });

  it('rule 2: machines/ import nothing from src/, models/ or test/', () => {
    expect(violations(['machines'], ['src', 'models', 'test'])).toEqual([]);
  });

  it('the import scanner sees every import form (so the rules above can fail)', () => {
    const text = `import a from '../../machines/x.ts';\nimport type { B } from "../models/y.ts";\nexport * from './z.ts';\nconst c = await import('../machines/d.ts');\nrequire('../models/e');`;
    expect(importsOf(text)).toEqual(['../../machines/x.ts', '../models/y.ts', './z.ts', '../machines/d.ts', '../models/e']);
  });
});
