#!/usr/bin/env node
// Launcher: runs the CLI in this same process, so `npx nvme-lm` works right
// after `npm ci` with no build step, and a signal (Ctrl-C) reaches the CLI
// itself, whose handlers stop what it started. It runs the bundle of the
// current sources (cliBundle.mjs, built on first use), or the TypeScript
// sources through tsx's loader when no bundle can be built there (a read-only
// node_modules) or NVME_LM_LOADER=tsx asks for it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { bundledEntry } from './cliBundle.mjs';

// V8's optimising compiler inlines called functions into hot ones up to 920
// bytes of bytecode by default. Our runs are short and their hot code is many
// middle-sized functions (the drivers, XState, the explorer), optimised and
// re-optimised on V8's helper threads: `nvme-lm check` spent about 4.8 s of
// its 12 s of CPU on them, 958 optimising compilations. A budget of 230
// bytes took 0.91x its CPU and 0.98x its wall time; 100 bytes then took
// 0.96x the CPU and 0.97x the wall time of 230, and verify over JSON lines
// 0.97x the wall time (paired with farm-bench; bench/, docs/verify-speed.md).
// Set before any of the CLI is loaded, so every later compilation uses it; a
// node started with its own value keeps that one.
const INLINE_FLAG = '--max-inlined-bytecode-size-cumulative';
if (!process.execArgv.some((a) => a.startsWith(INLINE_FLAG))) setFlagsFromString(`${INLINE_FLAG}=100`);

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
