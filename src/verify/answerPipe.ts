// The pipe a program behind `verify --exec` answers on. It is a named one
// (fifo.ts), so both ends are plain file descriptors: the program gets the
// write end as its stdout, opened the ordinary (blocking) way, and verify
// reads the other end by trying it at once and again (pipeLines.ts): most
// of a round trip was verify's event loop going to sleep and being woken.
// When that was first built (tries for 0.25 ms), two suites with two other
// busy processes on the two CPUs took as long as with node's streams (11.4
// and 12.3 s against 11.2 and 12.4 s), and 6.7 s against 8.7 to 9.9 s with
// the CPUs otherwise idle.
import { closeSync, constants, openSync } from 'node:fs';
import { withFifo } from './fifo.ts';
import { PipeLines, type NoLine } from './pipeLines.ts';

export type { NoLine } from './pipeLines.ts';

export class AnswerPipe {
  private handed = false;

  private constructor(
    private readonly lines: PipeLines,
    /** the write end, for the program's stdout; closed here once the program has it (`handedOver`) */
    readonly writeFd: number,
  ) {}

  /** A new pipe; throws with what to do when named pipes cannot be made here. */
  static open(): AnswerPipe {
    return withFifo((path) => {
      // in this order nothing blocks: a non-blocking reader, then a writer (a reader is there), then a blocking reader (a writer is there)
      const tryFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const writeFd = openSync(path, constants.O_WRONLY);
      const waitFd = openSync(path, constants.O_RDONLY);
      return new AnswerPipe(new PipeLines(tryFd, waitFd, [tryFd, waitFd]), writeFd);
    });
  }

  /** The program has its copy of the write end: verify's goes, so the pipe ends when the program's does. */
  handedOver(): void {
    if (this.handed) return;
    this.handed = true;
    closeSync(this.writeFd);
  }

  /** The next line the program wrote, or why none came before `deadline` (performance.now() time). */
  next(deadline: number): Promise<string | NoLine> {
    return this.lines.next(deadline);
  }

  close(): void {
    // the program's group is gone by now
    this.handedOver();
    this.lines.close();
  }
}
