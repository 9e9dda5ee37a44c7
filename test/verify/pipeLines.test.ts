// Both ends of verify --exec read lines by trying a pipe (src/verify/pipeLines.ts):
// verify its program's answers, `nvme-lm serve` its requests on stdin
// (stdinLines.ts, through the request pipe verify gives it, requestPipe.ts).
import { spawn } from 'node:child_process';
import { constants, openSync, readdirSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PipeLines } from '../../src/verify/pipeLines.ts';
import { withFifo } from '../../src/verify/fifo.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { REG } from '../../src/wire/registers.ts';
import { ProtocolError } from '../../src/target/errors.ts';

const cli = ['bin/nvme-lm.mjs', 'serve'];
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** `nvme-lm serve` with stdin a pipe written by `feed` (lines, with pauses), and what it answered. */
function serveFed(feed: Array<string | number>, args: string[] = []): Promise<{ out: string[]; code: number | null }> {
  // a node 'pipe' is a socket: a shell pipe in front makes stdin a pipe, as verify's request pipe is
  const shell = spawn('sh', ['-c', `cat | ${JSON.stringify(process.execPath)} ${[...cli, ...args].join(' ')}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  shell.stdout.on('data', (d: Buffer) => (out += d.toString()));
  void (async () => {
    for (const f of feed) {
      if (typeof f === 'number') await new Promise((r) => setTimeout(r, f));
      else shell.stdin.write(`${f}\n`);
    }
    shell.stdin.end();
  })();
  return new Promise((resolve) => shell.on('exit', (code) => resolve({ out: out.trim().split('\n'), code })));
}

/** A named pipe's ends as the answer pipe opens them: one read end to try, a writer, and the read end to wait on (with `waitFlags`). */
function testPipe(waitFlags = 0): { tryFd: number; writeFd: number; waitFd: number } {
  return withFifo((path) => {
    const tryFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY);
    return { tryFd, writeFd, waitFd: openSync(path, constants.O_RDONLY | waitFlags) };
  });
}

/** `line` written to `writeFd` after `ms`, and read by `lines`. */
async function lineAfter(lines: PipeLines, writeFd: number, ms: number, line: string): Promise<void> {
  setTimeout(() => writeSync(writeFd, `${line}\n`), ms);
  expect(await lines.next(performance.now() + 5000)).toBe(line);
}

describe('lines read by trying a pipe', () => {
  it('after a line slower than the whole window the next is tried for a moment only; one that then comes within the slow mark gives the next the whole window again', async () => {
    const fds = testPipe();
    const lines = new PipeLines(fds.tryFd, fds.waitFd, [fds.tryFd, fds.waitFd, fds.writeFd], 200, 100);
    cleanup.push(() => lines.close());
    const after = (ms: number, line: string): Promise<void> => lineAfter(lines, fds.writeFd, ms, line);
    await after(300, 'slower than the 200 ms of tries'); // asleep
    expect(lines.sleeps).toBe(1);
    await after(20, 'after a moment of tries'); // asleep again, but within the slow mark
    expect(lines.sleeps).toBe(2);
    await after(20, 'within the whole window'); // tried all along
    expect(lines.sleeps).toBe(2);
  });

  it('a line within the window but slower than the slow mark is tried all along, and makes the next one\'s tries short (a slow peer costs no CPU however long the window)', async () => {
    const fds = testPipe();
    const lines = new PipeLines(fds.tryFd, fds.waitFd, [fds.tryFd, fds.waitFd, fds.writeFd], 1000, 50);
    cleanup.push(() => lines.close());
    const after = (ms: number, line: string): Promise<void> => lineAfter(lines, fds.writeFd, ms, line);
    await after(150, 'slower than the 50 ms mark, within the 1000 ms window'); // tried all along
    expect(lines.sleeps).toBe(0);
    await after(150, 'after a slow one'); // a moment of tries, then asleep
    expect(lines.sleeps).toBe(1);
  });

  it('a wait descriptor someone made non-blocking is tried again, not taken for the end of the pipe', async () => {
    const fds = testPipe(constants.O_NONBLOCK);
    const lines = new PipeLines(fds.tryFd, fds.waitFd, [fds.tryFd, fds.waitFd, fds.writeFd]);
    cleanup.push(() => lines.close());
    setTimeout(() => writeSync(fds.writeFd, 'late\n'), 40);
    expect(await lines.next(performance.now() + 5000)).toBe('late');
  });

  it('while a line is awaited the process does its other work between tries (timers, the program\'s stderr and exit)', async () => {
    const fds = testPipe();
    // tries go on for the whole deadline: only work done between them can write the line in time
    const lines = new PipeLines(fds.tryFd, fds.waitFd, [fds.tryFd, fds.waitFd, fds.writeFd], 2000);
    cleanup.push(() => lines.close());
    const other = (async () => {
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      writeSync(fds.writeFd, 'written meanwhile\n');
    })();
    expect(await lines.next(performance.now() + 2000)).toBe('written meanwhile');
    await other;
  });

  it('nvme-lm serve answers requests on a pipe, those slower than its spin too, and exits at the end of its stdin', async () => {
    const reset = '{"op":"reset","vfs":1,"profile":"lm"}';
    const vs = `{"op":"regRead","fn":0,"offset":${REG.VS},"width":4}`;
    const { out, code } = await serveFed([reset, 30, vs, vs, 50, vs]);
    expect(code).toBe(0);
    expect(out).toHaveLength(4);
    expect(JSON.parse(out[0])).toMatchObject({ ok: true, batch: true });
    for (const line of out.slice(1)) expect(JSON.parse(line)).toEqual({ value: expect.stringMatching(/^0x[0-9a-f]+$/) });
  });

  it('serve --no-poll (asleep between requests, as most programs are) gives the same answers on the same pipe', async () => {
    const feed = ['{"op":"reset","vfs":2,"profile":"lm"}', `{"op":"regRead","fn":2,"offset":${REG.CAP},"width":8}`, 20, `{"op":"regRead","fn":0,"offset":${REG.VS},"width":4}`];
    const polled = await serveFed(feed);
    const asleep = await serveFed(feed, ['--no-poll']);
    expect(asleep.code).toBe(0);
    expect(asleep.out).toEqual(polled.out);
    expect(asleep.out).toHaveLength(3);
  });

  it('a program that exits on its own leaves none of its pipes open in verify (a run may start a new program after each crash)', async () => {
    const open = (): number => readdirSync('/proc/self/fd').length;
    const crash = async (): Promise<void> => {
      const a = new ProcessAdapter(`sh -c 'read request; exit 3'`, { timeoutMs: 10_000 });
      await expect(a.reset({ vfs: 1, profile: 'lm' })).rejects.toThrow(ProtocolError);
      await a.close();
    };
    await crash(); // whatever the first use opens for good (node's own handles)
    const before = open();
    for (let i = 0; i < 5; i++) await crash();
    expect(open()).toBe(before);
  });

  it('verify --exec gives its program a pipe as stdin, not a socket', async () => {
    // the program refuses to start unless its stdin is a pipe: serve behind it answers reset only when it is
    const a = new ProcessAdapter(`sh -c 'if [ -p /dev/stdin ]; then exec nvme-lm serve; else echo "stdin is not a pipe" >&2; exit 3; fi'`, { timeoutMs: 10_000 });
    cleanup.push(() => a.close());
    await expect(a.reset({ vfs: 1, profile: 'lm' })).resolves.toMatchObject({ synchronous: true, batch: true });
    expect(await a.regRead(0, REG.VS, 4)).toBeGreaterThan(0n);
  });
});
