import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Qtest, QtestError } from '../../../src/verify/qemu/qtest.ts';

// A scripted stand-in for QEMU's side of the qtest socket: it answers each
// request line with whatever `answer` returns (several lines allowed).
async function pair(answer: (request: string) => string): Promise<{ qt: Qtest; fake: Socket; requests: string[]; done: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-qtest-test-'));
  const path = join(dir, 's');
  const server = createServer();
  await new Promise<void>((r) => server.listen(path, () => r()));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const fake = createConnection(path);
  const qt = new Qtest(await accepted);
  const requests: string[] = [];
  let buf = '';
  fake.setEncoding('utf8');
  fake.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      requests.push(line);
      fake.write(answer(line));
    }
  });
  return {
    qt,
    fake,
    requests,
    done: () => {
      qt.close();
      fake.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

describe('qtest client', () => {
  it('I2: IRQ lines are skipped; every request gets its own answer, in order, even pipelined', async () => {
    const p = await pair((req) => (req.startsWith('readl') ? `IRQ raise 16\nOK 0x${req.slice(-1)}\n` : 'IRQ lower 16\nOK\n'));
    cleanup = p.done;
    const answers = await Promise.all([p.qt.readl(0x1n), p.qt.writel(0x10n, 5), p.qt.readl(0x2n), p.qt.readl(0x3n)]);
    expect(answers).toEqual([1, undefined, 2, 3]);
    expect(p.requests).toEqual(['readl 0x1', 'writel 0x10 0x5', 'readl 0x2', 'readl 0x3']);
  });

  it('I2: memory write and read use hex payloads of exactly the size asked', async () => {
    const p = await pair((req) => (req.startsWith('read ') ? 'OK 0x00ff10\n' : 'OK\n'));
    cleanup = p.done;
    await p.qt.write(0x1000n, new Uint8Array([0xde, 0xad, 0x01]));
    expect(await p.qt.read(0x2000n, 3)).toEqual(new Uint8Array([0x00, 0xff, 0x10]));
    await expect(p.qt.read(0x2000n, 4)).rejects.toThrow(/returned 3 bytes/);
    expect(p.requests.slice(0, 2)).toEqual(['write 0x1000 0x3 0xdead01', 'read 0x2000 0x3']);
  });

  it('I2: 64-bit values and negative bigints are sent as unsigned 64-bit', async () => {
    const p = await pair(() => 'OK 0xffffffffffffffff\n');
    cleanup = p.done;
    await p.qt.writeq(0x10n, -1n);
    expect(await p.qt.readq(0x10n)).toBe(0xffff_ffff_ffff_ffffn);
    expect(p.requests[0]).toBe('writeq 0x10 0xffffffffffffffff');
  });

  it('I2: FAIL and ERR answers reject with the request and the answer', async () => {
    const p = await pair((req) => (req.startsWith('inl') ? 'FAIL Unknown command\n' : 'ERR bad\n'));
    cleanup = p.done;
    const failed = p.qt.inl(0xcfc);
    await expect(failed).rejects.toBeInstanceOf(QtestError);
    await expect(failed).rejects.toThrow('qtest request "inl 0xcfc" failed: QEMU answered "FAIL Unknown command"');
    await expect(p.qt.outl(0xcf8, 1)).rejects.toThrow(/ERR bad/);
  });

  it('I2: a connection that closes fails the outstanding request and every later one, saying QEMU may have exited', async () => {
    const p = await pair(() => '');
    cleanup = p.done;
    const pending = p.qt.readl(0n);
    await new Promise((r) => setTimeout(r, 10));
    p.fake.destroy();
    await expect(pending).rejects.toThrow(/did QEMU exit/);
    await expect(p.qt.readl(0n)).rejects.toThrow(/cannot send qtest request/);
  });
});
