// The protocol's batch request (docs/protocol.md): the schema takes it, the
// server answers it in order and stops at the first error, a target that
// announces it and one that does not pass the same suites, and a target
// that answers a batch wrongly is a protocol error naming the request.
import { describe, expect, it, vi } from 'vitest';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { runPaths } from '../../src/paths/trie.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import type { RawRequest } from '../../src/target/batch.ts';
import { ProtocolError } from '../../src/target/errors.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { parseRequest, parseResponse, type Request } from '../../src/verify/protocol.ts';
import { serveLines } from './serveLines.ts';

const node = JSON.stringify(process.execPath);
/** A program that announces batch in reset and answers every batch with `answers`. */
const batchAnswering = (answers: unknown[]): string =>
  `${node} -e ${JSON.stringify(
    `require('readline').createInterface({input: process.stdin}).on('line', (l) => console.log(JSON.parse(l).op === 'reset' ? '{"ok":true,"batch":true}' : ${JSON.stringify(JSON.stringify({ answers }))}))`,
  )}`;

const run: RawRequest[] = [
  { op: 'memWrite', addr: 0x1000n, data: new Uint8Array([1, 2]) },
  { op: 'regWrite', fn: 0, offset: 0x1000, width: 4, value: 1n },
  { op: 'memRead', addr: 0x2000n, len: 2 },
];


describe('the batch request', () => {
  it('the schema accepts a batch of raw operations and its answers; a batch holds no submit and no batch', () => {
    const line = '{"op":"batch","requests":[{"op":"memWrite","addr":"0x1000","data":"0102"},{"op":"regWrite","fn":0,"offset":4096,"width":4,"value":"0x1"},{"op":"memRead","addr":"0x2000","len":2}]}';
    expect(parseRequest(line).op).toBe('batch');
    expect(parseResponse('{"answers":[{"ok":true},{"ok":true},{"data":"0102"}]}')).toEqual({ answers: [{ ok: true }, { ok: true }, { data: '0102' }] });
    expect(parseResponse('{"ok":true,"synchronous":true,"batch":true}')).toEqual({ ok: true, synchronous: true, batch: true });
    expect(() => parseRequest(`{"op":"batch","requests":[{"op":"submit","fn":0,"qid":0,"sqe":"${'00'.repeat(64)}"}]}`)).toThrow(/bad request/);
    expect(() => parseRequest(`{"op":"batch","requests":[${line}]}`)).toThrow(/bad request/);
    expect(() => parseRequest('{"op":"batch","requests":[]}')).toThrow(/bad request/);
  });

  it('serve answers each request of a batch in order and ends the answers at the first error', async () => {
    const a = new EmulatorAdapter();
    const answers = await serveLines(a, [
      '{"op":"reset","vfs":1,"profile":"lm"}',
      '{"op":"batch","requests":[{"op":"memWrite","addr":"0x1000","data":"0102"},{"op":"memRead","addr":"0x1000","len":2},{"op":"regRead","fn":0,"offset":28,"width":4}]}',
      '{"op":"batch","requests":[{"op":"memWrite","addr":"0x1000","data":"0304"},{"op":"regRead","fn":9,"offset":0,"width":4},{"op":"memWrite","addr":"0x1000","data":"0506"}]}',
      '{"op":"memRead","addr":"0x1000","len":2}',
    ]);
    expect(answers[0]).toEqual({ ok: true, synchronous: true, batch: true, batchCompleteIo: true, zeroTail: true, snapshots: true });
    expect(answers[1]).toEqual({ answers: [{ ok: true }, { data: '0102' }, { value: '0x0' }] });
    expect(answers[2]).toEqual({ answers: [{ ok: true }, { error: expect.stringMatching(/function 9 does not exist/) }] });
    expect(answers[3]).toEqual({ data: '0304' }); // the write after the error did not run
  });

  it('serve --no-batch neither announces nor answers batch', async () => {
    const answers = await serveLines(new EmulatorAdapter(), ['{"op":"reset","vfs":1,"profile":"lm"}', '{"op":"batch","requests":[{"op":"memRead","addr":"0x1000","len":2}]}'], { batch: false });
    expect(answers[0]).toEqual({ ok: true, synchronous: true, zeroTail: true, snapshots: true });
    expect(answers[1]).toEqual({ error: expect.stringMatching(/--no-batch/) });
  });

  it('a batch answered with one answer missing is a protocol error naming the request (index and op)', async () => {
    const a = new ProcessAdapter(batchAnswering([{ ok: true }, { ok: true }]), { timeoutMs: 10_000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      const err = await a.batch(run).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(/batch request 2 \(memRead\) got no answer/);
    } finally {
      await a.close();
    }
  });

  it('a batch answered out of order is a protocol error naming the request (index and op)', async () => {
    const a = new ProcessAdapter(batchAnswering([{ data: '0102' }, { ok: true }, { ok: true }]), { timeoutMs: 10_000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      const err = await a.batch(run).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(/batch request 0 \(memWrite\) got \{"data":"0102"\}, not its answer/);
    } finally {
      await a.close();
    }
  });

  it('an error answer ending a batch fails that request as it would alone (not a protocol error)', async () => {
    const a = new ProcessAdapter(batchAnswering([{ ok: true }, { error: 'no such register' }]), { timeoutMs: 10_000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      const err = await a.batch(run).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(/regWrite failed \(request 1 of a batch\): no such register/);
    } finally {
      await a.close();
    }
  });
});

describe('a target that announces batch and one that does not pass the same suites', () => {
  const pick = (suites: Suite[], id: string, n: number): { s: Suite; paths: ReturnType<Suite['paths']> } => {
    const s = suites.find((x) => x.id === id);
    if (!s) throw new Error(`no suite ${id}`);
    return { s, paths: s.paths().slice(0, n) };
  };
  const plan = [pick(pfAcceptanceSuites(), 'pfAcceptance:no-lm', 3), pick(vfLifecycleSuites(), 'vfLifecycle:lm:reject:immediate', 2)];

  /** Every planned path's outcome on `adapter`, and the ops of the requests it was sent. */
  async function outcomes(adapter: Adapter & { request?: (r: Request) => Promise<unknown> }): Promise<string[]> {
    const out: string[] = [];
    for (const { s, paths } of plan) {
      const { results } = await runPaths(paths, s.implementation(adapter));
      out.push(...results.map((r) => `${s.id} ${r.path.name}: ${r.ok ? 'ok' : String(r.error)}`));
    }
    return out;
  }

  it('D1, D4, D5, D11, D13, D17: the same paths pass in process, over serve with batch, over serve --no-batch and over serve --no-batch --no-zero-tail; only the first gets batches, only the last no memory data without its trailing zeros', async () => {
    const inProcess = await outcomes(new EmulatorAdapter());
    expect(inProcess.filter((o) => !o.endsWith(': ok'))).toEqual([]);
    for (const [flags, batches, zeroTail] of [['', true, true], [' --no-batch', false, true], [' --no-batch --no-zero-tail', false, false]] as const) {
      const a = new ProcessAdapter(`${node} bin/nvme-lm.mjs serve${flags}`, { timeoutMs: 30_000 });
      const sent = vi.spyOn(a, 'request');
      try {
        expect(await outcomes(a), `serve${flags}`).toEqual(inProcess);
        expect(sent.mock.calls.some(([r]) => r.op === 'batch'), `serve${flags} got batches`).toBe(batches);
        const trimmed = sent.mock.calls.flatMap(([r]): readonly Request[] => (r.op === 'batch' ? r.requests : [r])).some((r) => (r.op === 'memWrite' && r.len !== undefined) || (r.op === 'memRead' && r.zeroTail === true));
        expect(trimmed, `serve${flags} got memory data without its trailing zeros`).toBe(zeroTail);
      } finally {
        await a.close();
      }
    }
  }, 120_000);
});
