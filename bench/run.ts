// `npm run bench`: every benchmark against its baseline, in one run, printed
// as a table. `-- --json [file]` also writes the report (default
// bench/results.json); `-- --smoke` runs tiny sizes (checks the harness);
// `-- --only explorer,paths` runs some groups; `-- --clock wall` times with
// wall time instead of this process's CPU time.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setClock, type Clock } from './harness.ts';
import { FULL, GROUPS, runBenches, SMOKE, type Group } from './suite.ts';
import { formatReport } from './table.ts';

const DEFAULT_JSON = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

interface Args {
  json: string | undefined;
  smoke: boolean;
  groups: Group[];
  clock: Clock;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: undefined, smoke: false, groups: [...GROUPS], clock: 'cpu' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') {
      const next = argv[i + 1];
      args.json = next !== undefined && !next.startsWith('--') ? argv[++i] : DEFAULT_JSON;
    } else if (a === '--smoke') {
      args.smoke = true;
    } else if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = list.filter((g) => !(GROUPS as readonly string[]).includes(g));
      if (list.length === 0 || unknown.length > 0) throw new Error(`--only takes a comma-separated list of ${GROUPS.join(', ')}; got "${argv[i] ?? ''}"`);
      args.groups = list as Group[];
    } else if (a === '--clock') {
      const c = argv[++i];
      if (c !== 'cpu' && c !== 'wall') throw new Error(`--clock takes cpu or wall; got "${c ?? ''}"`);
      args.clock = c;
    } else {
      throw new Error(`unknown argument "${a}": use --json [file], --smoke, --only <groups>, --clock cpu|wall`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  setClock(args.clock);
  const t0 = performance.now();
  const report = await runBenches(args.smoke ? SMOKE : FULL, { smoke: args.smoke, groups: args.groups, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${formatReport(report)}\n`);
  process.stdout.write(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s wall\n`);
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`wrote ${args.json}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
