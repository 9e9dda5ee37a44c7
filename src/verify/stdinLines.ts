// `nvme-lm serve` reads its requests by trying its stdin at once and again
// (pipeLines.ts) when stdin is a pipe: verify --exec gives it one
// (requestPipe.ts), as does a shell. A second, non-blocking description of
// the same pipe is opened through /proc (Linux), so stdin itself stays as
// it was given; elsewhere, or for a terminal or a file, stdin is read as a
// stream.
import { constants, fstatSync, openSync } from 'node:fs';
import { PipeLines } from './pipeLines.ts';

/** Lines of stdin read by trying, or null when stdin is not a pipe this process can open again (read it as a stream). */
export function stdinPipeLines(): PipeLines | null {
  try {
    if (!fstatSync(0).isFIFO()) return null;
    const tryFd = openSync('/proc/self/fd/0', constants.O_RDONLY | constants.O_NONBLOCK);
    return new PipeLines(tryFd, 0, [tryFd]);
  } catch {
    return null;
  }
}
