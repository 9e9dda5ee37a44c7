// The pipe a program behind `verify --exec` answers on. verify waits for
// every answer it asks for, and most of a round trip was its event loop
// going to sleep and being woken: measured on the project's two-core
// virtual machine, a line sent and its answer read through node's streams
// took about 85 us, and read here, by trying the pipe again at once until
// the answer is there, about 17 us (the answer is usually there at the
// first or second try), with less of verify's CPU per round trip.
//
// The pipe is a named one (mkfifo), so both ends are plain file
// descriptors: the program gets the write end as its stdout, opened the
// ordinary (blocking) way, and verify reads the other end. Its name is
// removed as soon as the ends are open.
//
// Trying again at once costs a CPU while the answer is on its way, so it
// lasts SPIN_MS at most (an answer from `serve` takes 20 to 40 us; one that
// takes longer is most often a program the scheduler has put aside for
// other work, and spinning on would take its CPU): an answer slower than
// that is waited for the ordinary way (a read that sleeps until data comes,
// on node's thread pool, the event loop running meanwhile) until the
// caller's deadline, and after a slow answer the next one is tried for
// SHORT_SPIN_MS only, so a target that always takes longer costs verify no
// more CPU than the event loop did. Measured with two other busy processes
// on the two CPUs, a run took as long as with node's streams (11.4 and
// 12.3 s against 11.2 and 12.4 s), and 6.7 s against 8.7 to 9.9 s with the
// CPUs otherwise idle. The end of the pipe (every writer gone: the program
// exited or closed its stdout) is reported as such.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, read, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { LineSplitter } from './lines.ts';

/** How long to keep trying the pipe for an answer before waiting for it the ordinary way. */
const SPIN_MS = 0.25;
/** ... after an answer that took longer than that. */
const SHORT_SPIN_MS = 0.05;

/** Why no line came: the pipe ended, or the deadline passed. */
export type NoLine = { ended: true } | { timedOut: true };

export class AnswerPipe {
  /** what a try reads into (decoded at once, so one buffer serves every try) */
  private readonly tryBuf = Buffer.allocUnsafe(1 << 16);
  private readonly decoder = new StringDecoder('utf8');
  private readonly splitter = new LineSplitter();
  private readonly lines: string[] = [];
  private taken = 0;
  private ended = false;
  private closed = false;
  private handed = false;
  /** the last answer needed the ordinary wait */
  private slow = false;
  /** a sleeping read on its way (never two reads at once: the bytes would come out of order) */
  private sleeping: Promise<void> | undefined;

  private constructor(
    /** read end, never blocking: tried again and again */
    private readonly tryFd: number,
    /** read end, blocking: the read that sleeps until data comes */
    private readonly waitFd: number,
    /** the write end, for the program's stdout; closed here once the program has it (`handedOver`) */
    readonly writeFd: number,
  ) {}

  /** A new pipe; throws with what to do when named pipes cannot be made here. */
  static open(): AnswerPipe {
    const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-answers-'));
    const path = join(dir, 'answers');
    try {
      execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' });
      // in this order nothing blocks: a non-blocking reader, then a writer (a reader is there), then a blocking reader (a writer is there)
      const tryFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const writeFd = openSync(path, constants.O_WRONLY);
      return new AnswerPipe(tryFd, openSync(path, constants.O_RDONLY), writeFd);
    } catch (e) {
      throw new Error(`verify --exec reads the program's answers through a named pipe and could not make one (${(e as Error).message}): it needs mkfifo on the PATH and a writable temporary directory`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The program has its copy of the write end: verify's goes, so the pipe ends when the program's does. */
  handedOver(): void {
    if (this.handed) return;
    this.handed = true;
    closeSync(this.writeFd);
  }

  /** The next line the program wrote, or why none came before `deadline` (performance.now() time). */
  async next(deadline: number): Promise<string | NoLine> {
    const spinUntil = Math.min(deadline, performance.now() + (this.slow ? SHORT_SPIN_MS : SPIN_MS));
    this.slow = false;
    for (;;) {
      const line = this.take();
      if (line !== undefined) return line;
      if (this.ended || this.closed) return { ended: true };
      if (this.sleeping === undefined) {
        if (this.tryRead()) continue;
        if (performance.now() < spinUntil) continue;
      }
      this.slow = true;
      const left = deadline - performance.now();
      if (left <= 0 || !(await this.sleepingRead(left))) return { timedOut: true };
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // a sleeping read keeps its own hold on the pipe and ends with the last writer (the program's group is gone by now)
    this.handedOver();
    closeSync(this.tryFd);
    closeSync(this.waitFd);
  }

  private take(): string | undefined {
    if (this.taken === this.lines.length) return undefined;
    const line = this.lines[this.taken++];
    if (this.taken === this.lines.length) {
      this.lines.length = 0;
      this.taken = 0;
    }
    return line;
  }

  /** A whole line for `next` to take (one function for every read, not one per read). */
  private readonly push = (line: string): void => void this.lines.push(line);

  /** Take in `n` bytes read into `buf` (0: the pipe ended). */
  private got(buf: Buffer, n: number): void {
    const push = this.push;
    if (n === 0) {
      this.ended = true;
      this.splitter.push(this.decoder.end(), push);
      this.splitter.end(push);
    } else {
      this.splitter.push(this.decoder.write(buf.subarray(0, n)), push);
    }
  }

  /** Read what the pipe holds now; false when it held nothing yet. */
  private tryRead(): boolean {
    const buf = this.tryBuf;
    let n: number;
    try {
      n = readSync(this.tryFd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
      throw e;
    }
    this.got(buf, n);
    return true;
  }

  /** Wait up to `ms` for the read that sleeps until data comes (started if none is on its way); false when the time ran out first. */
  private sleepingRead(ms: number): Promise<boolean> {
    this.sleeping ??= new Promise<void>((done) => {
      const buf = Buffer.allocUnsafe(1 << 16);
      read(this.waitFd, buf, 0, buf.length, null, (e, n) => {
        this.sleeping = undefined;
        if (!this.closed) this.got(buf, e ? 0 : n);
        done();
      });
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void (this.sleeping as Promise<void>).then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
