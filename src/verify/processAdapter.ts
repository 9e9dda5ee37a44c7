// An Adapter that talks to any program speaking the JSON-lines protocol on
// stdin/stdout (`verify --exec "<command>"`; the process and its pipes:
// program.ts). Protocol-level misbehaviour (bad JSON, timeout, crash)
// raises ProtocolError, which verify maps to exit 2. When the program's
// reset says `"batch": true`, the queue driver's runs of register and
// memory operations go as `batch` requests, gathered until this process is
// idle (pendingBatch.ts): writes ride with the next read, and reads asked
// for together go together; otherwise one request per operation. A
// replayed path prefix (replayBatch) goes as lines made of each request's
// text, made once, and an answer line with the very text of the recorded
// answers is not read. When the program's reset says `"sessions": N`,
// `sessions()` gives adapters for its other independent controllers on the
// same pipes, each request naming its session: verify plays other suites
// on them while this one waits for its answers. When it says `"snapshots":
// true`, snapshot and restore are the program's (held with what goes next,
// on a batch target: neither needs an answer before verify goes on), and
// verify restores a branching point's state instead of replaying a prefix.
import { type Adapter, type ReplayedAnswer, type ReplayedRequest, type ResetInfo, type ResetOptions } from '../target/adapter.ts';
import { batchedRequest, parseResponse, replayedAnswer, rawAnswer, type BatchedRequest, type Request, type Response } from './protocol.ts';
import { batchAnswers, PendingBatch } from './pendingBatch.ts';
import { MAX_BATCH_REQUESTS, runEach, type RawAnswer, type RawRequest } from '../target/batch.ts';
import { fromHex, hexNumber, toHex } from '../wire/hex.ts';
import { ProtocolError, ReplayedRequestFailed, UnsupportedProfileError } from '../target/errors.ts';
import { Program, type ProgramOptions } from './program.ts';

export type ProcessAdapterOptions = ProgramOptions;

export class ProcessAdapter implements Adapter {
  /** every operation and completeIo is queued in call order (pendingBatch.ts) and the answers come in that order */
  readonly keepsCallOrder = true;
  private readonly program: Program;
  /** the session this adapter's requests name (0: the default, not named) */
  private readonly session: number;
  /** the program's last reset answer announced `batch` */
  private batches = false;
  /** ... and `batchCompleteIo`: completeIo goes in a batch too */
  private batchesCompleteIo = false;
  /** the program's last reset answer announced `zeroTail`: memory data goes without its trailing zero bytes */
  private zeroTail = false;
  /** the program's last reset answer announced `snapshots` */
  private snapshots = false;
  /**
   * ids of snapshots the runner will not restore again (release): the next
   * snapshot is saved under one of them, replacing its state, so the program
   * holds only the states of the branching points still ahead. Reused by
   * this session only: its requests keep call order, so a held restore of
   * the old state goes before the save that replaces it.
   */
  private readonly freeSnapshotIds: number[] = [];
  /** raw operations not sent yet (batch targets only) */
  private readonly pending: PendingBatch;
  /** what replayBatch made of the recorded requests and answers it was given */
  private readonly texts = new WeakMap<object, { zeroTail: boolean; text: string }>();
  /** how many sessions the program offers, once a reset was answered ok (or it closed: 1) */
  private readonly offered: Promise<number>;
  private offer: (n: number) => void = () => undefined;
  /** the adapters of sessions 1, 2, ... made so far (session 0's adapter only) */
  private readonly others: ProcessAdapter[] = [];

  constructor(command: string, options?: ProcessAdapterOptions);
  /** another session of a program another adapter started */
  constructor(program: Program, session: number);
  constructor(program: string | Program, options: ProcessAdapterOptions | number = {}) {
    this.program = typeof program === 'string' ? new Program(program, options as ProcessAdapterOptions) : program;
    this.session = typeof options === 'number' ? options : 0;
    this.pending = new PendingBatch({ request: (r) => this.request(r), fail: (m) => this.fail(m) });
    this.offered = new Promise((resolve) => (this.offer = resolve));
    this.program.holds(() => this.pending.send());
    this.program.whenClosed(() => {
      this.pending.discard(this.program.unanswerable());
      this.offer(1);
    });
  }

  get command(): string {
    return this.program.command;
  }

  /** The program broke the protocol: nothing more can be said to it, so its group goes now. */
  private fail(message: string): ProtocolError {
    return this.program.fail(message);
  }

  /** The answer line to request line `line` (made to name this adapter's session). */
  private exchangeLine(line: string): Promise<string> {
    return this.program.exchange(this.session === 0 ? line : `{"session":${this.session},${line.slice(1)}`, this.session);
  }

  /**
   * Adapters for the program's other sessions, at most `most` - 1 of them,
   * once a reset of this session was answered and said how many there are:
   * none when the program offers one, is not synchronous (a completion's
   * wait is timed there, and another session's work would eat into it), or
   * ends first, and none for an adapter of another session than 0. The same
   * adapters each time. Each plays its own suites; closing any of them ends
   * the program.
   */
  async sessions(most: number): Promise<Adapter[]> {
    if (this.session !== 0) return [];
    const n = Math.min(most, await this.offered);
    for (let k = this.others.length + 1; k < n; k++) this.others.push(new ProcessAdapter(this.program, k));
    if (n > 1) this.program.inSessions = true;
    return this.others.slice(0, Math.max(0, n - 1));
  }

  async request(req: Request): Promise<Response> {
    const line = await this.exchangeLine(JSON.stringify(req));
    try {
      return parseResponse(line);
    } catch (e) {
      throw this.fail(`bad answer to ${req.op}: ${(e as Error).message}: ${line.slice(0, 200)}`);
    }
  }

  /** The answer to `req` (sent now, or already on its way: `answer`), which must carry `key`. */
  private async expect<K extends string>(req: Request, key: K, answer: Promise<Response> = this.request(req)): Promise<Record<K, unknown>> {
    const res = await answer;
    if ('error' in res) throw new Error(`${req.op} failed: ${res.error}`);
    if (!(key in res)) throw this.fail(`answer to ${req.op} lacks "${key}": ${JSON.stringify(res)}`);
    return res as unknown as Record<K, unknown>;
  }

  async reset(o: ResetOptions): Promise<ResetInfo> {
    await this.pending.flush();
    const req: Request = { op: 'reset', vfs: o.vfs, profile: o.profile, strict: o.strict, vfQueuePolicy: o.vfQueuePolicy, ioCompletion: o.ioCompletion, ...(o.tp4159 ? { tp4159: o.tp4159 } : {}) };
    const res = await this.request(req);
    this.sameVerdict(JSON.stringify(req), 'error' in res ? res.error : undefined);
    if ('error' in res) throw new UnsupportedProfileError(o.profile, res.error);
    if (!('ok' in res)) throw this.fail(`answer to reset is not {"ok":true}: ${JSON.stringify(res)}`);
    this.batches = 'batch' in res && res.batch === true;
    this.batchesCompleteIo = this.batches && 'batchCompleteIo' in res && res.batchCompleteIo === true;
    this.zeroTail = 'zeroTail' in res && res.zeroTail === true;
    this.snapshots = 'snapshots' in res && res.snapshots === true;
    const synchronous = 'synchronous' in res && res.synchronous === true;
    // sessions are played on a synchronous program only (a timed completion wait would share its time with the others)
    if (!synchronous && this.program.inSessions) throw this.fail(`session ${this.session}'s reset was answered without "synchronous":true, after the program offered sessions as a synchronous one: verify plays sessions only on a synchronous program; say it in every reset answer, or offer no sessions`);
    this.offer(synchronous && 'sessions' in res && res.sessions !== undefined ? res.sessions : 1);
    this.pending.remember = synchronous;
    const offline = 'vfsOfflineWhilePfDisabled' in res ? res.vfsOfflineWhilePfDisabled : undefined;
    return { synchronous, batch: this.batches, snapshots: this.snapshots, ...(offline !== undefined ? { vfsOfflineWhilePfDisabled: offline } : {}) };
  }

  /**
   * While sessions are played, the same reset request is accepted, or
   * refused, in every session: each session is the same kind of controller,
   * so one that refuses what another accepted is broken, not a profile the
   * program lacks (its suites would be reported unsupported and the run
   * would look passed).
   */
  private sameVerdict(request: string, refused: string | undefined): void {
    const verdicts = this.program.resetVerdicts;
    const known = verdicts.get(request);
    if (known === undefined) verdicts.set(request, { session: this.session, ...(refused !== undefined ? { refused } : {}) });
    else if (this.program.inSessions && (known.refused === undefined) !== (refused === undefined)) {
      const verdict = (r: string | undefined): string => (r === undefined ? 'accepted' : `refused (${r})`);
      throw this.fail(`session ${this.session} ${verdict(refused)} reset ${request}, which session ${known.session} ${verdict(known.refused)}: every session is to be the same controller`);
    }
  }

  /** `r` as the program's request: without trailing zero bytes when it announced `zeroTail`. */
  private wire(r: RawRequest): BatchedRequest {
    return batchedRequest(r, this.zeroTail);
  }

  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    if (this.batches) return this.pending.hold([{ op: 'regWrite', fn, offset, width, value: hexNumber(value) }]);
    await this.expect({ op: 'regWrite', fn, offset, width, value: hexNumber(value) }, 'ok');
  }

  async regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    if (this.batches) {
      const [a] = await this.pending.ask([{ op: 'regRead', fn, offset, width }]);
      return (a as RawAnswer & { op: 'regRead' }).value;
    }
    const r = await this.expect({ op: 'regRead', fn, offset, width }, 'value');
    return BigInt(r.value as string);
  }

  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    const req = this.wire({ op: 'memWrite', addr, data });
    if (this.batches) return this.pending.hold([req]);
    await this.expect(req, 'ok');
  }

  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    const req = this.wire({ op: 'memRead', addr, len });
    if (this.batches) {
      const [a] = await this.pending.ask([req]);
      return (a as RawAnswer & { op: 'memRead' }).data;
    }
    const r = await this.expect(req, 'data');
    // the answer schema checked the digits; their count is checked here
    const a = rawAnswer(req, { data: r.data as string });
    if (a?.op !== 'memRead') throw this.fail(`memRead asked for ${len} bytes, got ${(r.data as string).length / 2}`);
    return a.data;
  }

  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    await this.pending.flush();
    const r = await this.expect({ op: 'submit', fn, qid, sqe: toHex(sqe) }, 'cqe');
    return r.cqe === null ? null : fromHex(r.cqe as string, 'cqe', 16);
  }

  /**
   * Batch targets: the requests go with whatever else is asked for until
   * this process is idle (pendingBatch.ts); a run of writes alone is held.
   * Other targets: the requests one by one.
   */
  async batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
    if (!this.batches) return runEach(this, requests);
    if (requests.length > MAX_BATCH_REQUESTS) {
      // in batches the program takes, one after another (a failure ends them, as it ends one batch)
      const answers: RawAnswer[] = [];
      for (let i = 0; i < requests.length; i += MAX_BATCH_REQUESTS) answers.push(...(await this.batch(requests.slice(i, i + MAX_BATCH_REQUESTS))));
      return answers;
    }
    const sent = requests.map((r) => this.wire(r));
    if (requests.every((r) => r.op === 'regWrite' || r.op === 'memWrite')) {
      this.pending.hold(sent);
      return requests.map((r) => ({ op: r.op }) as RawAnswer);
    }
    // raw requests get raw answers (rawAnswer checked each one's kind)
    return (await this.pending.ask(sent)) as RawAnswer[];
  }

  /**
   * Operations performed again (Adapter.replayBatch): batch lines of at most
   * MAX_BATCH_REQUESTS, made of each request's text as it was made the first
   * time (a completeIo alone when the program does not take it in a batch).
   * When an answer line is the text of the expected answers, also made once,
   * they are the same without being read one by one (most of a replayed
   * prefix's cost in this process); any other answer line is read as ever.
   */
  async replayBatch(requests: readonly ReplayedRequest[], expected: readonly ReplayedAnswer[]): Promise<ReplayedAnswer[] | 'same'> {
    if (!this.batches || requests.length !== expected.length) return this.performEach(requests);
    const answers: ReplayedAnswer[] = [];
    let same = true;
    for (let from = 0; from < requests.length; ) {
      const lone = requests[from].op === 'completeIo' && !this.batchesCompleteIo;
      let to = from + 1;
      if (!lone) while (to < requests.length && to - from < MAX_BATCH_REQUESTS && (requests[to].op !== 'completeIo' || this.batchesCompleteIo)) to++;
      let line = lone ? '' : '{"op":"batch","requests":[';
      for (let i = from; i < to; i++) line += (i === from ? '' : ',') + this.textOf(requests[i], () => JSON.stringify(this.replayWire(requests[i])));
      if (!lone) line += ']}';
      const got = await this.pending.aloneWith(() => this.exchangeLine(line));
      if (this.isTextOf(got, expected, from, to, lone)) answers.push(...expected.slice(from, to));
      else {
        same = false;
        const read = this.replayedAnswers(requests.slice(from, to), got, lone);
        answers.push(...read.answers);
        if (read.failed !== undefined) throw new ReplayedRequestFailed(read.failed, answers);
      }
      from = to;
    }
    return same ? 'same' : answers;
  }

  /** A request replayBatch sends, as the program gets it. */
  private replayWire(r: ReplayedRequest): BatchedRequest {
    return r.op === 'completeIo' ? { op: 'completeIo', fn: r.fn, ...(r.count !== undefined ? { count: r.count } : {}) } : this.wire(r);
  }

  /** The answers in answer line `got` to `requests` (one completeIo alone, or a batch), up to the first that failed, and its failure worded as batch and completeIo word it. */
  private replayedAnswers(requests: readonly ReplayedRequest[], got: string, lone: boolean): { answers: ReplayedAnswer[]; failed?: string } {
    const sent = requests.map((r) => this.replayWire(r));
    let res: Response;
    try {
      res = parseResponse(got);
    } catch (e) {
      throw this.fail(`bad answer to ${lone ? 'completeIo' : 'batch'}: ${(e as Error).message}: ${got.slice(0, 200)}`);
    }
    if (lone) {
      if ('error' in res) return { answers: [], failed: `completeIo failed: ${res.error}` };
      if (!('completed' in res)) throw this.fail(`answer to completeIo lacks "completed": ${got.slice(0, 200)}`);
      return { answers: [{ op: 'completeIo', completed: res.completed }] };
    }
    const answers = batchAnswers(sent, res, (m) => this.fail(m));
    const bad = answers.findIndex((a) => 'error' in a);
    if (bad < 0) return { answers: answers as ReplayedAnswer[] };
    return { answers: answers.slice(0, bad) as ReplayedAnswer[], failed: `${sent[bad].op} failed (request ${bad} of a batch): ${(answers[bad] as { error: string }).error}` };
  }

  /** `requests` one call after another (a program without batch). */
  private async performEach(requests: readonly ReplayedRequest[]): Promise<ReplayedAnswer[]> {
    const answers: ReplayedAnswer[] = [];
    for (const r of requests) answers.push(r.op === 'completeIo' ? { op: 'completeIo', completed: await this.completeIo(r.fn, r.count) } : (await runEach(this, [r]))[0]);
    return answers;
  }

  /** Answer line `got` is, word for word, the text of expected[from..to) (in a batch's envelope unless `lone`); read in place, without making that text as one string. */
  private isTextOf(got: string, expected: readonly ReplayedAnswer[], from: number, to: number, lone: boolean): boolean {
    const open = '{"answers":[';
    let at = 0;
    if (!lone) {
      if (!got.startsWith(open)) return false;
      at = open.length;
    }
    for (let i = from; i < to; i++) {
      if (i > from) {
        if (got.charCodeAt(at) !== 0x2c) return false; // ,
        at++;
      }
      const text = this.textOf(expected[i], () => JSON.stringify(replayedAnswer(expected[i], this.zeroTail)));
      if (!got.startsWith(text, at)) return false;
      at += text.length;
    }
    if (!lone) {
      if (!got.startsWith(']}', at)) return false;
      at += 2;
    }
    return at === got.length;
  }

  /** The text of a request or answer replayBatch was given, made by `make` the first time (in the zeroTail mode of then). */
  private textOf(key: object, make: () => string): string {
    const known = this.texts.get(key);
    if (known !== undefined && known.zeroTail === this.zeroTail) return known.text;
    const text = make();
    this.texts.set(key, { zeroTail: this.zeroTail, text });
    return text;
  }

  /**
   * The controller's whole state saved by the program under an id no state
   * still to be restored holds (the snapshot). On a batch target the request
   * is held like a write: it goes with what is asked for next, and a failure
   * of it reaches the next caller.
   */
  async snapshot(): Promise<unknown> {
    const req = { op: 'snapshot' as const, id: this.freeSnapshotIds.pop() ?? this.program.newSnapshotId() };
    await this.saved(req);
    return req.id;
  }

  /** Snapshot `s` will not be restored again: its id is free for this session's next snapshot. */
  release(s: unknown): void {
    if (typeof s === 'number') this.freeSnapshotIds.push(s);
  }

  /** Back to the state saved under snapshot `s`'s id (held like a write on a batch target). */
  async restore(s: unknown): Promise<void> {
    if (typeof s !== 'number') throw new Error(`restore: ${String(s)} is not a snapshot this adapter took`);
    await this.saved({ op: 'restore', id: s });
  }

  private async saved(req: BatchedRequest & { op: 'snapshot' | 'restore' }): Promise<void> {
    // asked for only after a reset answer offered them (runSuite): a later one that did not is the program's inconsistency
    if (!this.snapshots) throw this.fail(`${req.op}: an earlier reset answer offered "snapshots" and the last one did not: say "snapshots": true in every reset answer, or in none`);
    if (this.batches) return this.pending.hold([req]);
    await this.expect(req, 'ok');
  }

  async flr(fn: number): Promise<void> {
    await this.pending.flush();
    await this.expect({ op: 'flr', fn }, 'ok');
  }

  /**
   * Batch targets: in order with everything asked for before and after it
   * (a reap asked for with it reads after it), in a batch when the target
   * announced `batchCompleteIo` (the reads asked for with it go in the same
   * round trip), else alone.
   */
  async completeIo(fn: number, count?: number): Promise<number> {
    const req = { op: 'completeIo' as const, fn, ...(count !== undefined ? { count } : {}) };
    if (this.batchesCompleteIo) {
      const [a] = await this.pending.ask([req]);
      return (a as { completed: number }).completed;
    }
    return (await this.expect(req, 'completed', this.batches ? this.pending.alone(req) : undefined)).completed as number;
  }

  roundTrips(): number {
    return this.program.sent;
  }

  waitedMs(): number {
    return this.program.waited;
  }

  /** End the program, every session of it: stdin closed, a short grace to exit, then its whole group killed. Safe to call twice. */
  close(): Promise<void> {
    return this.program.close();
  }
}
