// Where `verify` runs the suites: a user's adapter module, a program speaking
// the JSON-lines protocol, or QEMU's NVMe device; how each is opened and named.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Adapter } from '../target/adapter.ts';
import { ProcessAdapter } from './processAdapter.ts';
import { QemuAdapter } from './qemu/qemuAdapter.ts';

export type Target = { kind: 'adapter'; module: string } | { kind: 'exec'; command: string; timeoutMs?: number } | { kind: 'qemu'; binary?: string };

/**
 * Import a module; a TypeScript one through tsx's loader, registered the
 * first time one is needed (the CLI itself runs as plain JavaScript).
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const { register } = await import('tsx/esm/api');
    register();
    // a new URL: the failed load of the first one stays cached
    return (await import(`${url}?loader=tsx`)) as Record<string, unknown>;
  }
}

/** Load a user's adapter module: it exports `createAdapter()` (or a default function) returning an Adapter. */
async function loadAdapterModule(module: string): Promise<Adapter> {
  const url = pathToFileURL(resolve(module)).href;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(url);
  } catch (e) {
    throw new Error(`could not load adapter module ${module}: ${(e as Error).message}`);
  }
  const factory = (mod.createAdapter ?? mod.default) as unknown;
  if (typeof factory !== 'function') throw new Error(`adapter module ${module} must export a function createAdapter() (or a default export) that returns an Adapter`);
  const adapter = (await (factory as () => unknown)()) as Partial<Adapter> | undefined;
  const missing = ['reset', 'regWrite', 'regRead', 'memWrite', 'memRead', 'submit', 'flr', 'close'].filter((m) => typeof (adapter as Record<string, unknown> | undefined)?.[m] !== 'function');
  if (missing.length) throw new Error(`adapter from ${module} lacks ${missing.join(', ')}: see "Verify your implementation" in the README`);
  return adapter as Adapter;
}

export async function openTarget(t: Target): Promise<Adapter> {
  switch (t.kind) {
    case 'adapter':
      return loadAdapterModule(t.module);
    case 'exec':
      return new ProcessAdapter(t.command, { timeoutMs: t.timeoutMs });
    case 'qemu':
      return new QemuAdapter({ binary: t.binary });
  }
}

export function targetName(t: Target): string {
  return t.kind === 'adapter' ? `adapter ${t.module}` : t.kind === 'exec' ? `exec "${t.command}"` : t.binary === undefined ? 'qemu' : `qemu ${t.binary}`;
}
