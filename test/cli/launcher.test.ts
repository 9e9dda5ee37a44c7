// The launcher (bin/nvme-lm.mjs) runs a bundle of the current sources
// (bin/cliBundle.mjs): built once, rebuilt after any source change, each
// file's import.meta.url still its own; tsx's loader on request.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a plain JavaScript module of the launcher, without types
import { bundledEntry } from '../../bin/cliBundle.mjs';

const build = bundledEntry as (root: string) => Promise<string>;

/** A project of one CLI file that prints where it is, as the sources would say. */
function tinyProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'nvme-lm-launcher-'));
  for (const d of ['src/cli', 'src/docs', 'machines', 'models']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'package-lock.json'), '{}');
  writeFileSync(join(root, 'src/docs/where.ts'), 'export const where: string = new URL(".", import.meta.url).href;\n');
  writeFileSync(join(root, 'src/cli/main.ts'), 'import { where } from "../docs/where.ts";\nconsole.log(where);\n');
  return root;
}

const run = (entry: string): string => spawnSync(process.execPath, [entry], { encoding: 'utf8' }).stdout.trim();

describe('the launcher and its bundle', () => {
  it('builds once per version of the sources and keeps each file\'s import.meta.url (files read beside the code are found)', async () => {
    const root = tinyProject();
    try {
      const first = await build(root);
      expect(await build(root)).toBe(first);
      expect(run(first)).toBe(pathToFileURL(join(root, 'src/docs/')).href);
      // any source change (here its mtime) is a new bundle, with no step to remember
      const later = new Date(Date.now() + 5000);
      utimesSync(join(root, 'src/docs/where.ts'), later, later);
      const second = await build(root);
      expect(second).not.toBe(first);
      expect(run(second)).toBe(pathToFileURL(join(root, 'src/docs/')).href);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the real CLI from its bundle and through tsx\'s loader (NVME_LM_LOADER=tsx) prints the same, reading package.json and docs/spec/ beside the sources', () => {
    const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(process.execPath, ['bin/nvme-lm.mjs', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    for (const args of [['--version'], ['explain', 'D31']]) {
      const bundled = cli({}, ...args);
      const loaded = cli({ NVME_LM_LOADER: 'tsx' }, ...args);
      expect([bundled.status, bundled.stdout]).toEqual([0, loaded.stdout]);
      expect(loaded.status).toBe(0);
    }
    expect(cli({}, 'explain', 'D31').stdout).toMatch(/^D31 \(decision\)/);
  });
});
