import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { delimiter, dirname } from 'node:path';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { parseRequest, protocolJsonSchema } from '../../src/verify/protocol.ts';
import { serve } from '../../src/verify/server.ts';
import { type Adapter, type ResetOptions } from '../../src/target/adapter.ts';
import { ProtocolError, UnsupportedProfileError } from '../../src/target/errors.ts';

const node = JSON.stringify(process.execPath);
const script = (js: string): string => `${node} -e ${JSON.stringify(js)}`;

describe('JSON-lines protocol: client side (verify --exec)', () => {
  it('an implementation that answers with bad JSON is a protocol error that says so', async () => {
    const a = new ProcessAdapter(script(`process.stdin.once('data', () => console.log('not json'))`), { timeoutMs: 5000 });
    await expect(a.regRead(0, 0, 8)).rejects.toThrow(ProtocolError);
    await a.close();
  });

  it('a crash is a protocol error naming the exit code and stderr', async () => {
    const a = new ProcessAdapter(script(`process.stdin.once('data', () => { console.error('boom'); process.exit(3); })`), { timeoutMs: 5000 });
    await expect(a.regRead(0, 0, 8)).rejects.toThrow(/exited with code 3.*boom/);
    await a.close();
  });

  it('silence is a timeout protocol error', async () => {
    const a = new ProcessAdapter(script(`process.stdin.resume()`), { timeoutMs: 200 });
    await expect(a.regRead(0, 0, 4)).rejects.toThrow(/timeout: no answer to .*regRead/);
    await a.close();
  });

  it('the time spent waiting for answers is counted: a program that takes 40 ms an answer shows at least that much a request, within the wall time', async () => {
    const a = new ProcessAdapter(script(`require('readline').createInterface({input: process.stdin}).on('line', () => setTimeout(() => console.log(JSON.stringify({value: '0x1'})), 40))`), { timeoutMs: 5000 });
    expect(a.waitedMs()).toBe(0);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) expect(await a.regRead(0, 0, 4)).toBe(1n);
    const wall = performance.now() - t0;
    expect(a.roundTrips()).toBe(3);
    expect(a.waitedMs()).toBeGreaterThanOrEqual(3 * 39);
    expect(a.waitedMs()).toBeLessThanOrEqual(wall);
    await a.close();
  });

  it('reset answered with an error means the profile is unsupported', async () => {
    const a = new ProcessAdapter(script(`require('readline').createInterface({input: process.stdin}).on('line', () => console.log(JSON.stringify({error: 'only no-lm'})))`));
    await expect(a.reset({ vfs: 1, profile: 'lm' })).rejects.toThrow(UnsupportedProfileError);
    await a.close();
  });

  it('D18, D34: a target whose VFs go offline on a PF reset says why in reset, and verify hands that reason to the suites', async () => {
    const reason = 'secondary controllers go offline on every PF reset';
    const a = new ProcessAdapter(script(`require('readline').createInterface({input: process.stdin}).on('line', () => console.log(JSON.stringify({ok: true, vfsOfflineWhilePfDisabled: ${JSON.stringify(reason)}})))`));
    try {
      expect(await a.reset({ vfs: 1, profile: 'tp4159' })).toEqual({ synchronous: false, batch: false, snapshots: false, vfsOfflineWhilePfDisabled: reason });
    } finally {
      await a.close();
    }
  });

  it('"nvme-lm serve" by name runs this checkout\'s CLI with no nvme-lm on the PATH it was given (however verify was started)', async () => {
    const bare = [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter);
    const a = new ProcessAdapter('nvme-lm serve', { timeoutMs: 30_000, env: { PATH: bare } });
    try {
      expect(await a.reset({ vfs: 1, profile: 'lm' })).toMatchObject({ synchronous: true });
    } finally {
      await a.close();
    }
  }, 60_000);
});

describe('JSON-lines protocol: server side (nvme-lm serve)', () => {
  it('answers each request in order and reports errors as {"error"}', async () => {
    const calls: string[] = [];
    const fake: Adapter = {
      reset: async () => void calls.push('reset'),
      regWrite: async () => void calls.push('regWrite'),
      regRead: async (_f, off) => BigInt(off) + 0x10n,
      memWrite: async () => void calls.push('memWrite'),
      memRead: async (_a, len) => new Uint8Array(len).fill(0xab),
      submit: async () => null,
      flr: async () => {
        throw new Error('no such function');
      },
      close: async () => void calls.push('close'),
    };
    const input = new PassThrough();
    const output = new PassThrough();
    const chunks: string[] = [];
    output.on('data', (d: Buffer) => chunks.push(d.toString()));
    const done = serve(fake, input, output);
    input.end(
      [
        '{"op":"reset","vfs":2,"profile":"lm"}',
        '{"op":"regRead","fn":0,"offset":8,"width":4}',
        '{"op":"memRead","addr":"0x1000","len":2}',
        '{"op":"submit","fn":0,"qid":0,"sqe":"' + '00'.repeat(64) + '"}',
        '{"op":"flr","fn":9}',
        '{"op":"bogus"}',
        'nope',
      ].join('\n'),
    );
    await done;
    const answers = chunks.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(answers.slice(0, 4)).toEqual([{ ok: true, batch: true, batchCompleteIo: true, zeroTail: true }, { value: '0x18' }, { data: 'abab' }, { cqe: null }]);
    expect(answers[4]).toEqual({ error: 'no such function' });
    expect(answers[5].error).toMatch(/bad request/);
    expect(answers[6].error).toMatch(/not JSON/);
    expect(calls).toEqual(['reset', 'close']);
  });

  it('D26: reset\'s seqind reaches the implementation ("whole-only": Set State whole only); another value is a bad request', async () => {
    const seen: Array<string | undefined> = [];
    const fake = { reset: async (o: ResetOptions) => void seen.push(o.tp4159?.seqind), close: async () => undefined } as unknown as Adapter;
    const input = new PassThrough();
    const output = new PassThrough();
    const done = serve(fake, input, output);
    input.end(['{"op":"reset","vfs":1,"profile":"tp4159","tp4159":{"seqind":"whole-only"}}', '{"op":"reset","vfs":1,"profile":"tp4159"}'].join('\n'));
    await done;
    expect(seen).toEqual(['whole-only', undefined]);
    expect(() => parseRequest('{"op":"reset","vfs":1,"profile":"tp4159","tp4159":{"seqind":"some"}}')).toThrow(/seqind/);
  });

  it('requests are validated: an SQE must be 128 hex digits', () => {
    expect(() => parseRequest('{"op":"submit","fn":0,"qid":0,"sqe":"00"}')).toThrow(/128 lower-case hex digits/);
  });

  it('the protocol has a JSON Schema for requests and responses', () => {
    const s = protocolJsonSchema() as { request: { oneOf?: unknown[]; anyOf?: unknown[] } };
    expect((s.request.oneOf ?? s.request.anyOf)?.length).toBe(11);
  });
});

describe('reset says whether the implementation is synchronous (no waiting for a completion that must not come)', () => {
  it('nvme-lm serve answers reset with {"ok":true,"synchronous":true,"batch":true,"batchCompleteIo":true,"zeroTail":true,"sessions":4,"snapshots":true}; the client passes on what the driver uses', async () => {
    const a = new ProcessAdapter(`${node} bin/nvme-lm.mjs serve`, { timeoutMs: 60_000 });
    try {
      expect(await a.reset({ vfs: 1, profile: 'lm' })).toEqual({ synchronous: true, batch: true, snapshots: true });
      expect(await a.request({ op: 'reset', vfs: 1, profile: 'no-lm' })).toEqual({ ok: true, synchronous: true, batch: true, batchCompleteIo: true, zeroTail: true, sessions: 4, snapshots: true });
    } finally {
      await a.close();
    }
  }, 60_000);

  it('an implementation that does not claim it is taken as asynchronous', async () => {
    const a = new ProcessAdapter(script(`require('readline').createInterface({input: process.stdin}).on('line', () => console.log('{"ok":true}'))`));
    expect(await a.reset({ vfs: 1, profile: 'lm' })).toEqual({ synchronous: false, batch: false, snapshots: false });
    await a.close();
  });

  it('a server over an adapter that makes no claim answers {"ok":true} and its own batch and zeroTail claims', async () => {
    const fake = { reset: async () => undefined, close: async () => undefined } as unknown as Adapter;
    const input = new PassThrough();
    const output = new PassThrough();
    const chunks: string[] = [];
    output.on('data', (d: Buffer) => chunks.push(d.toString()));
    const done = serve(fake, input, output);
    input.end('{"op":"reset","vfs":1,"profile":"lm"}\n');
    await done;
    expect(JSON.parse(chunks.join(''))).toEqual({ ok: true, batch: true, batchCompleteIo: true, zeroTail: true });
  });
});
