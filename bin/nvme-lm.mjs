#!/usr/bin/env node
// Launcher: loads the TypeScript CLI through tsx's loader in this same
// process, so `npx nvme-lm` works right after `npm ci` with no build step,
// and a signal (Ctrl-C) reaches the CLI itself, whose handlers stop what it
// started (no intermediate process to relay it).
import { register } from 'tsx/esm/api';

register();
try {
  await import('../src/cli/main.ts');
} catch (e) {
  console.error(`nvme-lm: could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
