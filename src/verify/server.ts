// Serve any Adapter over the JSON-lines protocol (stdin -> stdout). Used by
// `nvme-lm serve` for the built-in emulator and for QEMU. The server answers
// `batch` for any adapter (it performs the requests one by one in its own
// process, which is where the round trips were), so every reset says so
// unless told not to (`serve --no-batch`: a target as it was before batches).
// Likewise memory data without its trailing zeros (`zeroTail`, zeroTail.ts;
// `serve --no-zero-tail` does not take it). A batch may hold completeIo too
// (`batchCompleteIo`, announced with batch): the reads of the completions
// it lets the target post go in the same round trip. With `sessions`, it
// serves several independent controllers at once, one per session a
// request names, so verify can play several suites at the same time. An
// adapter that can snapshot its controller (the emulator) takes `snapshot`
// and `restore` too, alone or in a batch (`snapshots`; `serve
// --no-snapshots`: a target that cannot, whose paths verify replays).
// An adapter that answers raw operations in their wire form at once (the
// built-in emulator, WireAnswers) is asked that way first.
import type { Readable, Writable } from 'node:stream';
import { type Adapter } from '../target/adapter.ts';
import { batchedAnswer, parseRequest, type BatchedRequest, type BatchedResponse, type Request, type Response } from './protocol.ts';
import { fromHex, toHex } from '../wire/hex.ts';
import { memWriteBytes } from './zeroTail.ts';
import { UnsupportedProfileError } from '../target/errors.ts';
import { eachLine } from './lines.ts';
import { PipeLines } from './pipeLines.ts';

export interface ServeOptions {
  /** Answer `batch` and announce it in reset (default true). */
  batch?: boolean;
  /** Take memory data without its trailing zeros (memWrite `len`, memRead `zeroTail`) and announce it in reset (default true). */
  zeroTail?: boolean;
  /**
   * Serve this many independent controllers (sessions, named by the
   * requests' `session`) and announce it in reset; `open` makes each one
   * after the first, when a request first names it. Default: one, not
   * announced.
   */
  sessions?: { count: number; open(): Promise<Adapter> };
  /** Take snapshot and restore and announce them in reset, where the adapter can snapshot (default true). */
  snapshots?: boolean;
}

/**
 * An adapter that answers some raw operations in their wire form at once
 * (the built-in emulator: its device is plain memory and registers in this
 * process), without the Adapter's promises or copies of the bytes it reads
 * and writes; undefined: that operation goes the ordinary way. Replayed
 * prefixes were half of `serve`'s work in a verify run, and verify's other
 * sessions wait behind them (docs/verify-speed.md, "`serve` answering at
 * once").
 */
export interface WireAnswers {
  answerWire(req: BatchedRequest, zeroTail: boolean): BatchedResponse | undefined;
}

/** `adapter`'s WireAnswers, where it has them. */
function wireAnswers(adapter: Adapter): WireAnswers | undefined {
  return typeof (adapter as Partial<WireAnswers>).answerWire === 'function' ? (adapter as unknown as WireAnswers) : undefined;
}

/** A raw operation that carries the zero-tail form (memWrite `len`, memRead `zeroTail`). */
const inZeroTailForm = (req: BatchedRequest): boolean => (req.op === 'memWrite' && req.len !== undefined) || (req.op === 'memRead' && req.zeroTail !== undefined);

/** Each controller's saved states by the ids verify gave them; a reset forgets them. */
const savedStates = new WeakMap<Adapter, Map<number, unknown>>();

/** The adapter takes snapshot and restore here. */
function snapshotsServed(adapter: Adapter, options: ServeOptions): boolean {
  return (options.snapshots ?? true) && adapter.snapshot !== undefined && adapter.restore !== undefined;
}

export async function handleRequest(adapter: Adapter, req: Request, options: ServeOptions = {}): Promise<Response> {
  const batch = options.batch ?? true;
  const zeroTail = options.zeroTail ?? true;
  switch (req.op) {
    case 'reset': {
      // forgotten by every reset, refused ones too
      savedStates.delete(adapter);
      const info = await adapter.reset({ vfs: req.vfs, profile: req.profile, strict: req.strict, vfQueuePolicy: req.vfQueuePolicy, ioCompletion: req.ioCompletion, tp4159: req.tp4159 });
      const snapshots = snapshotsServed(adapter, options);
      const offline = info?.vfsOfflineWhilePfDisabled;
      const sessions = options.sessions?.count ?? 1;
      return {
        ok: true,
        ...(info?.synchronous === true ? { synchronous: true } : {}),
        ...(batch ? { batch: true, batchCompleteIo: true } : {}),
        ...(zeroTail ? { zeroTail: true } : {}),
        ...(sessions > 1 ? { sessions } : {}),
        ...(snapshots ? { snapshots: true } : {}),
        ...(offline !== undefined ? { vfsOfflineWhilePfDisabled: offline } : {}),
      };
    }
    case 'regWrite':
    case 'regRead':
    case 'memWrite':
    case 'memRead':
    case 'snapshot':
    case 'restore':
      return (zeroTail || !inZeroTailForm(req) ? wireAnswers(adapter)?.answerWire(req, zeroTail) : undefined) ?? handleRaw(adapter, req, zeroTail, options);
    case 'submit': {
      const cqe = await adapter.submit(req.fn, req.qid, fromHex(req.sqe, 'sqe', 64));
      return { cqe: cqe === null ? null : toHex(cqe) };
    }
    case 'flr':
      await adapter.flr(req.fn);
      return { ok: true };
    case 'completeIo':
      return handleCompleteIo(adapter, req);
    case 'batch':
      if (!batch) return { error: 'batch is not served here (serve --no-batch): send the requests one by one' };
      return { answers: await handleBatch(adapter, req.requests, zeroTail, options) };
  }
}

async function handleCompleteIo(adapter: Adapter, req: { fn: number; count?: number }): Promise<BatchedResponse> {
  if (!adapter.completeIo) return { error: 'completeIo is not supported by this implementation' };
  return { completed: await adapter.completeIo(req.fn, req.count) };
}

/** snapshot and restore: the controller's whole state saved under an id, and put back. */
async function handleSaved(adapter: Adapter, req: BatchedRequest & { op: 'snapshot' | 'restore' }, options: ServeOptions): Promise<BatchedResponse> {
  const { snapshot, restore } = adapter;
  if (!snapshotsServed(adapter, options) || !snapshot || !restore) return { error: `${req.op} is not served here${options.snapshots === false ? ' (serve --no-snapshots)' : ': this controller cannot be saved'}; its reset answer offers no "snapshots"` };
  let saved = savedStates.get(adapter);
  if (req.op === 'snapshot') {
    if (saved === undefined) savedStates.set(adapter, (saved = new Map()));
    saved.set(req.id, await snapshot.call(adapter));
    return { ok: true };
  }
  const state = saved?.get(req.id);
  if (state === undefined) return { error: `restore ${req.id}: no state is saved under that id since the last reset` };
  await restore.call(adapter, state);
  return { ok: true };
}

/** The raw register and memory operations, completeIo, snapshot and restore: alone or inside a batch. */
async function handleRaw(adapter: Adapter, req: BatchedRequest, zeroTail: boolean, options: ServeOptions): Promise<BatchedResponse> {
  if (!zeroTail && inZeroTailForm(req)) {
    return { error: `${req.op} with "${req.op === 'memWrite' ? 'len' : 'zeroTail'}" is not served here (serve --no-zero-tail): send the whole data` };
  }
  switch (req.op) {
    case 'completeIo':
      return handleCompleteIo(adapter, req);
    case 'snapshot':
    case 'restore':
      return handleSaved(adapter, req, options);
    case 'regWrite':
      await adapter.regWrite(req.fn, req.offset, req.width, BigInt(req.value));
      return { ok: true };
    case 'regRead':
      return batchedAnswer({ op: 'regRead', value: await adapter.regRead(req.fn, req.offset, req.width) });
    case 'memWrite':
      await adapter.memWrite(BigInt(req.addr), memWriteBytes(req));
      return { ok: true };
    case 'memRead':
      return batchedAnswer({ op: 'memRead', data: await adapter.memRead(BigInt(req.addr), req.len) }, req.zeroTail === true);
  }
}

/** One answer per request, in order; the first error answer ends the batch (the requests after it do not run). */
async function handleBatch(adapter: Adapter, requests: readonly BatchedRequest[], zeroTail: boolean, options: ServeOptions): Promise<BatchedResponse[]> {
  const answers: BatchedResponse[] = [];
  const wire = wireAnswers(adapter);
  for (const r of requests) {
    try {
      // (a form not taken here gets its error from handleRaw)
      const a = (wire !== undefined && (zeroTail || !inZeroTailForm(r)) ? wire.answerWire(r, zeroTail) : undefined) ?? (await handleRaw(adapter, r, zeroTail, options));
      answers.push(a);
      if ('error' in a) break;
    } catch (e) {
      answers.push({ error: (e as Error).message });
      break;
    }
  }
  return answers;
}

/**
 * Answer requests line by line until input ends; one answer per request, in
 * order (each performed after the one before it is answered). `input`: a
 * stream, or a pipe read by trying (stdinLines.ts).
 */
export async function serve(adapter: Adapter, input: Readable | PipeLines, output: Writable, options: ServeOptions = {}): Promise<void> {
  let queue = Promise.resolve();
  /** each session's controller, made when a request first names it (0: `adapter`) */
  const made: Adapter[] = [adapter];
  const making: Array<Promise<Adapter>> = [];
  const count = options.sessions?.count ?? 1;
  const sessionOf = (k: number): Adapter | Promise<Adapter> => {
    if (k >= count) throw new Error(count === 1 ? `session ${k}: this server serves one controller, session 0 (its reset answer offers no "sessions")` : `session ${k}: this server offers sessions 0 to ${count - 1} (its reset answer's "sessions")`);
    return made[k] ?? (making[k] ??= (options.sessions as NonNullable<ServeOptions['sessions']>).open().then((a) => (made[k] = a)));
  };
  const answer = async (line: string): Promise<void> => {
    let res: Response;
    try {
      const req = parseRequest(line);
      const target = sessionOf(req.session ?? 0);
      res = await handleRequest(target instanceof Promise ? await target : target, req, options);
    } catch (e) {
      res = { error: e instanceof UnsupportedProfileError ? e.message : (e as Error).message };
    }
    output.write(`${JSON.stringify(res)}\n`);
  };
  try {
    if (input instanceof PipeLines) {
      try {
        for (let line = await input.next(); typeof line === 'string'; line = await input.next()) {
          if (line.trim() !== '') await answer(line);
        }
      } finally {
        input.close();
      }
      return;
    }
    await new Promise<void>((resolve, reject) => {
      input.once('error', reject);
      eachLine(input, {
        line: (line) => {
          if (line.trim() !== '') queue = queue.then(() => answer(line));
        },
        end: () => resolve(),
      });
    });
    await queue;
  } finally {
    // a session whose controller is still being made is closed once it is; one that could not be made has nothing to close
    await Promise.all(making.map((m) => m.catch(() => undefined)));
    await Promise.all(made.map((a) => a.close()));
  }
}
