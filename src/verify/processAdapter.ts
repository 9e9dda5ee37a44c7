// An Adapter that talks to any program speaking the JSON-lines protocol on
// stdin/stdout (`verify --exec "<command>"`). Protocol-level misbehaviour
// (bad JSON, timeout, crash) raises ProtocolError, which verify maps to exit 2.
// The program runs in a process group of its own: a protocol error, close()
// and the end of verify kill the whole group, so neither the program nor
// anything it forked is left holding the pipe. When the program's reset says
// `"batch": true`, the queue driver's runs of register and memory operations
// go as one `batch` request each, and writes are held back (heldWrites.ts):
// they ride in the batch of the next request that waits for an answer, so a
// doorbell costs no round trip of its own; otherwise one request per operation.
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { type Adapter, type ResetInfo, type ResetOptions } from '../target/adapter.ts';
import { batchedRequest, parseResponse, rawAnswer, type BatchedRequest, type Request, type Response } from './protocol.ts';
import { HeldWrites, isWrite } from './heldWrites.ts';
import { runEach, type RawAnswer, type RawRequest } from '../target/batch.ts';
import { fromHex, hexNumber, toHex } from '../wire/hex.ts';
import { ProtocolError, UnsupportedProfileError } from '../target/errors.ts';
import { reap, spawnGroup } from './children.ts';

/** bin/, holding `nvme-lm`: first on the program's PATH, so `--exec "nvme-lm serve"` is this checkout's CLI however verify was started. */
const NVME_LM_BIN = fileURLToPath(new URL('../../bin/', import.meta.url));

/** How long a program may take to exit after its stdin closes before its group is killed. */
const EXIT_GRACE_MS = 500;

export interface ProcessAdapterOptions {
  /** milliseconds to wait for each answer */
  timeoutMs?: number;
  /** extra environment */
  env?: NodeJS.ProcessEnv;
}

export class ProcessAdapter implements Adapter {
  private child: ChildProcess;
  private stdin: Writable;
  private lines: Interface;
  private waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  private buffered: string[] = [];
  private exited: string | undefined;
  private stderrTail = '';
  private readonly timeoutMs: number;
  private closing: Promise<void> | undefined;
  /** the program's last reset answer announced `batch` */
  private batches = false;
  /** writes not sent yet (batch targets only): they go ahead of the next request that waits for an answer */
  private readonly held: HeldWrites;

  constructor(
    readonly command: string,
    options: ProcessAdapterOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.held = new HeldWrites((writes) => this.sendBatch(writes, writes.length));
    const given = { ...process.env, ...options.env };
    const env = { ...given, PATH: `${NVME_LM_BIN}${delimiter}${given.PATH ?? ''}` };
    this.child = spawnGroup(command, [], { shell: true, stdio: ['pipe', 'pipe', 'pipe'], env });
    const [stdin, stdout, stderr] = [this.child.stdin as Writable, this.child.stdout as Readable, this.child.stderr as Readable];
    this.stdin = stdin;
    stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    this.lines = createInterface({ input: stdout, crlfDelay: Infinity });
    this.lines.on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(line);
      else this.buffered.push(line);
    });
    const onGone = (why: string): void => {
      this.exited ??= why;
      for (const w of this.waiting.splice(0)) w.reject(new ProtocolError(this.crashMessage()));
      void this.close(); // what it forked may still be running
    };
    this.child.on('exit', (code, signal) => onGone(signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.child.on('error', (e) => onGone(`could not start: ${e.message}`));
    this.stdin.on('error', () => undefined); // reported through 'exit'
  }

  /** The program broke the protocol: nothing more can be said to it, so its group goes now. */
  private fail(message: string): ProtocolError {
    void this.close();
    return new ProtocolError(message);
  }

  private crashMessage(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    return `implementation "${this.command}" ${this.exited}${tail ? ` (stderr: ${tail})` : ''}`;
  }

  private nextLine(req: Request): Promise<string> {
    const early = this.buffered.shift();
    if (early !== undefined) return Promise.resolve(early);
    if (this.exited) return Promise.reject(new ProtocolError(this.crashMessage()));
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (l: string) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(this.fail(`timeout: no answer to ${JSON.stringify(req).slice(0, 120)} within ${this.timeoutMs} ms from "${this.command}"`));
      }, this.timeoutMs);
      this.waiting.push(entry);
    });
  }

  async request(req: Request): Promise<Response> {
    if (this.exited) throw new ProtocolError(this.crashMessage());
    this.stdin.write(`${JSON.stringify(req)}\n`);
    const line = await this.nextLine(req);
    try {
      return parseResponse(line);
    } catch (e) {
      throw this.fail(`bad answer to ${req.op}: ${(e as Error).message}: ${line.slice(0, 200)}`);
    }
  }

  private async expect<K extends string>(req: Request, key: K): Promise<Record<K, unknown>> {
    const res = await this.request(req);
    if ('error' in res) throw new Error(`${req.op} failed: ${res.error}`);
    if (!(key in res)) throw this.fail(`answer to ${req.op} lacks "${key}": ${JSON.stringify(res)}`);
    return res as unknown as Record<K, unknown>;
  }

  async reset(o: ResetOptions): Promise<ResetInfo> {
    await this.held.flush();
    const res = await this.request({ op: 'reset', vfs: o.vfs, profile: o.profile, strict: o.strict, vfQueuePolicy: o.vfQueuePolicy, ioCompletion: o.ioCompletion, ...(o.tp4159 ? { tp4159: o.tp4159 } : {}) });
    if ('error' in res) throw new UnsupportedProfileError(o.profile, res.error);
    if (!('ok' in res)) throw this.fail(`answer to reset is not {"ok":true}: ${JSON.stringify(res)}`);
    this.batches = 'batch' in res && res.batch === true;
    return { synchronous: 'synchronous' in res && res.synchronous === true, batch: this.batches };
  }

  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    if (this.batches) return this.held.hold({ op: 'regWrite', fn, offset, width, value: hexNumber(value) });
    await this.expect({ op: 'regWrite', fn, offset, width, value: hexNumber(value) }, 'ok');
  }

  async regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    if (this.batches) {
      const [a] = await this.batch([{ op: 'regRead', fn, offset, width }]);
      return (a as RawAnswer & { op: 'regRead' }).value;
    }
    const r = await this.expect({ op: 'regRead', fn, offset, width }, 'value');
    return BigInt(r.value as string);
  }

  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    if (this.batches) return this.held.hold({ op: 'memWrite', addr: hexNumber(addr), data: toHex(data) });
    await this.expect({ op: 'memWrite', addr: hexNumber(addr), data: toHex(data) }, 'ok');
  }

  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    if (this.batches) {
      const [a] = await this.batch([{ op: 'memRead', addr, len }]);
      return (a as RawAnswer & { op: 'memRead' }).data;
    }
    const r = await this.expect({ op: 'memRead', addr: hexNumber(addr), len }, 'data');
    return this.bytesOf(r.data as string, len);
  }

  private bytesOf(data: string, len: number): Uint8Array {
    const bytes = data.length === 0 ? new Uint8Array(0) : fromHex(data, 'memRead data');
    if (bytes.length !== len) throw this.fail(`memRead asked for ${len} bytes, got ${bytes.length}`);
    return bytes;
  }

  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    await this.held.flush();
    const r = await this.expect({ op: 'submit', fn, qid, sqe: toHex(sqe) }, 'cqe');
    return r.cqe === null ? null : fromHex(r.cqe as string, 'cqe', 16);
  }

  /**
   * One `batch` request when the program announced it, else the requests one
   * by one. The writes after the last read are held (they need no answer
   * now); the writes held before go first in the batch. An answer list that
   * does not fit the requests (one missing, too many, out of order) is a
   * protocol error naming the request it went wrong at; an error answer
   * fails that request as it would alone.
   */
  async batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
    if (!this.batches) return runEach(this, requests);
    let reads = requests.length;
    while (reads > 0 && isWrite(requests[reads - 1])) reads--;
    const out: RawAnswer[] = [];
    if (reads > 0) {
      const sent = [...this.held.take(), ...requests.slice(0, reads).map(batchedRequest)];
      const answers = await this.sendBatch(sent, sent.length - reads);
      out.push(...answers.slice(sent.length - reads));
    }
    for (const r of requests.slice(reads)) {
      await this.held.hold(batchedRequest(r));
      out.push({ op: r.op } as RawAnswer);
    }
    return out;
  }

  /**
   * Send `sent` as one request (a lone read as itself, no envelope) and
   * check the answers; the first `heldCount` are held writes, whose error
   * surfaces here, as the one a write alone would have raised.
   */
  private async sendBatch(sent: BatchedRequest[], heldCount: number): Promise<RawAnswer[]> {
    await this.held.settle();
    if (sent.length === 1) return [await this.single(sent[0])];
    const res = await this.request({ op: 'batch', requests: sent });
    if ('error' in res) throw new Error(`batch failed: ${res.error}`);
    if (!('answers' in res)) throw this.fail(`answer to batch lacks "answers": ${JSON.stringify(res).slice(0, 200)}`);
    const out: RawAnswer[] = [];
    for (const [i, a] of res.answers.entries()) {
      const r = sent.at(i);
      if (!r) throw this.fail(`batch of ${sent.length} requests got ${res.answers.length} answers: answer ${i} answers no request`);
      if ('error' in a) {
        if (i < res.answers.length - 1) throw this.fail(`batch request ${i} (${r.op}) failed, yet ${res.answers.length - 1 - i} answers follow it: a batch ends at its first error`);
        throw new Error(i < heldCount ? `${r.op} failed: ${a.error}` : `${r.op} failed (request ${i} of a batch): ${a.error}`);
      }
      const raw = rawAnswer(r, a);
      if (!raw) throw this.fail(`batch request ${i} (${r.op}) got ${JSON.stringify(a).slice(0, 80)}, not its answer: an answer is missing or out of order`);
      out.push(raw);
    }
    const missing = sent.at(out.length);
    if (missing) throw this.fail(`batch request ${out.length} (${missing.op}) got no answer: ${res.answers.length} answers to ${sent.length} requests`);
    return out;
  }

  /** One read (or write) sent alone, as a program without batch would get it. */
  private async single(r: BatchedRequest): Promise<RawAnswer> {
    if (r.op === 'regRead') return { op: 'regRead', value: BigInt((await this.expect(r, 'value')).value as string) };
    if (r.op === 'memRead') return { op: 'memRead', data: this.bytesOf((await this.expect(r, 'data')).data as string, r.len) };
    await this.expect(r, 'ok');
    return { op: r.op };
  }

  async flr(fn: number): Promise<void> {
    await this.held.flush();
    await this.expect({ op: 'flr', fn }, 'ok');
  }

  async completeIo(fn: number, count?: number): Promise<number> {
    await this.held.flush();
    const r = await this.expect({ op: 'completeIo', fn, count }, 'completed');
    return r.completed as number;
  }

  /** End the program: stdin closed, a short grace to exit, then its whole group killed. Safe to call twice. */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.held.discard();
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
      this.lines.close();
    })();
    return this.closing;
  }
}
