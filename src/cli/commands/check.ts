// `nvme-lm check`: the main job. Explores every specification machine,
// proves the invariants and liveness properties, runs the generated suites on
// the built-in emulated controller, and prints the table. The job and its
// output (actions/check.ts) load only when the command runs.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkOutputPath } from '../outputPath.ts';

export interface CheckCommandOptions {
  json?: boolean;
  suites?: boolean;
  output?: string;
  maxStates?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .summary('prove the machines and run the generated suites on the built-in emulator (the main job)')
    .description(
      'The main job: explore every specification machine of both profiles, prove invariants I1-I15 and liveness L1-L7, ' +
        'run the generated path suites on the built-in emulated controller, and report coverage.\n' +
        'Exit 0 only when everything holds and every reachable transition is covered.',
    )
    .option('--json', 'print one JSON object (machines, invariants, liveness, tests)')
    .option('-o, --output <file>', 'also write the JSON to a file (input for `diagram --coverage` and `report --from`)')
    .option('--no-suites', 'explore and prove only; do not run the generated suites')
    .option('--max-states <n>', 'stop exploring a machine past this many states')
    .addHelpText('after', '\nExamples:\n  nvme-lm check\n  nvme-lm check --json -o check.json\n  nvme-lm diagram vfLifecycle --format svg --coverage check.json -o vf.svg')
    .action(async (o: CheckCommandOptions) => {
      const maxStates = o.maxStates === undefined ? undefined : Number(o.maxStates);
      if (maxStates !== undefined && !(Number.isInteger(maxStates) && maxStates > 0)) throw new Error(`--max-states ${o.maxStates}: give a positive whole number`);
      if (o.output !== undefined) await checkOutputPath('-o', o.output, { directoryOk: false, makesDirectories: false });
      const { checkForCli, formatCheck } = await import('../actions/check.ts');
      const r = await checkForCli({ suites: o.suites, maxStates, progress: !o.json });
      const json = JSON.stringify(r);
      if (o.output) await writeFile(o.output, json + '\n');
      console.log(o.json ? json : formatCheck(r, process.stdout.isTTY));
      process.exitCode = r.ok ? 0 : 1;
    });
}
