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

  it('rule 2: machines/ import nothing from src/, models/ or test/', () => {
    expect(violations(['machines'], ['src', 'models', 'test'])).toEqual([]);
  });

  it('rule 2: src/check (the checker and the check JSON) imports only machines/ of the project, so paths, bindings, jobs and renderers may all build on it', () => {
    expect(violations(['src/check'], ['src/paths', 'models', 'src/verify', 'src/migrate', 'src/fuzz', 'src/diagram', 'src/cli', 'src/target', 'src/emulator', 'src/host'])).toEqual([]);
  });

  it('rule 2: models/ never imports a job or the CLI (src/verify, src/cli)', () => {
    expect(violations(['models'], ['src/verify', 'src/cli'])).toEqual([]);
  });

  it('rule 2: a job never lives in the CLI: src/verify and src/diagram import nothing from src/cli, src/diagram nothing from the jobs', () => {
    expect(violations(['src/verify', 'src/diagram'], ['src/cli'])).toEqual([]);
    expect(violations(['src/diagram'], ['src/verify', 'models'])).toEqual([]);
  });

  it('the import scanner sees every import form (so the rules above can fail)', () => {
    const text = `import a from '../../machines/x.ts';\nimport type { B } from "../models/y.ts";\nexport * from './z.ts';\nconst c = await import('../machines/d.ts');\nrequire('../models/e');`;
    expect(importsOf(text)).toEqual(['../../machines/x.ts', '../models/y.ts', './z.ts', '../machines/d.ts', '../models/e']);
  });
});
