// The `nvme-lm` program: every subcommand from src/cli/commands/, the version
// from package.json. main.ts runs it; tests build it without running main.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { commands } from './commands/index.ts';

/** The version in package.json, the one `npm` and `nvme-lm --version` report. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no "version"; restore it from the repository');
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('nvme-lm')
    .description(
      'Check NVMe VF live migration against a formal specification.\n' +
        'Exit codes: 0 ok, 1 a check failed, 2 usage or input error.',
    )
    .version(packageVersion(), '-V, --version', 'print the nvme-lm version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}
