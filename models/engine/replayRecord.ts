// A path's prefix replayed in two round trips. Without snapshots the trie
// runner plays each path from reset, so the steps before the path's new ones
// are played again: steps that passed before, whose every request and answer
// were seen then. On a target whose answers follow from its requests alone
// (it says `synchronous`) and that takes a `batch`, those steps are played
// again here against the answers recorded then (the binding, given the same
// answers, asks the same) and their requests go to the target afterwards in
// one go: the reset, then everything else as one batch (an FLR splits it).
// The target's answers must equal the recorded ones, byte for byte. When
// anything differs (the binding asked otherwise, or the target answered
// otherwise), the prefix is played again live, exactly as without a record;
// a failure the target meets is then met again, and reported as ever.
//
// Only the steps since the last reset are kept: the runner walks its trie
// depth first, so a prefix it replays is always a prefix of the path it
// played last.
import type { Adapter, ResetInfo, ResetOptions } from '../../src/target/adapter.ts';
import { runEach, type RawAnswer, type RawRequest } from '../../src/target/batch.ts';
import { ReplayFailure, type Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';

/** A call to the adapter as data. */
type Request =
  | RawRequest
  | { op: 'batch'; requests: RawRequest[] }
  | { op: 'reset'; options: ResetOptions }
  | { op: 'completeIo'; fn: number; count: number | undefined }
  | { op: 'flr'; fn: number }
  | { op: 'submit'; fn: number; qid: number; sqe: Uint8Array }
  | { op: 'reap'; fn: number };

interface Call {
  request: Request;
  /** set once answered */
  answered: boolean;
  answer?: unknown;
}

/** The calls of a reset or a step, in the order made. `broken`: a call failed or the step did, so it is never replayed from here. */
interface Segment {
  calls: Call[];
  broken: boolean;
}

/** What the record did over a run: prefixes replayed from it, and those it gave back to a live replay (and why, the first time). */
export interface ReplayRecordStats {
  fromRecord: number;
  live: number;
  firstLiveReason?: string;
}

/** `a` and `b` hold the same values: numbers, bigints, strings, booleans, null/undefined, bytes, arrays and plain objects. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && Buffer.compare(a, b) === 0;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || b instanceof Uint8Array || Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * `r` as recorded: the bytes it carries copied, so a caller reusing its
 * buffer does not change the record. (Answers are not copied: a caller that
 * changed one would change the record, and the target's answers would then
 * differ from it, which sends the prefix to a live replay, never a wrong
 * pass.)
 */
function recorded(r: Request): Request {
  switch (r.op) {
    case 'memWrite':
      return { ...r, data: r.data.slice() };
    case 'submit':
      return { ...r, sqe: r.sqe.slice() };
    case 'batch':
      return { op: 'batch', requests: r.requests.map((q) => (q.op === 'memWrite' ? { ...q, data: q.data.slice() } : q)) };
    default:
      return r;
  }
}

class Diverged extends Error {
  constructor(why: string) {
    super(`replay from the record diverged: ${why}`);
    this.name = 'Diverged';
  }
}

export class ReplayRecord {
  /** the adapter to give the binding */
  readonly adapter: Adapter;
  readonly stats: ReplayRecordStats = { fromRecord: 0, live: 0 };
  /** the last live reset's answer said synchronous and batch */
  private usable = false;
  private resetSegment: Segment | null = null;
  /** the steps since that reset, in order */
  private stack: Array<{ step: PathStep; segment: Segment }> = [];
  /** where live calls are recorded; null: nowhere */
  private recording: Segment | null = null;
  /** set while the binding plays against the record: the calls it must make, in order */
  private replaying: { calls: Call[]; at: number; diverged?: string } | null = null;

  constructor(private readonly target: Adapter) {
    const t = target;
    const a: Adapter = {
      reset: (options) => this.call({ op: 'reset', options }, () => t.reset(options)) as Promise<ResetInfo | void>,
      regWrite: (fn, offset, width, value) => this.call({ op: 'regWrite', fn, offset, width, value }, () => t.regWrite(fn, offset, width, value)) as Promise<void>,
      regRead: (fn, offset, width) => this.call({ op: 'regRead', fn, offset, width }, () => t.regRead(fn, offset, width)) as Promise<bigint>,
      memWrite: (addr, data) => this.call({ op: 'memWrite', addr, data }, () => t.memWrite(addr, data)) as Promise<void>,
      memRead: (addr, len) => this.call({ op: 'memRead', addr, len }, () => t.memRead(addr, len)) as Promise<Uint8Array>,
      submit: (fn, qid, sqe) => this.call({ op: 'submit', fn, qid, sqe }, () => t.submit(fn, qid, sqe)) as Promise<Uint8Array | null>,
      flr: (fn) => this.call({ op: 'flr', fn }, () => t.flr(fn)) as Promise<void>,
      close: () => t.close(),
    };
    const { reap, batch, completeIo, snapshot, restore, roundTrips } = t;
    if (reap) a.reap = (fn) => this.call({ op: 'reap', fn }, () => reap.call(t, fn)) as Promise<Uint8Array[]>;
    if (batch) a.batch = (requests) => this.call({ op: 'batch', requests: [...requests] }, () => batch.call(t, requests)) as Promise<RawAnswer[]>;
    if (completeIo) a.completeIo = (fn, count) => this.call({ op: 'completeIo', fn, count }, () => completeIo.call(t, fn, count)) as Promise<number>;
    if (snapshot && restore) {
      a.snapshot = () => snapshot.call(t);
      a.restore = (s) => {
        this.forget(); // the record no longer leads to where the target is
        return restore.call(t, s);
      };
    }
    if (roundTrips) a.roundTrips = () => roundTrips.call(t);
    this.adapter = a;
  }

  /** A call from the binding: answered from the record while replaying, else sent to the target (and recorded when a segment is open). */
  private call(request: Request, send: () => Promise<unknown>): Promise<unknown> {
    const r = this.replaying;
    if (r !== null) {
      const want = r.calls[r.at];
      if (want === undefined || !sameValue(want.request, request)) {
        r.diverged ??= want === undefined ? `call ${r.at} (${request.op}) is past the ${r.calls.length} recorded` : `call ${r.at} is ${request.op} where the record has ${want.request.op}${want.request.op === request.op ? ' with other arguments' : ''}`;
        return Promise.reject(new Diverged(r.diverged));
      }
      r.at++;
      return Promise.resolve(want.answer);
    }
    const answer = send();
    // nothing is kept for a target that cannot be replayed from it (its reset is, to learn whether it can)
    const seg = this.usable || request.op === 'reset' ? this.recording : null;
    if (seg !== null) {
      const c: Call = { request: recorded(request), answered: false };
      seg.calls.push(c);
      answer.then(
        (v) => {
          c.answer = v;
          c.answered = true;
        },
        () => {
          seg.broken = true;
        },
      );
    }
    if (request.op === 'reset') {
      answer.then(
        (info) => {
          const i = info as ResetInfo | undefined;
          this.usable = i?.synchronous === true && i.batch === true;
        },
        () => {
          this.usable = false;
        },
      );
    }
    return answer;
  }

  private forget(): void {
    this.resetSegment = null;
    this.stack = [];
  }

  /** `inner` recording each reset and step, and replaying a prefix from the record where it can. */
  implementation<S>(inner: Implementation<S>): Implementation<S> {
    const reset = async (): Promise<void> => {
      this.forget();
      const seg: Segment = { calls: [], broken: false };
      this.recording = seg;
      try {
        await inner.reset();
        this.resetSegment = seg;
      } catch (e) {
        seg.broken = true;
        throw e;
      } finally {
        this.recording = null;
      }
    };
    const step = async (event: PathStep['event'], expected: PathStep): Promise<void> => {
      const seg: Segment = { calls: [], broken: false };
      this.stack.push({ step: expected, segment: seg });
      this.recording = seg;
      try {
        await inner.step(event, expected);
      } catch (e) {
        seg.broken = true;
        throw e;
      } finally {
        this.recording = null;
      }
    };
    const live = async (steps: readonly PathStep[]): Promise<void> => {
      try {
        await reset();
      } catch (e) {
        throw new ReplayFailure(-1, e);
      }
      for (const [i, s] of steps.entries()) {
        try {
          await step(s.event, s);
        } catch (e) {
          throw new ReplayFailure(i, e);
        }
      }
    };
    const wrapped: Implementation<S> = {
      reset,
      step,
      replay: async (steps) => {
        const why = await this.fromRecord(inner, steps);
        if (why === undefined) {
          this.stats.fromRecord++;
          return;
        }
        this.stats.live++;
        this.stats.firstLiveReason ??= why;
        await live(steps);
      },
    };
    const { snapshot, restore } = inner;
    if (snapshot && restore) {
      wrapped.snapshot = () => snapshot.call(inner);
      wrapped.restore = (s) => {
        this.forget();
        return restore.call(inner, s);
      };
    }
    return wrapped;
  }

  /** Why `steps` cannot be replayed from the record, or undefined once they have been (the binding and the target both where a live replay leaves them). */
  private async fromRecord<S>(inner: Implementation<S>, steps: readonly PathStep[]): Promise<string | undefined> {
    if (!this.usable) return 'the target did not say both synchronous and batch';
    const reset = this.resetSegment;
    if (reset === null || !complete(reset)) return 'no complete record of the reset';
    if (steps.length > this.stack.length) return 'the prefix is longer than the record';
    for (let i = 0; i < steps.length; i++) {
      const e = this.stack[i];
      if (e.step !== steps[i]) return `step ${i + 1} is not the recorded one`;
      if (!complete(e.segment)) return `step ${i + 1} has no complete record`;
    }
    const segments = [reset, ...this.stack.slice(0, steps.length).map((e) => e.segment)];
    const calls = segments.flatMap((s) => s.calls);
    // the target performs the requests while the binding plays against the record: neither waits for the other
    let played: string | undefined = 'the binding was not played against the record';
    const differs = await this.send(calls, async () => {
      played = await this.playAgainst(inner, steps, calls);
    });
    if (played !== undefined) return played;
    if (differs !== undefined) return differs;
    this.stack.length = steps.length;
    return undefined;
  }

  /** Reset and `steps` played by `inner` against `calls`: undefined when it made exactly those calls and passed, else why not. */
  private async playAgainst<S>(inner: Implementation<S>, steps: readonly PathStep[], calls: Call[]): Promise<string | undefined> {
    const r: { calls: Call[]; at: number; diverged?: string } = { calls, at: 0 };
    this.replaying = r;
    let thrown: unknown;
    try {
      await inner.reset();
      for (const s of steps) await inner.step(s.event, s);
    } catch (e) {
      thrown = e;
    } finally {
      this.replaying = null;
    }
    if (r.diverged !== undefined) return r.diverged;
    if (thrown !== undefined) return `the binding failed against the record: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
    if (r.at !== calls.length) return `the binding made ${r.at} of the ${calls.length} recorded calls`;
    return undefined;
  }

  /**
   * Send `calls` to the target: each run of register and memory operations
   * between the other calls as one batch (performed in order, one round trip
   * on a batch target), each other call alone. `meanwhile` runs once, while
   * the target works on the first batch (once this process has let it go:
   * a batch target sends when idle). Undefined when every answer equals the
   * recorded one, else what differed or failed (the live replay then meets
   * a failure again, and reports it where a live replay does).
   */
  private async send(calls: readonly Call[], meanwhile: () => Promise<void>): Promise<string | undefined> {
    type RawCall = RawRequest | { op: 'batch'; requests: RawRequest[] };
    type RunCall = RawCall | { op: 'completeIo'; fn: number; count: number | undefined };
    let run: Array<{ i: number; r: RunCall }> = [];
    let waiting: (() => Promise<void>) | null = meanwhile;
    const t = this.target;
    const differs = (i: number, answer: unknown): string | undefined =>
      sameValue(answer, calls[i].answer) ? undefined : `the target's answer to call ${i} (${calls[i].request.op}) differs from the recorded one`;
    /** The run in pieces (its register and memory calls together as one batch, each completeIo alone) and each call's answer checked. */
    const sendRun = async (): Promise<string | undefined> => {
      const these = run;
      run = [];
      const pieces: Array<Array<{ i: number; r: RunCall }>> = [];
      for (const c of these) {
        const last = pieces.at(-1);
        if (c.r.op !== 'completeIo' && last !== undefined && last[0].r.op !== 'completeIo') last.push(c);
        else pieces.push([c]);
      }
      const ask = (piece: Array<{ i: number; r: RunCall }>): Promise<unknown[]> => {
        const first = piece[0].r;
        return first.op === 'completeIo' ? this.completeIo(first).then((n) => [n]) : this.rawRun(piece.map((c) => c.r as RawCall));
      };
      // in call order without waiting where the target keeps that order (one round trip), else one piece after another
      const ordered = t.keepsCallOrder === true;
      const asked: Array<Promise<unknown[]>> = [];
      for (const piece of pieces) {
        if (!ordered && asked.length > 0) await asked[asked.length - 1];
        const a = ask(piece);
        a.catch(() => undefined); // a failure is read below, once meanwhile is done
        asked.push(a);
        if (!ordered && waiting !== null) await letGo();
      }
      if (ordered && waiting !== null && asked.length > 0) await letGo();
      await Promise.allSettled(asked); // all done before anything goes on (a live replay's reset must come after them)
      for (const [k, piece] of pieces.entries()) {
        const answers = await asked[k];
        for (const [j, c] of piece.entries()) {
          const why = differs(c.i, answers[j]);
          if (why !== undefined) return why;
        }
      }
      return undefined;
    };
    /** Let the target have what was asked for (a batch target sends when this process is idle), then run `meanwhile` while it works. */
    const letGo = async (): Promise<void> => {
      const m = waiting as () => Promise<void>;
      waiting = null;
      await new Promise((resolve) => setImmediate(resolve)); // after the target's own (earlier) turn to send
      await m();
    };
    try {
      for (let i = 0; i < calls.length; i++) {
        const r = calls[i].request;
        if (r.op === 'batch' || r.op === 'regWrite' || r.op === 'regRead' || r.op === 'memWrite' || r.op === 'memRead' || r.op === 'completeIo') {
          run.push({ i, r });
          continue;
        }
        const before = await sendRun();
        if (before !== undefined) return before;
        const why = differs(i, await this.issue(r));
        if (why !== undefined) return why;
      }
      return await sendRun();
    } catch (e) {
      return `the target failed a request: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      // played in any case: the result asks for it
      if (waiting !== null) await (waiting as () => Promise<void>)();
    }
  }

  /** Register and memory calls (and recorded batches) as one batch; what each call's own method would have returned. */
  private async rawRun(run: ReadonlyArray<RawRequest | { op: 'batch'; requests: RawRequest[] }>): Promise<unknown[]> {
    const t = this.target;
    const requests = run.flatMap((r) => (r.op === 'batch' ? r.requests : [r]));
    const answers = await (t.batch ? t.batch(requests) : runEach(t, requests));
    let at = 0;
    return run.map((r) => (r.op === 'batch' ? answers.slice(at, (at += r.requests.length)) : valueOf(answers[at++])));
  }

  private completeIo(r: { fn: number; count: number | undefined }): Promise<number> {
    const t = this.target;
    return t.completeIo ? t.completeIo(r.fn, r.count) : Promise.reject(new Error('completeIo: the target has none'));
  }

  /** A call that goes alone. */
  private issue(r: Exclude<Request, RawRequest | { op: 'batch' } | { op: 'completeIo' }>): Promise<unknown> {
    const t = this.target;
    switch (r.op) {
      case 'reset':
        return t.reset(r.options);
      case 'flr':
        return t.flr(r.fn);
      case 'submit':
        return t.submit(r.fn, r.qid, r.sqe);
      case 'reap':
        return t.reap ? t.reap(r.fn) : Promise.reject(new Error('reap: the target has none'));
    }
  }
}

/** What the adapter's own method returns for a raw operation answered `a`. */
function valueOf(a: RawAnswer | undefined): unknown {
  if (a === undefined) return Symbol('no answer');
  switch (a.op) {
    case 'regRead':
      return a.value;
    case 'memRead':
      return a.data;
    default:
      return undefined;
  }
}

/** Every call of `s` answered and none failed. */
function complete(s: Segment): boolean {
  return !s.broken && s.calls.every((c) => c.answered);
}
