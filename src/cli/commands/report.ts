// `nvme-lm report`: the check results (run now, or read from a saved
// `nvme-lm check --json` file) as one self-contained HTML page. The page
// (actions/report.ts) loads only when the command runs.
import type { Command } from 'commander';
import type { ReportDeps } from '../actions/report.ts';
import { checkOutputPath } from '../outputPath.ts';

export type { ReportDeps } from '../actions/report.ts';

export function registerReport(program: Command, deps: ReportDeps): void {
  program
    .command('report')
    .summary('write the check results as one self-contained HTML page')
    .description(
      'Write the check results as one self-contained HTML page: pass/fail summary, invariants and liveness ' +
        '(counterexample traces, lassos), coverage, failing paths, and every machine drawn with its edges coloured by coverage.',
    )
    .requiredOption('-o, --output <file>', 'the HTML file to write (a directory gets report.html)')
    .option('--from <check.json>', 'read saved `nvme-lm check --json` output instead of running the check')
    .addHelpText(
      'after',
      '\nExit code: 0 when the check passed, 1 when it failed (the report is written either way), 2 for bad input.\n' +
        '\nExamples:\n' +
        '  nvme-lm report -o out/report.html                       run the check, then write the report\n' +
        '  nvme-lm check --json > check.json && nvme-lm report -o out/report.html --from check.json\n',
    )
    .action(async (opts: { output: string; from?: string }) => {
      await checkOutputPath('-o', opts.output, { directoryOk: true, makesDirectories: true });
      const { runReport } = await import('../actions/report.ts');
      const { file, verdict, badge } = await runReport(deps, { ...opts, generatedAt: new Date().toISOString() });
      const why = verdict.pass ? (badge === 'PASS' ? '' : ': the path tests were not run') : `: ${verdict.reasons.join('; ')}`;
      process.stderr.write(`wrote ${file} (${badge}${why})\n`);
      if (!verdict.pass) process.exitCode = 1;
    });
}
