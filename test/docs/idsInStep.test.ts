// Every decision, invariant and liveness id the project cites is defined in
// docs/spec/, and every id defined there is proved or implemented somewhere
// (cited by code or a test, not only by docs). The scanner and the check are
// src/docs/idScan.ts; idScan.test.ts shows on synthetic input that this test
// can fail.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { idDrift, specIdsIn } from '../../src/docs/idScan.ts';
import { readSpecEntries } from '../../src/docs/specFiles.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Ids of a profile whose code is still being written (tp4159: D19-D34,
 * I9-I15, L5-L7): defined in docs/spec/tp4159.md, cited by no code or test
 * yet. Remove an id here when its implementation or test cites it; this test
 * fails while a listed id is cited, so the list only shrinks.
 */
const NOT_YET_IMPLEMENTED: readonly string[] = [

];

/** Files whose ids are not citations: this test (the list above) and the scanner's synthetic input. */
const NOT_SCANNED = new Set(['test/docs/idsInStep.test.ts', 'test/docs/idScan.test.ts']);

/**
 * Code about ids rather than citing them (the docs/spec/ reader, `explain`,
 * their tests quote ids as examples): scanned as docs, so their ids must be
 * defined, but quoting an id there is no implementation of it.
 */
const ABOUT_IDS = /^(src\/docs\/|test\/docs\/|src\/cli\/commands\/explain\.ts$|test\/cli\/explain\.test\.ts$)/;

const CODE = /\.(ts|mts|js|mjs)$/;
const isCitingCode = (f: string): boolean => CODE.test(f) && !ABOUT_IDS.test(f);

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.')) return [];
    const path = `${dir}/${name}`;
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

function idsByFile(files: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const file of files) {
    if (NOT_SCANNED.has(file)) continue;
    const ids = specIdsIn(readFileSync(join(root, file), 'utf8'));
    if (ids.length > 0) map.set(file, ids);
  }
  return map;
}

describe('decision, invariant and liveness ids are in step with docs/spec/', () => {
  const inCodeDirs = ['src', 'machines', 'models', 'test'].flatMap(filesUnder);
  const code = idsByFile(inCodeDirs.filter(isCitingCode));
  // docs: docs/ (markdown and the generated diagrams), README.md, any other text in the code folders, code about ids
  const docs = idsByFile([...filesUnder('docs'), 'README.md', ...inCodeDirs.filter((f) => !isCitingCode(f))]);
  const defined = readSpecEntries().map((e) => e.id);
  const drift = idDrift({ defined, code, docs, notYetUsed: NOT_YET_IMPLEMENTED });

  it('the scan sees the tree (code cites D1, README.md cites D14)', () => {
    expect(code.size).toBeGreaterThan(50);
    expect([...code.values()].some((ids) => ids.includes('D1'))).toBe(true);
    expect(docs.get('README.md')).toContain('D14');
  });

  it('every id used in src/, machines/, models/, test/, docs/ or README.md is defined in docs/spec/ (add an entry there)', () => {
    expect(drift.undefinedIds).toEqual([]);
  });

  it('every id defined in docs/spec/ is cited by code or a test (cite it where it is implemented or proved)', () => {
    expect(drift.unused).toEqual([]);
  });

  it('the not-yet-implemented list is current: none of its ids is cited by code or tests yet, each is defined (remove cited ones from NOT_YET_IMPLEMENTED)', () => {
    expect(drift.excusedButUsed).toEqual([]);
    expect(drift.excusedButUndefined).toEqual([]);
  });
});
