// The `nvme-lm` command. Each subcommand lives in its own file under
// src/cli/commands/ and registers itself on the commander program here.
import { Command } from 'commander';
import { commands } from './commands/index.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('nvme-lm')
    .description(
      'Check NVMe VF live migration against a formal specification.\n' +
        'Exit codes: 0 ok, 1 a check failed, 2 usage or input error.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // help and version exit 0; every other commander error is a usage error
      process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
      return;
    }
    console.error(`nvme-lm: ${e.message ?? String(err)}`);
    process.exitCode = 2;
  }
}

// A reader that stops early (`nvme-lm vfio table | head`) closes the pipe: the
// output ends there, which is no error. Exit handlers still stop any QEMU.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

await main(process.argv.slice(2));
