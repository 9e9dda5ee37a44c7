// The CLI as plain JavaScript, built once per version of the sources: esbuild
// (tsx's own compiler, pinned in package.json) bundles src/cli/main.ts with
// code splitting into node_modules/.cache/nvme-lm/<key>/, so a command loads
// only the chunks it imports, with no TypeScript loader in the process. That
// is what lets `nvme-lm --help`, `encode` and `decode` start in about a tenth
// of a second of CPU. The key is a hash of every source file's path, size and
// mtime: editing any source rebuilds on the next run, with nothing to remember.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Folders whose TypeScript the CLI is built from (see docs/architecture.md). */
const SOURCE_DIRS = ['src', 'machines', 'models'];
/** Bundles kept besides the current one: a few, for other checkouts sharing node_modules. */
const KEEP = 3;

function sourceKey(root) {
  const h = createHash('sha256');
  h.update(readFileSync(join(root, 'package-lock.json')));
  h.update(readFileSync(new URL(import.meta.url)));
  for (const dir of SOURCE_DIRS) {
    for (const name of readdirSync(join(root, dir), { recursive: true }).sort()) {
      if (!name.endsWith('.ts')) continue;
      const st = statSync(join(root, dir, name));
      h.update(`${dir}/${name}\0${st.size}\0${st.mtimeMs}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Each source file's `import.meta.url` becomes its own URL in the sources, so
 * files read beside the code (package.json, docs/spec/) are found from the
 * bundle exactly as from the sources.
 */
const sourceUrls = {
  name: 'source-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const contents = text.includes('import.meta.url') ? text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : text;
      return { contents, loader: 'ts' };
    });
  },
};

function prune(cache, current) {
  const others = readdirSync(cache)
    .filter((d) => d !== current)
    .map((d) => ({ d, t: statSync(join(cache, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d } of others.slice(KEEP)) rmSync(join(cache, d), { recursive: true, force: true });
}

/** The bundled entry for the sources under `root`, built if needed; null when it cannot be built (the caller falls back to a loader). */
export async function bundledEntry(root) {
  const cache = join(root, 'node_modules', '.cache', 'nvme-lm');
  const key = sourceKey(root);
  const dir = join(cache, key);
  const entry = join(dir, 'main.js');
  if (existsSync(entry)) return entry;
  const { build } = await import('esbuild');
  // built beside and renamed into place: processes starting together (verify
  // --exec spawning servers, parallel tests) never see half a bundle
  const tmp = `${dir}.${process.pid}.tmp`;
  mkdirSync(cache, { recursive: true });
  await build({
    entryPoints: [join(root, 'src/cli/main.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    outdir: tmp,
    logLevel: 'silent',
    plugins: [sourceUrls],
  });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process got there first: its bundle is the same
  }
  prune(cache, key);
  return entry;
}
