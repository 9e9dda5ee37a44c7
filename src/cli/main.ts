// The `nvme-lm` command: runs the program (program.ts; each subcommand lives in
// its own file under src/cli/commands/) and turns its errors into exit codes.
import { buildProgram } from './program.ts';

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
