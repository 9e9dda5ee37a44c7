// A JSON-lines proxy in front of `nvme-lm serve --qemu` that breaks QEMU on
// purpose (breakingAdapter.ts), so a test can show verify catches it:
//
//   nvme-lm verify --exec "node --import tsx test/verify/qemu/proxy.ts vf-c4-success"
//
// Usage: proxy.ts <none|vf-c4-success|drop-vf-write> [serve command]
// (default serve command: this repository's `nvme-lm serve --qemu`).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessAdapter } from '../../../src/verify/processAdapter.ts';
import { serve } from '../../../src/verify/server.ts';
import { BREAKS, BreakingAdapter, type Break } from './breakingAdapter.ts';

const mode = process.argv[2];
if (!BREAKS.includes(mode as Break)) {
  console.error(`usage: proxy.ts <${BREAKS.join('|')}> [serve command]: say how to break the QEMU behind it`);
  process.exit(2);
}
const launcher = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/nvme-lm.mjs');
const command = process.argv[3] ?? `${JSON.stringify(process.execPath)} ${JSON.stringify(launcher)} serve --qemu`;
const adapter = new BreakingAdapter(new ProcessAdapter(command, { timeoutMs: 30_000 }), mode as Break);
const stop = (): void => {
  void adapter.close().finally(() => process.exit(130));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
await serve(adapter, process.stdin, process.stdout);
