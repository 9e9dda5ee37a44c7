// The program behind `verify --exec`: started in a process group of its own,
// its requests and answers on named pipes (requestPipe.ts, answerPipe.ts)
// that each side may read without leaving its turn (most of a round trip
// was an event loop going to sleep and being woken). A line sent is
// answered by the next answer line, in the order the lines went, whichever
// session of the program (processAdapter.ts) sent it. A protocol error,
// close() and the end of verify kill the whole group, so neither the
// program nor anything it forked is left holding the pipe.
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ProtocolError } from '../target/errors.ts';
import { reap, spawnGroup } from './children.ts';
import { AnswerPipe } from './answerPipe.ts';
import { RequestPipe } from './requestPipe.ts';

/** bin/, holding `nvme-lm`: first on the program's PATH, so `--exec "nvme-lm serve"` is this checkout's CLI however verify was started. */
const NVME_LM_BIN = fileURLToPath(new URL('../../bin/', import.meta.url));

/** How long a program may take to exit after its stdin closes before its group is killed. */
const EXIT_GRACE_MS = 500;
/** After what the event loop has to do now (node's setImmediate as a promise). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How long to wait for a program that closed its answers to exit, so the report can say how it ended. */
const EXIT_REPORT_MS = 1000;

export interface ProgramOptions {
  /** milliseconds to wait for each answer */
  timeoutMs?: number;
  /** extra environment */
  env?: NodeJS.ProcessEnv;
}

export class Program {
  private child: ChildProcess;
  private stdin: Writable;
  /** the program's stdout */
  private readonly answers: AnswerPipe;
  /** the answers awaited, in the order their requests went: each is read after the one before it */
  private reading: Promise<unknown> = Promise.resolve();
  private exited: string | undefined;
  private readonly gone: Promise<void>;
  private stderrTail = '';
  private readonly timeoutMs: number;
  private closing: Promise<void> | undefined;
  /** the first protocol failure (fail) */
  private failure: ProtocolError | undefined;
  /** verify plays the program's sessions: another session's adapter was handed out (processAdapter.ts) */
  inSessions = false;
  /** each reset request's verdict (its text, without a session) and the session that first got it: every session is the same kind of controller */
  readonly resetVerdicts = new Map<string, { session: number; refused?: string }>();
  /** what each session holds to send (holds) */
  private readonly held: Array<() => void> = [];
  /** requests sent whose answers have not been read */
  private onTheirWay = 0;
  /** the session of the last request sent */
  private lastSession = 0;
  /** what close() does first (the sessions forget what they had not sent) */
  private readonly onClose: Array<() => void> = [];
  /** the next id no session has saved a state under (snapshot ids are the program's: a session reuses only its own) */
  private nextSnapshotId = 0;
  /** request lines sent (a batch is one) */
  sent = 0;
  /** milliseconds spent waiting for answer lines */
  waited = 0;

  constructor(
    readonly command: string,
    options: ProgramOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const given = { ...process.env, ...options.env };
    const env = { ...given, PATH: `${NVME_LM_BIN}${delimiter}${given.PATH ?? ''}` };
    this.answers = AnswerPipe.open();
    let requests: RequestPipe | undefined;
    try {
      requests = RequestPipe.open();
      this.child = spawnGroup(command, [], { shell: true, stdio: [requests.readFd, this.answers.writeFd, 'pipe'], env });
    } catch (e) {
      // nothing was started: every end opened here goes
      requests?.writer.destroy();
      requests?.handedOver();
      this.answers.close();
      throw e;
    }
    requests.handedOver();
    this.answers.handedOver();
    this.stdin = requests.writer;
    const stderr = this.child.stderr as Readable;
    stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    this.gone = new Promise((resolve) => {
      const onGone = (why: string): void => {
        this.exited ??= why;
        resolve();
        void this.close(); // what it forked may still be running
      };
      this.child.on('exit', (code, signal) => onGone(signal ? `killed by ${signal}` : `exited with code ${code}`));
      this.child.on('error', (e) => onGone(`could not start: ${e.message}`));
    });
    this.stdin.on('error', () => undefined); // reported through 'exit'
  }

  /**
   * The program broke the protocol: nothing more can be said to it, so its
   * group goes now. Every request after it, of any session, fails with this
   * first failure, not with what the closing did to them.
   */
  fail(message: string): ProtocolError {
    this.failure ??= new ProtocolError(message);
    void this.close();
    return this.failure;
  }

  /** Why requests can no longer be answered: the first failure, else the program's end. */
  unanswerable(): ProtocolError {
    return this.failure ?? new ProtocolError(this.exited !== undefined ? this.crashMessage() : `implementation "${this.command}" was closed before it answered`);
  }

  private crashMessage(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    return `implementation "${this.command}" ${this.exited ?? 'closed its stdout'}${tail ? ` (stderr: ${tail})` : ''}`;
  }

  /**
   * The answer line to request line `line`, read after the answers to every
   * line sent before it.
   *
   * With sessions, when this answer is read right after another session's
   * (both were on their way), that session has just been handed its answer
   * and works on it now; what it asks for next is held until this process
   * is idle (pendingBatch.ts). Read at once, this session would work too
   * before either request went, and both would go together: the program
   * then idled while verify worked, and verify while the program did (half
   * the requests of the lm and no-lm run went with no other on its way).
   * So this read waits one turn of the event loop, in which the other
   * session works, and sends what every session holds before it reads: each
   * request goes as soon as its session's work is done, and the program
   * performs it while verify works on another. (When the program answers
   * before verify turns to another session, nothing is on its way behind
   * and there is no waiting to hide: each session's request then goes when
   * this process is idle, and a session that waits for its answer lets the
   * others' go in the turns it waits.)
   */
  exchange(line: string, session = 0): Promise<string> {
    if (this.failure !== undefined || this.exited !== undefined) throw this.unanswerable();
    this.sent++;
    this.stdin.write(`${line}\n`);
    const deadline = performance.now() + this.timeoutMs;
    // behind another session's request (one of the same session needs no turn: nothing of its own is held meanwhile)
    const behindAnother = this.onTheirWay++ > 0 && this.lastSession !== session;
    this.lastSession = session;
    const answer = this.reading.then(async () => {
      if (behindAnother) {
        await nextTurn();
        for (const send of this.held) send();
      }
      const t0 = performance.now();
      const got = await this.answers.next(deadline);
      this.waited += performance.now() - t0;
      if (typeof got === 'string') {
        this.onTheirWay--;
        return got;
      }
      if ('timedOut' in got) throw this.fail(`timeout: no answer to ${line.slice(0, 120)} within ${this.timeoutMs} ms from "${this.command}"`);
      // its answers ended: say how it ended, once it has (its stderr with it)
      await Promise.race([this.gone, new Promise((resolve) => setTimeout(resolve, EXIT_REPORT_MS).unref())]);
      throw this.fail(this.crashMessage());
    });
    this.reading = answer.catch(() => undefined);
    return answer;
  }

  /** An id no session has used for a snapshot. */
  newSnapshotId(): number {
    return this.nextSnapshotId++;
  }

  /** `send` sends what a session holds (its pending batch), before another session's answer is read (exchange). */
  holds(send: () => void): void {
    this.held.push(send);
  }

  /** `f` runs first when the program is closed. */
  whenClosed(f: () => void): void {
    this.onClose.push(f);
  }

  /** End the program: stdin closed, a short grace to exit, then its whole group killed. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const f of this.onClose) f();
      if (!this.exited) {
        this.stdin.end();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, EXIT_GRACE_MS);
          this.child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await reap(this.child);
      // the request pipe's write end: a program that exited on its own never saw it ended (node closed a child's own stdin itself)
      this.stdin.destroy();
      this.answers.close();
    })();
    return this.closing;
  }
}
