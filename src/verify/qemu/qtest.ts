// A client for QEMU's qtest protocol: one text line per request, one answer
// line per request (`OK ...`, `FAIL ...` or `ERR ...`), in order. Lines that
// start with `IRQ` are asynchronous interrupt notices, never answers, so they
// are skipped. Requests may be pipelined; answers are matched in FIFO order.
// A request unanswered for `answerTimeoutMs` means QEMU hangs: the stream is
// then out of step for good, so every pending request fails with QtestHang.
import type { Socket } from 'node:net';

export class QtestError extends Error {
  constructor(
    readonly request: string,
    readonly answer: string,
  ) {
    super(`qtest request "${request}" failed: QEMU answered "${answer}"`);
    this.name = 'QtestError';
  }
}

/** QEMU answered no qtest request for the allowed time: it hangs (a deadlock, a loop in the device). */
export class QtestHang extends Error {
  constructor(
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(`qtest request "${request}" got no answer within ${timeoutMs} ms: QEMU hangs`);
    this.name = 'QtestHang';
  }
}

/** Long enough for a loaded machine (one round trip is about 0.1 ms), short enough that a hang costs one path, not the run. */
export const QTEST_ANSWER_TIMEOUT_MS = 10_000;

interface Pending {
  request: string;
  resolve: (payload: string) => void;
  reject: (error: Error) => void;
}

function hex(value: number | bigint): string {
  return `0x${BigInt(value).toString(16)}`;
}

function bytesToHex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

export class Qtest {
  private buffered = '';
  private readonly pending: Pending[] = [];
  private closedReason: string | null = null;
  private hang: QtestHang | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly answerTimeoutMs = QTEST_ANSWER_TIMEOUT_MS,
  ) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err: Error) => this.fail(`qtest socket error: ${err.message}`));
    socket.on('close', () => this.fail('qtest connection closed (did QEMU exit?)'));
  }

  /** Send one request line; resolve with the text after `OK` (trimmed). */
  request(line: string): Promise<string> {
    if (this.hang !== null) return Promise.reject(this.hang);
    if (this.closedReason !== null) {
      return Promise.reject(new Error(`cannot send qtest request "${line}": ${this.closedReason}`));
    }
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ request: line, resolve, reject });
      this.socket.write(`${line}\n`);
      this.armTimer();
    });
  }

  /** The connection is gone (closed by QEMU, by an error or by close()). */
  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** Set once a request went unanswered for the allowed time. */
  get hung(): QtestHang | null {
    return this.hang;
  }

  close(): void {
    this.fail('qtest client closed');
    this.socket.destroy();
  }

  /** One timer for the oldest pending request: answers come in order, so it is the one late first. */
  private armTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const oldest = this.pending[0];
    if (oldest === undefined) return;
    this.timer = setTimeout(() => {
      this.hang = new QtestHang(oldest.request, this.answerTimeoutMs);
      const pending = this.pending.splice(0);
      this.fail(this.hang.message);
      for (const p of pending) p.reject(this.hang);
    }, this.answerTimeoutMs);
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline).trim();
      this.buffered = this.buffered.slice(newline + 1);
      this.onLine(line);
      newline = this.buffered.indexOf('\n');
    }
  }

  private onLine(line: string): void {
    if (line === '' || line.startsWith('IRQ')) return;
    const next = this.pending.shift();
    this.armTimer();
    if (next === undefined) {
      this.fail(`qtest answer "${line}" arrived with no request outstanding`);
      return;
    }
    if (line === 'OK' || line.startsWith('OK ')) next.resolve(line.slice(2).trim());
    else next.reject(new QtestError(next.request, line));
  }

  private fail(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pending.splice(0)) {
      p.reject(new Error(`qtest request "${p.request}" got no answer: ${reason}`));
    }
  }

  // Legacy I/O ports (PCI configuration mechanism #1 at 0xcf8/0xcfc).
  async outl(port: number, value: number): Promise<void> {
    await this.request(`outl ${hex(port)} ${hex(value >>> 0)}`);
  }
  async inl(port: number): Promise<number> {
    return Number(BigInt(await this.request(`inl ${hex(port)}`)));
  }

  // MMIO and memory, by access width.
  async writew(addr: bigint, value: number): Promise<void> {
    await this.request(`writew ${hex(addr)} ${hex(value & 0xffff)}`);
  }
  async readw(addr: bigint): Promise<number> {
    return Number(BigInt(await this.request(`readw ${hex(addr)}`)));
  }
  async writel(addr: bigint, value: number): Promise<void> {
    await this.request(`writel ${hex(addr)} ${hex(value >>> 0)}`);
  }
  async readl(addr: bigint): Promise<number> {
    return Number(BigInt(await this.request(`readl ${hex(addr)}`)));
  }
  async writeq(addr: bigint, value: bigint): Promise<void> {
    await this.request(`writeq ${hex(addr)} ${hex(BigInt.asUintN(64, value))}`);
  }
  async readq(addr: bigint): Promise<bigint> {
    return BigInt(await this.request(`readq ${hex(addr)}`));
  }

  /** Guest memory write (DMA-visible RAM); empty data is a no-op. */
  async write(addr: bigint, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    await this.request(`write ${hex(addr)} ${hex(data.length)} 0x${bytesToHex(data)}`);
  }

  /** Guest memory read; the answer is `OK 0x<hex bytes>`. */
  async read(addr: bigint, size: number): Promise<Uint8Array> {
    if (size === 0) return new Uint8Array(0);
    const payload = await this.request(`read ${hex(addr)} ${hex(size)}`);
    const digits = payload.startsWith('0x') ? payload.slice(2) : payload;
    if (digits.length !== size * 2) {
      throw new Error(`qtest read of ${size} bytes at ${hex(addr)} returned ${digits.length / 2} bytes`);
    }
    return new Uint8Array(Buffer.from(digits, 'hex'));
  }
}
