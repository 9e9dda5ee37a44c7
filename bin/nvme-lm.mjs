#!/usr/bin/env node
// Launcher: runs the CLI in this same process, so `npx nvme-lm` works right
// after `npm ci` with no build step, and a signal (Ctrl-C) reaches the CLI
// itself, whose handlers stop what it started. It runs the bundle of the
// current sources (cliBundle.mjs, built on first use), or the TypeScript
// sources through tsx's loader when no bundle can be built there (a read-only
// node_modules) or NVME_LM_LOADER=tsx asks for it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledEntry } from './cliBundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

async function entryUrl() {
  if (process.env.NVME_LM_LOADER !== 'tsx') {
    const entry = await bundledEntry(root).catch(() => null);
    if (entry !== null) {
      process.setSourceMapsEnabled(true); // stack traces name the TypeScript sources
      return pathToFileURL(entry).href;
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return new URL('../src/cli/main.ts', import.meta.url).href;
}

try {
  await import(await entryUrl());
} catch (e) {
  console.error(`nvme-lm: could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
