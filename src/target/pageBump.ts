// Host memory handed out in whole pages from a base upwards, never freed: how
// the hosts that drive a controller through memory (the bench host, the
// emulator tests' host, the fuzzer, the migrate guest) place their queues and
// buffers. Each maps what it is given in its own memory; this only counts.
import { PAGE_SIZE } from '../wire/page.ts';

export class PageBump {
  private at: number;

  /** `limit`: the first address past the memory the host may use. */
  constructor(
    readonly base: number,
    readonly limit = Number.MAX_SAFE_INTEGER,
  ) {
    this.at = base;
  }

  /** The first address not handed out yet. */
  get next(): number {
    return this.at;
  }

  /** Whether `bytes`, rounded up to whole pages, still fit below the limit. */
  fits(bytes: number): boolean {
    return this.at + roundToPages(bytes) <= this.limit;
  }

  /** `bytes` rounded up to whole pages: their address and length. */
  take(bytes: number): { at: number; len: number } {
    const len = roundToPages(bytes);
    if (this.at + len > this.limit) {
      throw new RangeError(`${len} bytes of host memory do not fit below 0x${this.limit.toString(16)}; give the host more memory or ask for less`);
    }
    const at = this.at;
    this.at += len;
    return { at, len };
  }
}

function roundToPages(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}
