// An output path is checked before a command does any work, so a typo in -o
// costs nothing: a clear error and exit 2 instead of a failure after the run.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './usageError.ts';

export interface OutputPathRules {
  /** an existing directory is fine (the command writes a file of its own name inside) */
  directoryOk: boolean;
  /** the command creates missing parent directories itself */
  makesDirectories: boolean;
}

async function kind(path: string): Promise<'directory' | 'file' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/** Throws a UsageError (exit 2) saying what to do when `path`, given with `flag`, cannot be written. */
export async function checkOutputPath(flag: string, path: string, rules: OutputPathRules): Promise<void> {
  const here = await kind(path);
  if (here === 'directory') {
    if (rules.directoryOk) return writable(flag, path, path);
    throw new UsageError(`${flag} ${path} is a directory; give a file name, e.g. ${flag} ${path.replace(/\/+$/, '')}/check.json`);
  }
  let dir = dirname(resolve(path));
  if (!rules.makesDirectories) {
    const parent = await kind(dir);
    if (parent === 'missing') throw new UsageError(`${flag} ${path}: the directory ${dirname(path)} does not exist; create it (mkdir -p ${dirname(path)}) or choose another path`);
    if (parent === 'file') throw new UsageError(`${flag} ${path}: ${dirname(path)} is a file, not a directory; choose another path`);
    return writable(flag, path, dir);
  }
  while ((await kind(dir)) === 'missing' && dirname(dir) !== dir) dir = dirname(dir);
  if ((await kind(dir)) === 'file') throw new UsageError(`${flag} ${path}: ${dir} is a file, not a directory; choose another path`);
  return writable(flag, path, dir);
}

async function writable(flag: string, path: string, dir: string): Promise<void> {
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: ${dir} is not writable; choose another path`);
  }
}
