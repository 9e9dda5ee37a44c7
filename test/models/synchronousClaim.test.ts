// ResetInfo.synchronous: a target that says its completions are in host
// memory before a register write returns is looked at once, never waited on;
// one that says nothing is waited on up to the timeout. The claim is binding:
// a target that makes it and posts late is reported, not excused.
import { describe, expect, it } from 'vitest';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { runSuite } from '../../models/engine/run.ts';
import type { Adapter, ResetInfo, ResetOptions } from '../../src/target/adapter.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

/** Doorbell writes (BAR0 0x1000 and up) reach the emulator `delayMs` late, as on a device that fetches in the background. */
class LateDoorbells implements Adapter {
  private readonly inner = new EmulatorAdapter();
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly delayMs: number,
    private readonly claim: boolean,
  ) {}

  async reset(o: ResetOptions): Promise<ResetInfo> {
    await this.pending;
    await this.inner.reset(o);
    return { synchronous: this.claim };
  }
  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    await this.pending; // keep register writes in order
    if (offset < 0x1000) return this.inner.regWrite(fn, offset, width, value);
    this.pending = new Promise((resolve) => setTimeout(resolve, this.delayMs)).then(() => this.inner.regWrite(fn, offset, width, value));
  }
  async regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    return this.inner.regRead(fn, offset, width);
  }
  memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    return this.inner.memWrite(addr, data);
  }
  memRead(addr: bigint, len: number): Promise<Uint8Array> {
    return this.inner.memRead(addr, len);
  }
  submit(): Promise<Uint8Array | null> {
    throw new Error('the suites drive queues through register and memory access');
  }
  async flr(fn: number): Promise<void> {
    await this.pending;
    return this.inner.flr(fn);
  }
  async close(): Promise<void> {
    await this.pending;
    await this.inner.close();
  }
}

const suite = (timeoutMs: number, id = 'pfAcceptance:no-lm') => {
  const s = pfAcceptanceSuites({ timeoutMs }).find((x) => x.id === id);
  if (!s) throw new Error(`no ${id} suite`);
  return s;
};

describe('completion waits follow what reset says (ResetInfo.synchronous)', () => {
  it('D17: a device that posts completions 3 ms after the doorbell and claims nothing passes with a 500 ms wait', async () => {
    const r = await runSuite(suite(500), new LateDoorbells(3, false), { useSnapshots: false });
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(r.paths);
  }, 120_000);

  it('D17: the same device claiming to be synchronous is looked at once, and its late completions are reported missing', async () => {
    // the bring-up's first I/O queue creation already finds no completion: every path fails at reset with that reason (the run goes on)
    const r = await runSuite(suite(500), new LateDoorbells(3, true), { useSnapshots: false });
    expect(r.passed).toBe(0);
    expect(r.failed).toBe(r.paths);
    for (const f of r.failures) expect(f).toMatchObject({ step: 0, event: 'reset', observed: expect.stringMatching(/failed with no completion/) });
  }, 120_000);

  it('D1: the built-in emulator claims it: the drop policy\'s missing completions are decided at once even with a 10 s timeout', async () => {
    const s = suite(10_000, 'pfAcceptance:lm:drop');
    const dropped = s.paths().filter((p) => p.events.some((e) => e.type === 'QUEUE_VF_ADMIN')).length;
    expect(dropped).toBeGreaterThan(0); // paths whose LM opcode on a VF queue gets no completion at all
    const t0 = performance.now();
    const r = await runSuite(s, new EmulatorAdapter());
    expect(r.failures).toEqual([]);
    // one wait for a dropped command alone would take 10 s
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 60_000);
});
