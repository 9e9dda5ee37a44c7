// Lines read from a pipe by trying it again at once until they are there.
// Both ends of verify --exec's protocol wait for every line the other sends,
// and most of a round trip was the waiting process going to sleep and being
// woken: measured on the project's two-core virtual machine, a line sent and
// its answer read through node's streams took about 85 us, and read here
// about 17 us (the line is usually there at the first or second try), with
// less CPU per round trip. verify reads its program's answers this way
// (answerPipe.ts), and `nvme-lm serve` its requests (stdinLines.ts).
//
// Between two tries the event loop runs whatever else is due (timers, the
// program's stderr and exit), so waiting holds nothing up; the full lm and
// no-lm run over JSON lines took the same time as with tries and no turns
// between them (two runs each, within 1%). Trying costs a CPU while the line
// is on its way, so it lasts SPIN_MS at most, then the line is waited for
// the ordinary way (a read that sleeps until data comes, on node's thread
// pool) until the caller's deadline. Waking from that sleep is slow on a
// busy two-core machine: in a full lm and no-lm run with a 2 ms window, 638
// of the 931 answers that took 2 ms or more answered requests that reached
// `serve` after it had gone to sleep (median wait 3.7 ms). The window
// covers the pauses a fast peer makes (a garbage collection, a replayed
// prefix, the other side's work on another session): paired with
// farm-bench on the project's two-core machine, 10 ms at both ends took
// 0.92x the wall time of 2 ms and 0.96x the CPU (2 ms had taken 0.96x of
// 1 ms, 1 ms 0.93x of 0.25 ms); where many programs try their pipes at once
// (the test suite) it costs a little CPU. After a line that took
// longer than SLOW_MS, the next one is tried for SHORT_SPIN_MS only, so a
// peer that always takes longer (a slow target's answers) costs no more CPU
// than the event loop did, however long the window (a peer that is fast,
// then now and again slower, is tried for up to the whole window each time:
// 10 ms where it was 2); a line that then comes
// within SLOW_MS, though after those tries, gives the next the whole window
// again. (Taking for slow every line that outlasted its call's tries kept
// `serve` in short tries after one long pause of verify's, asleep before
// one request in sixteen of the full lm and no-lm run, and the run took
// 1.05x the time, paired with farm-bench.)
// The end of the pipe (every writer gone) is reported as such.
import { closeSync, read, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { LineSplitter } from './lines.ts';

/** How long to keep trying the pipe for a line before waiting for it the ordinary way. */
const SPIN_MS = 10;
/** A line that took longer than this makes the next one's tries short: its peer is slow. */
const SLOW_MS = 2;
/** How long the tries last after a slow line. */
const SHORT_SPIN_MS = 0.05;
/** How soon a sleeping read is tried again when its descriptor turns out not to block. */
const NOT_BLOCKING_RETRY_MS = 1;

/** After what the event loop has to do now (node's setImmediate as a promise). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Why no line came: the pipe ended, or the deadline passed. */
export type NoLine = { ended: true } | { timedOut: true };

export class PipeLines {
  /** what a try reads into (decoded at once, so one buffer serves every try) */
  private readonly tryBuf = Buffer.allocUnsafe(1 << 16);
  private readonly decoder = new StringDecoder('utf8');
  private readonly splitter = new LineSplitter();
  private readonly lines: string[] = [];
  private taken = 0;
  private ended = false;
  private closed = false;
  /** the last line took longer than slowMs to come */
  private slow = false;
  /** how many times a line was waited for the ordinary way (asleep) */
  sleeps = 0;
  /** a sleeping read on its way (never two reads at once: the bytes would come out of order) */
  private sleeping: Promise<void> | undefined;

  constructor(
    /** read end, never blocking: tried again and again */
    private readonly tryFd: number,
    /** read end, blocking: the read that sleeps until data comes (one that does not block is tried again every few ms) */
    private readonly waitFd: number,
    /** descriptors close() closes */
    private readonly owned: readonly number[],
    /** how long to keep trying (default SPIN_MS) */
    private readonly spinMs = SPIN_MS,
    /** a line slower than this makes the next one's tries short (default SLOW_MS, never more than the window) */
    private readonly slowMs = Math.min(SLOW_MS, spinMs),
  ) {}

  /** The next line, or why none came before `deadline` (performance.now() time; Infinity: none). */
  async next(deadline = Infinity): Promise<string | NoLine> {
    const start = performance.now();
    const spinUntil = Math.min(deadline, start + (this.slow ? SHORT_SPIN_MS : this.spinMs));
    for (;;) {
      const line = this.take();
      if (line !== undefined) {
        // slow: it took longer than slowMs, not merely longer than this call's (short) tries
        this.slow = performance.now() - start > this.slowMs;
        return line;
      }
      if (this.ended || this.closed) return { ended: true };
      if (this.sleeping === undefined) {
        if (this.tryRead()) continue;
        if (performance.now() < spinUntil) {
          // between tries the process's other work goes on
          await nextTurn();
          continue;
        }
      }
      this.sleeps++;
      const left = deadline - performance.now();
      if (left <= 0 || !(await this.sleepingRead(left))) return { timedOut: true };
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // a sleeping read keeps its own hold on the pipe and ends with the last writer
    for (const fd of this.owned) closeSync(fd);
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
    let n = 0;
    let failed: Error | undefined;
    // an empty pipe is an exception here; without its stack trace a try takes half the time (about 1.8 us against 3.9 on the project's machine) and leaves less garbage
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      n = readSync(this.tryFd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
      failed = e as Error;
    } finally {
      Error.stackTraceLimit = limit;
    }
    // any other failure is real: thrown anew, with a stack trace
    if (failed !== undefined) throw new Error(`could not read the pipe: ${failed.message}`, { cause: failed });
    this.got(buf, n);
    return true;
  }

  /** Wait up to `ms` (Infinity: no limit) for the read that sleeps until data comes (started if none is on its way); false when the time ran out first. */
  private sleepingRead(ms: number): Promise<boolean> {
    this.sleeping ??= new Promise<void>((done) => {
      const buf = Buffer.allocUnsafe(1 << 16);
      const attempt = (): void => {
        if (this.closed) {
          // closed while a retry waited: its descriptor may belong to another pipe by now
          this.sleeping = undefined;
          return done();
        }
        read(this.waitFd, buf, 0, buf.length, null, (e, n) => {
          // a descriptor someone made non-blocking answers at once that nothing is there: not the end
          if (e?.code === 'EAGAIN' && !this.closed) return void setTimeout(attempt, NOT_BLOCKING_RETRY_MS);
          this.sleeping = undefined;
          if (!this.closed) this.got(buf, e ? 0 : n);
          done();
        });
      };
      attempt();
    });
    const sleeping = this.sleeping;
    if (ms === Infinity) return sleeping.then(() => true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void sleeping.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
