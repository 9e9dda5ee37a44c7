// The pipe verify --exec sends its program the requests on, in place of the
// socket node gives a child as stdin. It is a named one (fifo.ts), so the
// program's stdin is a plain pipe it may read by trying it at once and
// again, as `nvme-lm serve` does (stdinLines.ts): waking a program asleep
// in its event loop was a large part of every round trip. Any other program
// reads it as it reads any stdin. verify writes through a stream (node
// queues what the pipe cannot take yet, so a large request never blocks
// verify while the program is writing an answer).
import { closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { withFifo } from './fifo.ts';

export class RequestPipe {
  private handed = false;

  private constructor(
    /** the read end, for the program's stdin (blocking, as a stdin is); closed here once the program has it */
    readonly readFd: number,
    /** where verify writes the requests */
    readonly writer: Writable,
  ) {}

  /** A new pipe; throws with what to do when named pipes cannot be made here. */
  static open(): RequestPipe {
    return withFifo((path) => {
      // in this order nothing blocks: a non-blocking reader (so the writer can open), the writer, then the program's blocking reader
      const opening = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      let writeFd: number | undefined;
      try {
        writeFd = openSync(path, constants.O_WRONLY);
        const readFd = openSync(path, constants.O_RDONLY);
        return new RequestPipe(readFd, new Socket({ fd: writeFd, readable: false, writable: true }));
      } catch (e) {
        if (writeFd !== undefined) closeSync(writeFd);
        throw e;
      } finally {
        closeSync(opening);
      }
    });
  }

  /** The program has its copy of the read end: verify's goes, so a program that exits makes verify's writes fail (EPIPE) as with its stdin. */
  handedOver(): void {
    if (this.handed) return;
    this.handed = true;
    closeSync(this.readFd);
  }
}
