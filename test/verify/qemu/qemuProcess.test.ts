import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { QemuAdapter } from '../../../src/verify/qemu/qemuAdapter.ts';
import { findQemu, livePids, QemuProcess } from '../../../src/verify/qemu/qemuProcess.ts';
import { hasQemu, isAlive } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..', '..');

/** Pids of live processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !isAlive(pid);
}

/** Run the fixture in its own Node process; resolve with QEMU's pid and socket once it is up. */
function holdQemu(mode: 'wait' | 'exit'): Promise<{ child: ReturnType<typeof spawn>; pid: number; socket: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'holdQemu.ts'), mode], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        const { pid, socket } = JSON.parse(line) as { pid: number; socket: string };
        resolve({ child, pid, socket });
      }
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`fixture exited (${code}) before QEMU was up: ${err}`));
    });
  });
}

describe.skipIf(!hasQemu)('QEMU process lifecycle', () => {
  it('I2: close() kills QEMU, leaves no process with its socket path, removes its files, and is safe twice', async () => {
    const a = new QemuAdapter();
    await a.reset({ vfs: 2, profile: 'no-lm' });
    const pid = a.pid!;
    const socket = a.socketPath!;
    expect(processesMentioning(socket)).toEqual([pid]);
    expect(livePids()).toContain(pid);
    await a.close();
    await a.close();
    expect(isAlive(pid)).toBe(false);
    expect(processesMentioning(socket)).toEqual([]);
    expect(existsSync(dirname(socket))).toBe(false);
    expect(livePids()).not.toContain(pid);
    expect(a.pid).toBeNull();
  });

  it('I2: reset replaces the QEMU process; the old one is gone', async () => {
    const a = new QemuAdapter();
    await a.reset({ vfs: 1, profile: 'no-lm' });
    const first = a.pid!;
    const firstSocket = a.socketPath!;
    await a.reset({ vfs: 1, profile: 'no-lm' });
    expect(isAlive(first)).toBe(false);
    expect(processesMentioning(firstSocket)).toEqual([]);
    await a.close();
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
    'I2: QEMU does not outlive a Node process ended by %s',
    async (signal) => {
      const { child, pid, socket } = await holdQemu('wait');
      expect(isAlive(pid)).toBe(true);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
      expect(await waitGone(pid)).toBe(true);
      expect(processesMentioning(socket)).toEqual([]);
      // Handlers also remove the temp files; after SIGKILL only the kernel acts (QEMU's parent-death signal).
      if (signal !== 'SIGKILL') expect(existsSync(dirname(socket))).toBe(false);
      else rmSync(dirname(socket), { recursive: true, force: true });
    },
  );

  it('I2: QEMU does not outlive a Node process that exits without close()', async () => {
    const { child, pid, socket } = await holdQemu('exit');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    expect(await waitGone(pid)).toBe(true);
    expect(processesMentioning(socket)).toEqual([]);
    expect(existsSync(dirname(socket))).toBe(false);
  });

  it('I2: a QEMU that cannot start reports its own message and leaves nothing behind', async () => {
    const dir = QemuProcess.makeDir();
    await expect(QemuProcess.start({ binary: findQemu()!, args: ['-machine', 'no-such-machine'], dir })).rejects.toThrow(
      /QEMU exited .*no-such-machine/s,
    );
    expect(existsSync(dir)).toBe(false);
    expect(livePids()).toEqual([]);
  });
});

describe.skipIf(!hasQemu)('QEMU process after a lost connection', () => {
  it('I2: when the qtest connection drops, QEMU is killed and requests fail saying QEMU may have exited', async () => {
    const a = new QemuAdapter();
    await a.reset({ vfs: 1, profile: 'no-lm' });
    const pid = a.pid!;
    // Simulate the connection dying under the adapter (as when QEMU crashes or the socket breaks).
    (a as unknown as { session: { proc: { qtest: { socket: { destroy(): void } } } } }).session.proc.qtest['socket'].destroy();
    expect(await waitGone(pid)).toBe(true);
    await expect(a.regRead(0, 0, 4)).rejects.toThrow(/did QEMU exit/);
    await a.close();
  });
});
