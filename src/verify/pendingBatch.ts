// The raw operations (register and memory reads and writes) a batch target
// gets, gathered into one `batch` request per round trip (processAdapter.ts).
// Nothing is sent until this process has nothing else to do (setImmediate)
// or a request a batch cannot carry (reset, submit, flr, completeIo) must
// go: so every run of operations that needs no answer in between goes as
// one, whoever asked: the writes before a read (a doorbell, a queue clear,
// a head doorbell), and reads asked for together (the sweep of every queue
// after a step, the checks after it). A write needs no answer: its caller
// goes on at once. The target performs the operations in the order they
// were asked for, exactly as one request at a time.
//
// A synchronous target (reset's claim) changes host memory only while it
// performs a request: so a memory read asked for again with nothing sent
// since that can change memory (a register write, a memory write over it,
// reset, submit, flr, completeIo, restore) is answered with what it read before,
// without a round trip (the sweep after a step that wrote nothing reads
// the queues the step's own checks read a moment before).
//
// Errors: a batch ends at its first error answer. The caller that asked for
// the failing operation gets the error it would have got alone (a held
// write's goes to the next caller, as it would have stopped it); the callers
// after it in the same batch get it too (their operations did not run). An
// answer list that does not fit (one missing, one too many, out of order) is
// a protocol error naming the request (its index in the batch and its op).
import { MAX_BATCH_REQUESTS } from '../target/batch.ts';
import { rawAnswer, type BatchedAnswer, type BatchedRequest, type BatchedResponse, type Request, type Response } from './protocol.ts';

/** Memory reads remembered at most (a step reads a few queues and buffers). */
const MAX_REMEMBERED = 64;
/**
 * The longest memory read remembered: queue slots are read again (a step's
 * checks, then the sweep after it), a buffer is not (in the lm and no-lm run
 * 32,453 reads of a 4 KiB page were remembered and none was asked again,
 * while every repeat was of 64 bytes or fewer); its copy only fed the
 * garbage collector.
 */
const MAX_REMEMBERED_LEN = 64;

/** How one request-answer exchange is made, and how a broken answer ends the session. */
export interface Transport {
  request(req: Request): Promise<Response>;
  /** a protocol error (the target is closed) */
  fail(message: string): Error;
}

/** A decoded answer, or the error answer that ended a batch. */
export type Answer = BatchedAnswer | { error: string };

/** One caller's operations: a lone read or write, or a batch; `done` is absent for a write whose caller went on. */
interface Unit {
  requests: BatchedRequest[];
  done?: { resolve(answers: BatchedAnswer[]): void; reject(e: Error): void };
}

export class PendingBatch {
  private units: Unit[] = [];
  private count = 0;
  private timer: NodeJS.Immediate | undefined;
  /** the exchange on its way: the next one waits for it (one request at a time on the pipe) */
  private inFlight: Promise<void> = Promise.resolve();
  /** a held write's error that no caller has heard yet */
  private failed: Error | undefined;

  /** exchanges sent and not yet answered */
  private sending = 0;
  /** memory reads answered since the last request that could change memory (synchronous targets only) */
  private remembered = new Map<string, { addr: number; len: number; answer: BatchedAnswer & { op: 'memRead' } }>();
  /** the target is synchronous: memory reads may be remembered */
  remember = false;

  constructor(private readonly transport: Transport) {}

  /** Hold writes; they go with what is asked for next. A failure nobody heard of yet is thrown here. */
  hold(writes: BatchedRequest[]): void {
    this.throwFailure();
    this.add({ requests: writes });
  }

  /** Operations whose answers the caller waits for (with any writes among them), sent with everything else asked for meanwhile. */
  ask(requests: BatchedRequest[]): Promise<BatchedAnswer[]> {
    this.throwFailure();
    const known = this.recall(requests);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => this.add({ requests, done: { resolve, reject } }));
  }

  /** Send what is pending and wait for every answer (before a request a batch cannot carry); throws a failure nobody heard of. */
  async flush(): Promise<void> {
    this.sendNow();
    this.forget(); // the request after this may change memory
    await this.inFlight;
    this.throwFailure();
  }

  /**
   * A request that goes alone (one a batch cannot carry), after everything
   * asked for before it and before everything asked for after it: what is
   * pending goes first, and the answer is awaited in the same line as the
   * batches. Throws a held write's failure nobody heard of, as flush does.
   */
  alone(req: Request): Promise<Response> {
    return this.aloneWith(() => this.transport.request(req));
  }

  /** An exchange made by `exchange` (a replayed batch's line), in line as `alone` puts a request. */
  aloneWith<T>(exchange: () => Promise<T>): Promise<T> {
    this.sendNow();
    this.forget(); // it may change memory
    this.sending++;
    const answered = this.inFlight.then(() => {
      this.throwFailure();
      return exchange();
    });
    const settled = (): void => {
      this.sending--;
      this.forget(); // asked for meanwhile: read before it
    };
    this.inFlight = answered.then(settled, settled);
    return answered;
  }

  /** Forget what is pending (the target is being closed: nothing reads what it would do); a caller still waiting hears `why`. */
  discard(why: Error): void {
    if (this.timer !== undefined) clearImmediate(this.timer);
    this.timer = undefined;
    for (const u of this.units) u.done?.reject(why);
    this.units = [];
    this.count = 0;
    this.forget();
  }

  /** The answers to memory reads alone, each remembered, when nothing is pending or on its way; else undefined. */
  private recall(requests: BatchedRequest[]): BatchedAnswer[] | undefined {
    if (!this.remember || this.units.length > 0 || this.sending > 0) return undefined;
    const out: BatchedAnswer[] = [];
    for (const r of requests) {
      const known = r.op === 'memRead' ? this.remembered.get(`${r.addr} ${r.len}`) : undefined;
      if (!known) return undefined;
      out.push({ op: 'memRead', data: known.answer.data.slice() });
    }
    return out;
  }

  /** Keep what `sent` read and forget what it may have changed, in order (`answers`: the ones performed, an error answer last). */
  private learn(sent: BatchedRequest[], answers: readonly Answer[]): void {
    if (!this.remember) return;
    let known = this.remembered;
    // what comes before the last request that may change anything is forgotten by it: only what follows it is learnt (a replayed prefix's batches write registers throughout)
    let from = 0;
    for (let i = sent.length - 1; i >= 0; i--) {
      const r = sent[i];
      const a = answers[i];
      if (r.op === 'regWrite' || r.op === 'completeIo' || r.op === 'restore' || a === undefined || 'error' in a) {
        known = this.forget();
        from = i + 1;
        break;
      }
    }
    for (let i = from; i < sent.length; i++) {
      const r = sent[i];
      const a = answers[i];
      if (r.op === 'memWrite') {
        if (known.size === 0) continue;
        // a number costs less than a bigint on every write of a replayed prefix; an address beyond 2^53 (none of ours) forgets everything
        const lo = Number(r.addr);
        const hi = lo + (r.len ?? r.data.length / 2);
        if (!Number.isSafeInteger(hi)) known = this.forget();
        else for (const [k, m] of known) if (m.addr < hi && lo < m.addr + m.len) known.delete(k);
      } else if (r.op === 'memRead' && r.len <= MAX_REMEMBERED_LEN && a !== undefined && 'op' in a && a.op === 'memRead') {
        // (a is defined and no error from `from` on: the test only narrows its type)
        const addr = Number(r.addr);
        if (known.size >= MAX_REMEMBERED) known = this.forget();
        if (Number.isSafeInteger(addr + r.len)) known.set(`${r.addr} ${r.len}`, { addr, len: r.len, answer: { op: 'memRead', data: a.data.slice() } });
      }
    }
  }

  /**
   * Forget every remembered read: a new map, not a cleared one. The map
   * lives as long as the session, so the garbage collector soon moves it to
   * its old generation; a cleared map's old table stayed there, still
   * pointing at the reads it held, and kept them alive through the next
   * young collections until they too were moved. Measured with
   * `--trace-gc-nvp` over the lm and no-lm run against a program that does
   * no work: 150 MB moved to the old generation became 89 MB, and young
   * collections took 0.66 s of verify's main thread instead of 0.94 s.
   */
  private forget(): Map<string, { addr: number; len: number; answer: BatchedAnswer & { op: 'memRead' } }> {
    if (this.remembered.size > 0) this.remembered = new Map();
    return this.remembered;
  }

  private throwFailure(): void {
    const e = this.failed;
    this.failed = undefined;
    if (e) throw e;
  }

  private add(u: Unit): void {
    // a batch holds MAX_BATCH_REQUESTS at most (docs/protocol.md): what is pending goes first when this would not fit with it
    if (this.count > 0 && this.count + u.requests.length > MAX_BATCH_REQUESTS) this.sendNow();
    this.units.push(u);
    this.count += u.requests.length;
    // more requests than a batch holds go without waiting for the process to be idle
    if (this.count >= MAX_BATCH_REQUESTS) this.sendNow();
    else this.timer ??= setImmediate(() => this.sendNow());
  }

  /** Send what is pending now, without waiting for this process to be idle (another session is about to work: program.ts). */
  send(): void {
    this.sendNow();
  }

  private sendNow(): void {
    if (this.timer !== undefined) clearImmediate(this.timer);
    this.timer = undefined;
    if (this.units.length === 0) return;
    const units = this.units;
    this.units = [];
    this.count = 0;
    this.sending++;
    this.inFlight = this.inFlight.then(() => this.exchange(units));
  }

  /** One round trip for `units`; every caller is answered or rejected, nothing throws. */
  private async exchange(units: Unit[]): Promise<void> {
    const sent = units.flatMap((u) => u.requests);
    let answers: Answer[];
    try {
      answers = await this.answersTo(sent);
    } catch (e) {
      this.sending--;
      this.forget();
      return this.rejectFrom(units, 0, e instanceof Error ? e : new Error(String(e)));
    }
    // answered: before any caller hears of it (one may ask again at once)
    this.sending--;
    this.learn(sent, answers);
    let at = 0;
    for (const [k, u] of units.entries()) {
      const mine = answers.slice(at, at + u.requests.length);
      const bad = mine.findIndex((a) => 'error' in a);
      if (bad >= 0) {
        const r = u.requests[bad];
        const why = (mine[bad] as { error: string }).error;
        const e = new Error(u.requests.length === 1 ? `${r.op} failed: ${why}` : `${r.op} failed (request ${at + bad} of a batch): ${why}`);
        return this.rejectFrom(units, k, e);
      }
      u.done?.resolve(mine as BatchedAnswer[]);
      at += u.requests.length;
    }
  }

  /** `e` for unit k and every unit after it (their operations did not run); kept for the next caller when none of them waits. */
  private rejectFrom(units: Unit[], k: number, e: Error): void {
    let heard = false;
    for (const u of units.slice(k)) {
      if (u.done) {
        u.done.reject(e);
        heard = true;
      }
    }
    if (!heard) this.failed ??= e;
  }

  /**
   * The answers to `sent`, one per request up to and including the first
   * error, each of its request's kind (decoded once, here); anything else
   * is a protocol error. A lone operation goes as itself (no envelope).
   */
  private async answersTo(sent: BatchedRequest[]): Promise<Answer[]> {
    const { request, fail } = this.transport;
    if (sent.length === 1) {
      const res = await request(sent[0]);
      const a = 'answers' in res ? undefined : (res as BatchedResponse);
      const raw = a === undefined || 'error' in a ? a : rawAnswer(sent[0], a);
      if (raw === undefined) throw fail(`answer to ${sent[0].op} is not its answer: ${JSON.stringify(res).slice(0, 200)}`);
      return [raw];
    }
    return batchAnswers(sent, await request({ op: 'batch', requests: sent }), fail);
  }
}

/**
 * The answers to batch `sent` in its response `res`, one per request up to
 * and including the first error, each of its request's kind (decoded once,
 * here); anything else is a protocol error (`fail`) naming the request.
 */
export function batchAnswers(sent: readonly BatchedRequest[], res: Response, fail: (message: string) => Error): Answer[] {
  if ('error' in res) throw new Error(`batch failed: ${res.error}`);
  if (!('answers' in res)) throw fail(`answer to batch lacks "answers": ${JSON.stringify(res).slice(0, 200)}`);
  const out: Answer[] = [];
  for (const [i, a] of res.answers.entries()) {
    const r = sent.at(i);
    if (!r) throw fail(`batch of ${sent.length} requests got ${res.answers.length} answers: answer ${i} answers no request`);
    if ('error' in a) {
      if (i < res.answers.length - 1) throw fail(`batch request ${i} (${r.op}) failed, yet ${res.answers.length - 1 - i} answers follow it: a batch ends at its first error`);
      out.push(a);
      return out;
    }
    const raw = rawAnswer(r, a);
    if (!raw) throw fail(`batch request ${i} (${r.op}) got ${JSON.stringify(a).slice(0, 80)}, not its answer: an answer is missing or out of order`);
    out.push(raw);
  }
  const missing = sent.at(res.answers.length);
  if (missing) throw fail(`batch request ${res.answers.length} (${missing.op}) got no answer: ${res.answers.length} answers to ${sent.length} requests`);
  return out;
}
