#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx, so `npx nvme-lm` works right
// after `npm ci` with no build step.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
const main = join(here, '..', 'src', 'cli', 'main.ts');
const result = spawnSync(process.execPath, [tsxCli, main, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  console.error(`nvme-lm: could not start: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status ?? (result.signal ? 1 : 0));
