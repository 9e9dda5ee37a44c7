// `nvme-lm verify ...` run as a user runs it, through the launcher in a child
// process (asynchronously, so the test's own work goes on), for the tests
// that go through the process boundary with `--exec "nvme-lm serve ..."`.
import { spawn } from 'node:child_process';

/** The launcher as a command line for `--exec`: this node, bin/nvme-lm.mjs. */
export const NVME_LM = `${JSON.stringify(process.execPath)} bin/nvme-lm.mjs`;

export function verify(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/nvme-lm.mjs', 'verify', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
