// `nvme-lm verify --record FILE`: every request the suites send to the target
// and its answer, written as the trace format `verify --trace` reads (one
// {"request","response"} object per line, the JSON-lines protocol's own
// requests and answers), so any run can be replayed and shared.
//
// The wrapper offers no snapshot/restore: the runner then replays each path
// from reset, so the file is one session in time order, with nothing the
// protocol cannot express (a restore would jump the device back unseen).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Adapter, ResetInfo, ResetOptions } from '../target/adapter.ts';
import { hexNumber, toHex } from '../wire/hex.ts';
import type { Request, Response } from './protocol.ts';

/** Lines are written in batches: a suite sends thousands of small requests. */
const FLUSH_LINES = 512;

/** An open trace file: created (or emptied) when opened, so a bad path fails before anything runs. */
export class TraceFile {
  private fd: number | undefined;
  private pending: string[] = [];
  /** lines written so far (the last request's line number in the file) */
  lines = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new Error(`cannot write the trace ${path} (${code}): give a path in a directory that exists and you may write to`);
    }
  }

  write(request: Request, response: Response): void {
    this.pending.push(JSON.stringify({ request, response }));
    this.lines++;
    if (this.pending.length >= FLUSH_LINES) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  /** Safe to call twice. */
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** `inner` with every request and answer written to `file`; closing the adapter closes the file. */
export function recordingAdapter(inner: Adapter, file: TraceFile): Adapter {
  /** Run the operation, record it with its answer (or the error it ended in), hand the result on. */
  async function rec<T>(request: Request, run: () => Promise<T>, answer: (r: T) => Response): Promise<T> {
    let result: T;
    try {
      result = await run();
    } catch (e) {
      file.write(request, { error: (e as Error).message });
      throw e;
    }
    file.write(request, answer(result));
    return result;
  }
  const ok = (): Response => ({ ok: true });
  const adapter: Adapter = {
    reset: (o: ResetOptions) =>
      rec<ResetInfo | void>(
        { op: 'reset', vfs: o.vfs, profile: o.profile, ...defined({ strict: o.strict, vfQueuePolicy: o.vfQueuePolicy, ioCompletion: o.ioCompletion }) },
        () => inner.reset(o),
        (info) => (info?.synchronous === true ? { ok: true, synchronous: true } : { ok: true }),
      ),
    regWrite: (fn, offset, width, value) => rec({ op: 'regWrite', fn, offset, width, value: hexNumber(value) }, () => inner.regWrite(fn, offset, width, value), ok),
    regRead: (fn, offset, width) => rec({ op: 'regRead', fn, offset, width }, () => inner.regRead(fn, offset, width), (v) => ({ value: hexNumber(v) })),
    memWrite: (addr, data) => rec({ op: 'memWrite', addr: hexNumber(addr), data: toHex(data) }, () => inner.memWrite(addr, data), ok),
    memRead: (addr, len) => rec({ op: 'memRead', addr: hexNumber(addr), len }, () => inner.memRead(addr, len), (d) => ({ data: toHex(d) })),
    submit: (fn, qid, sqe) => rec({ op: 'submit', fn, qid, sqe: toHex(sqe) }, () => inner.submit(fn, qid, sqe), (c) => ({ cqe: c === null ? null : toHex(c) })),
    flr: (fn) => rec({ op: 'flr', fn }, () => inner.flr(fn), ok),
    close: async () => {
      try {
        await inner.close();
      } finally {
        file.close();
      }
    },
  };
  const { completeIo } = inner;
  if (completeIo) {
    adapter.completeIo = (fn, count) => rec({ op: 'completeIo', fn, ...defined({ count }) }, () => completeIo.call(inner, fn, count), (n) => ({ completed: n }));
  }
  return adapter;
}

/** The fields that are set: the protocol's optional fields are absent, never null. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
