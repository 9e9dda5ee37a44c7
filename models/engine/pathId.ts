// A path's stable id: its suite's id and its 0-based index in suite.paths(),
// e.g. `pfAcceptance:lm#17`. Stable across runs and machines because path
// generation is deterministic (Suite.paths: the same paths in the same order);
// `verify --replay <suite> <index>` plays the path an id names.
import type { Path } from '../../src/paths/path.ts';
import type { Suite } from './suite.ts';

export const PATH_ID_SEPARATOR = '#';

export function pathId(suiteId: string, index: number): string {
  return `${suiteId}${PATH_ID_SEPARATOR}${index}`;
}

/** The id of `path` (a path of suite.paths(), or one with the same events); undefined for a path not in that list. */
export function idOfPath(suite: Suite, path: Path): string | undefined {
  const paths = suite.paths();
  let i = paths.indexOf(path);
  if (i < 0) i = paths.findIndex((p) => p.name === path.name);
  return i < 0 ? undefined : pathId(suite.id, i);
}

/** The path `index` of the suite, or an error saying which indices exist. */
export function pathAt(suite: Suite, index: number): Path {
  const paths = suite.paths();
  if (!Number.isInteger(index) || index < 0 || index >= paths.length) {
    throw new RangeError(`path ${index} of ${suite.id}: give a path index from 0 to ${paths.length - 1} (the number after '${PATH_ID_SEPARATOR}' in a failure's path id)`);
  }
  return paths[index];
}
