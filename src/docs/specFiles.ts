// Reads the spec entries from docs/spec/*.md at run time: the docs are the one
// source of every id's text (`nvme-lm explain`, the id test). The effect at
// the edge of specEntries.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeSpecEntries, parseSpecEntries, type SpecEntry } from './specEntries.ts';

/** docs/spec/ of this checkout, wherever it is run from. */
const SPEC_DIR = fileURLToPath(new URL('../../docs/spec/', import.meta.url));

/** Every entry of every docs/spec/*.md, sorted by id; files are named `docs/spec/<name>.md` in the entries. */
export function readSpecEntries(dir: string = SPEC_DIR): SpecEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.md')).sort();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot read the specification entries in ${dir} (${reason}); run nvme-lm from a complete checkout (docs/spec/ ships with it)`);
  }
  return mergeSpecEntries(names.map((n) => parseSpecEntries(readFileSync(join(dir, n), 'utf8'), `docs/spec/${n}`)));
}
