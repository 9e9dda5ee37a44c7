// An Adapter that reports every operation as the JSON-lines protocol's
// request and response (protocol.ts) before handing the answer back: the one
// place an adapter's traffic is observed. `verify --replay` prints it
// (exchangeText.ts); `verify --record` writes the same pairs to a file
// (recordingAdapter.ts). snapshot/restore are not protocol operations and are
// not offered: a tapped run replays from reset, so what it prints is all
// that happened.
import type { Adapter, ResetInfo } from '../target/adapter.ts';
import { hexNumber, toHex } from '../wire/hex.ts';
import { batchedAnswer, batchedRequest, type Request, type Response } from './protocol.ts';

export type OnExchange = (request: Request, response: Response) => void;

export function tapAdapter(inner: Adapter, onExchange: OnExchange): Adapter {
  async function call<T>(request: Request, run: () => Promise<T>, answer: (value: T) => Response): Promise<T> {
    let value: T;
    try {
      value = await run();
    } catch (e) {
      onExchange(request, { error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    onExchange(request, answer(value));
    return value;
  }
  const ok = (): Response => ({ ok: true });
  const tapped: Adapter = {
    reset: (o) =>
      call(
        { op: 'reset', vfs: o.vfs, profile: o.profile, strict: o.strict, vfQueuePolicy: o.vfQueuePolicy, ioCompletion: o.ioCompletion, ...(o.tp4159 ? { tp4159: o.tp4159 } : {}) },
        () => inner.reset(o),
        (info: ResetInfo | void) => ({ ok: true, ...(info?.synchronous !== undefined ? { synchronous: info.synchronous } : {}), ...(info?.batch !== undefined ? { batch: info.batch } : {}) }),
      ),
    regWrite: (fn, offset, width, value) => call({ op: 'regWrite', fn, offset, width, value: hexNumber(value) }, () => inner.regWrite(fn, offset, width, value), ok),
    regRead: (fn, offset, width) => call({ op: 'regRead', fn, offset, width }, () => inner.regRead(fn, offset, width), (v) => ({ value: hexNumber(v) })),
    memWrite: (addr, data) => call({ op: 'memWrite', addr: hexNumber(addr), data: toHex(data) }, () => inner.memWrite(addr, data), ok),
    memRead: (addr, len) => call({ op: 'memRead', addr: hexNumber(addr), len }, () => inner.memRead(addr, len), (d) => ({ data: toHex(d) })),
    submit: (fn, qid, sqe) => call({ op: 'submit', fn, qid, sqe: toHex(sqe) }, () => inner.submit(fn, qid, sqe), (c) => ({ cqe: c === null ? null : toHex(c) })),
    flr: (fn) => call({ op: 'flr', fn }, () => inner.flr(fn), ok),
    close: () => inner.close(),
  };
  const batch = inner.batch?.bind(inner);
  if (batch) {
    // a batch is one request with its answers, as the target got it
    tapped.batch = (requests) => call({ op: 'batch', requests: requests.map((r) => batchedRequest(r)) }, () => batch(requests), (answers) => ({ answers: answers.map((a) => batchedAnswer(a)) }));
  }
  const completeIo = inner.completeIo?.bind(inner);
  if (completeIo) {
    tapped.completeIo = (fn, count) => call({ op: 'completeIo', fn, ...(count !== undefined ? { count } : {}) }, () => completeIo(fn, count), (n) => ({ completed: n }));
  }
  return tapped;
}
