// `nvme-lm verify --record FILE`: every request the suites send to the target
// and its answer, written as the trace format `verify --trace` reads (one
// {"request","response"} object per line, the JSON-lines protocol's own
// requests and answers), so any run can be replayed and shared.
//
// The wrapper offers no snapshot/restore: the runner then replays each path
// from reset, so the file is one session in time order, with nothing the
// protocol cannot express (a restore would jump the device back unseen).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Adapter } from '../target/adapter.ts';
import type { Request, Response } from './protocol.ts';
import { tapAdapter } from './tapAdapter.ts';

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

/** `inner` with every request and answer written to `file` (through the one tap, tapAdapter.ts); closing the adapter closes the file. */
export function recordingAdapter(inner: Adapter, file: TraceFile): Adapter {
  const tapped = tapAdapter(inner, (request, response) => file.write(request, response));
  return {
    ...tapped,
    close: async () => {
      try {
        await tapped.close();
      } finally {
        file.close();
      }
    },
  };
}
