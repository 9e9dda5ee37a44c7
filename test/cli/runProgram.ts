// Runs a commander program in-process (no child process, no tsx start-up):
// what it writes to stdout, or the error it ends with. Pass buildProgram()
// for the whole `nvme-lm`, or a program with one command registered.
import type { Command } from 'commander';
import { vi } from 'vitest';

export interface ProgramRun {
  stdout: string;
  error?: Error & { code?: string };
}

export async function runProgram(program: Command, args: string[]): Promise<ProgramRun> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { stdout };
  } catch (err) {
    return { stdout, error: err as Error & { code?: string } };
  } finally {
    spy.mockRestore();
  }
}
