// A reader that stops early (`nvme-lm diagram --all ... | head`) closes the
// pipe; the command ends quietly instead of crashing with EPIPE.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('output into a pipe that closes early', () => {
  it('nvme-lm diagram system:2 --format json (230 KB, more than a pipe holds) into a reader that reads one chunk and closes exits 0 without an EPIPE trace', async () => {
    const p = spawn(process.execPath, ['bin/nvme-lm.mjs', 'diagram', 'system:2', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.once('data', () => p.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  }, 60_000);
});
