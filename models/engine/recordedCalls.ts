// Calls to an adapter as data, as the replay record keeps them
// (replayRecord.ts), and how they are sent to the target again: each run of
// register, memory and completeIo calls between the others as batches, in
// order (Adapter.replayBatch where the target has it), and every answer
// compared with the recorded one.
import type { Adapter, ReplayedAnswer, ReplayedRequest, ResetOptions } from '../../src/target/adapter.ts';
import { MAX_BATCH_REQUESTS, runEach, type RawAnswer, type RawRequest } from '../../src/target/batch.ts';
import { ProtocolError, ReplayedRequestFailed } from '../../src/target/errors.ts';

/** A call to the adapter as data. */
export type RecordedRequest =
  | RawRequest
  | { op: 'batch'; requests: RawRequest[] }
  | { op: 'reset'; options: ResetOptions }
  | { op: 'completeIo'; fn: number; count: number | undefined }
  | { op: 'flr'; fn: number }
  | { op: 'submit'; fn: number; qid: number; sqe: Uint8Array }
  | { op: 'reap'; fn: number };

/** Calls the adapter performs alone: everything before them first, nothing after them until they are answered. */
export const ALONE: ReadonlySet<RecordedRequest['op']> = new Set(['reset', 'flr', 'submit', 'reap']);

export interface RecordedCall {
  request: RecordedRequest;
  /** set once answered */
  answered: boolean;
  /** a copy nobody else holds (copied() hands out copies of it) */
  answer?: unknown;
  /** a register, memory or completeIo call's answers as Adapter.replayBatch gives them, made from `answer` when first replayed (the adapter may keep what it makes of them) */
  expected?: ReplayedAnswer[];
}

/** `a` and `b` hold the same values: numbers, bigints, strings, booleans, null/undefined, bytes, arrays and plain objects. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && Buffer.compare(a, b) === 0;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || b instanceof Uint8Array || Array.isArray(b)) return false;
  // key by key, without lists of keys: every call of a replayed prefix is compared
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const k of Object.keys(ra)) {
    if (ra[k] === undefined) continue;
    defined++;
    if (!sameValue(ra[k], rb[k])) return false;
  }
  for (const k of Object.keys(rb)) if (rb[k] !== undefined) defined--;
  return defined === 0;
}

/** A deep copy of `v` (bytes, arrays, plain objects): what a caller does to it does not reach the original. */
export function copied<T>(v: T): T {
  if (v instanceof Uint8Array) return v.slice() as T;
  if (Array.isArray(v)) return v.map(copied) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = copied((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

type RawCall = RawRequest | { op: 'batch'; requests: RawRequest[] };
type RunCall = RawCall | { op: 'completeIo'; fn: number; count: number | undefined };

const isRunCall = (r: RecordedRequest): r is RunCall => !ALONE.has(r.op);

/**
 * Send `calls` to `target` again. A run of calls between the ones that go
 * alone goes to the target's replayBatch where it has one, whole, with the
 * recorded answers (a JSON-lines target compares its answer lines with
 * their text); else in pieces (its register and memory calls as batches of
 * at most MAX_BATCH_REQUESTS, each completeIo by itself), all asked for at
 * once where the target keeps call order (one round trip on a batch
 * target), else one piece after another. Undefined when every answer equals
 * the recorded one, else what differed or failed. A protocol error (the
 * target is gone) is thrown: nothing can be replayed on it.
 */
export async function sendRecorded(target: Adapter, calls: readonly RecordedCall[]): Promise<string | undefined> {
  let run: Array<{ i: number; r: RunCall }> = [];
  const sendRun = async (): Promise<string | undefined> => {
    const these = run;
    run = [];
    const replay = target.batch ? target.replayBatch : undefined;
    if (replay !== undefined && these.length > 0) {
      let at: number | undefined;
      try {
        at = await replayRun(replay, target, these, calls);
      } catch (e) {
        return failed(e);
      }
      return at === undefined ? undefined : differs(calls, at);
    }
    const pieces = piecesOf(these);
    const ordered = target.keepsCallOrder === true;
    const asked: Array<Promise<unknown[]>> = [];
    for (const piece of pieces) {
      // one after another: a piece that failed ends the run (the live run stopped there too)
      if (!ordered && asked.length > 0 && (await asked[asked.length - 1].then(() => false, () => true))) break;
      const a = ask(target, piece.map((c) => c.r));
      a.catch(() => undefined); // read below, once every piece is asked for
      asked.push(a);
    }
    // every request done before anything else goes (a live replay's reset must come after them)
    const settled = await Promise.allSettled(asked);
    for (const [k, s] of settled.entries()) {
      const piece = pieces[k];
      if (s.status === 'rejected') return failed(s.reason);
      for (const [j, c] of piece.entries()) if (!sameValue(s.value[j], calls[c.i].answer)) return differs(calls, c.i);
    }
    return undefined;
  };
  for (let i = 0; i < calls.length; i++) {
    const r = calls[i].request;
    if (isRunCall(r)) {
      run.push({ i, r });
      continue;
    }
    const before = await sendRun();
    if (before !== undefined) return before;
    let answer: unknown;
    try {
      answer = await alone(target, r);
    } catch (e) {
      return failed(e);
    }
    if (!sameValue(answer, calls[i].answer)) return differs(calls, i);
  }
  return sendRun();
}

/** How a reason says that the target answered otherwise than the record. */
export const DIFFERS = 'differs from the recorded one';

function differs(calls: readonly RecordedCall[], i: number): string {
  return `the target's answer to call ${i} (${calls[i].request.op}) ${DIFFERS}`;
}

/** The reason a request the target failed gives; a protocol error (the target is gone) is thrown on. */
function failed(e: unknown): string {
  if (e instanceof ProtocolError) throw e;
  return `the target failed a request: ${e instanceof Error ? e.message : String(e)}`;
}

/** A run in pieces: consecutive register and memory calls together, up to MAX_BATCH_REQUESTS operations a piece; each completeIo alone. */
function piecesOf(run: ReadonlyArray<{ i: number; r: RunCall }>): Array<Array<{ i: number; r: RunCall }>> {
  const pieces: Array<Array<{ i: number; r: RunCall }>> = [];
  let size = 0;
  for (const c of run) {
    const n = c.r.op === 'batch' ? c.r.requests.length : 1;
    const last = pieces.at(-1);
    if (c.r.op !== 'completeIo' && last !== undefined && last[0].r.op !== 'completeIo' && size + n <= MAX_BATCH_REQUESTS) {
      last.push(c);
      size += n;
    } else {
      pieces.push([c]);
      size = n;
    }
  }
  return pieces;
}

/** One piece: a completeIo, or register and memory calls as one batch; what each call's own method would have returned. */
async function ask(target: Adapter, piece: readonly RunCall[]): Promise<unknown[]> {
  const first = piece[0];
  if (first.op === 'completeIo') {
    if (!target.completeIo) throw new Error('completeIo: the target has none');
    return [await target.completeIo(first.fn, first.count)];
  }
  const raw = piece as readonly RawCall[];
  const requests = raw.flatMap((r) => (r.op === 'batch' ? r.requests : [r]));
  const answers = await (target.batch ? target.batch(requests) : runEach(target, requests));
  let at = 0;
  return raw.map((r) => (r.op === 'batch' ? answers.slice(at, (at += r.requests.length)) : valueOf(answers[at++])));
}

/**
 * A run on a target with replayBatch: all of it in one call, its requests
 * and expected answers the record's own objects (made once, so the target
 * may keep what it makes of them). Undefined when every answer is the
 * recorded one, else the call whose answer differs.
 */
async function replayRun(replay: NonNullable<Adapter['replayBatch']>, target: Adapter, run: ReadonlyArray<{ i: number; r: RunCall }>, calls: readonly RecordedCall[]): Promise<number | undefined> {
  const requests: ReplayedRequest[] = [];
  const expected: ReplayedAnswer[] = [];
  for (const { i, r } of run) {
    if (r.op === 'batch') requests.push(...r.requests);
    else requests.push(r);
    expected.push(...expectedOf(calls[i]));
  }
  let got: readonly ReplayedAnswer[] | 'same';
  try {
    got = await replay.call(target, requests, expected);
  } catch (e) {
    // an answer before the failure that differs is what the target did first
    const at = e instanceof ReplayedRequestFailed ? firstDiffering(run, calls, e.answers) : undefined;
    if (at !== undefined) return at;
    throw e;
  }
  if (got === 'same') return undefined;
  if (got.length !== requests.length) throw new Error(`replayBatch gave ${got.length} answers to ${requests.length} requests`);
  return firstDiffering(run, calls, got);
}

/** The first call of `run` whose answers, in `got` (for the calls it covers whole), differ from the recorded ones. */
function firstDiffering(run: ReadonlyArray<{ i: number; r: RunCall }>, calls: readonly RecordedCall[], got: readonly ReplayedAnswer[]): number | undefined {
  let at = 0;
  for (const { i } of run) {
    const want = expectedOf(calls[i]);
    if (at + want.length > got.length) return undefined;
    if (!sameValue(got.slice(at, (at += want.length)), want)) return i;
  }
  return undefined;
}

/** A recorded run call's answers as replayBatch gives them (made once). */
function expectedOf(c: RecordedCall): ReplayedAnswer[] {
  if (c.expected !== undefined) return c.expected;
  const r = c.request as RunCall;
  c.expected = r.op === 'batch' ? (c.answer as RawAnswer[]) : [answerOf(r, c.answer)];
  return c.expected;
}

/** The answer replayBatch gives to request `r` whose own method returned `value`. */
function answerOf(r: Exclude<RunCall, { op: 'batch' }>, value: unknown): ReplayedAnswer {
  switch (r.op) {
    case 'completeIo':
      return { op: 'completeIo', completed: value as number };
    case 'regRead':
      return { op: 'regRead', value: value as bigint };
    case 'memRead':
      return { op: 'memRead', data: value as Uint8Array };
    default:
      return { op: r.op };
  }
}

/** A call that goes alone. */
function alone(t: Adapter, r: Exclude<RecordedRequest, RunCall>): Promise<unknown> {
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
