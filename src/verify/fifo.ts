// A named pipe (mkfifo) whose ends are opened and whose name is removed at
// once: verify --exec talks to its program through two (answerPipe.ts,
// requestPipe.ts), so that both ends are plain file descriptors each side can
// read by trying (pipeLines.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `open(path)` on a new named pipe, which is removed afterwards; throws with what to do when one cannot be made here. */
export function withFifo<T>(open: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-pipe-'));
  const path = join(dir, 'pipe');
  try {
    execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' });
    return open(path);
  } catch (e) {
    throw new Error(`verify --exec talks to the program through named pipes and could not make one (${(e as Error).message}): it needs mkfifo on the PATH and a writable temporary directory`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
