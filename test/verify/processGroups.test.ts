// verify --exec leaves no process behind: the program runs in a process
// group of its own, and a protocol error, close(), Ctrl-C or the end of
// verify kills the whole group, whatever the program forked included.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { livePids } from '../../src/verify/children.ts';
import { ProtocolError } from '../../src/target/errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function scratch(): { dir: string; file: (name: string) => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-groups-'));
  return { dir, file: (n) => join(dir, n), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const pidsIn = (file: string): number[] => readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);

describe('verify --exec: no process outlives verify', () => {
  it('a program that floods garbage is a protocol error, and its group is gone at once', async () => {
    const s = scratch();
    const a = new ProcessAdapter(`echo $$ > ${s.file('pid')}; exec yes garbage`, { timeoutMs: 5000 });
    await expect(a.reset({ vfs: 1, profile: 'lm' })).rejects.toThrow(ProtocolError);
    await a.close();
    const [pid] = pidsIn(s.file('pid'));
    expect(await until(() => !alive(pid), 2000), `pid ${pid} still runs`).toBe(true);
    expect(livePids()).not.toContain(pid);
    s.done();
  });

  it('a program that sleeps times out within the timeout plus one second, and is killed', async () => {
    const s = scratch();
    const t0 = Date.now();
    const a = new ProcessAdapter(`echo $$ > ${s.file('pid')}; exec sleep 60`, { timeoutMs: 500 });
    await expect(a.reset({ vfs: 1, profile: 'lm' })).rejects.toThrow(/timeout: no answer to \{"op":"reset".* within 500 ms/);
    await a.close();
    expect(Date.now() - t0).toBeLessThan(500 + 1000);
    const [pid] = pidsIn(s.file('pid'));
    expect(await until(() => !alive(pid), 2000), `pid ${pid} still runs`).toBe(true);
    s.done();
  });

  it('a program that forks a child: closing kills the child too, not only the shell', async () => {
    const s = scratch();
    const a = new ProcessAdapter(`sleep 60 & echo $$ $! > ${s.file('pids')}; wait`, { timeoutMs: 300 });
    await expect(a.reset({ vfs: 1, profile: 'lm' })).rejects.toThrow(ProtocolError);
    await a.close();
    const pids = pidsIn(s.file('pids'));
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await until(() => !alive(pid), 2000), `pid ${pid} still runs`).toBe(true);
    s.done();
  });

  it('Ctrl-C on verify kills the program and what it forked, and verify ends', async () => {
    const s = scratch();
    const exec = `sleep 60 & echo $$ $! > ${s.file('pids')}; wait`;
    // detached: verify leads a group of its own, as a shell's foreground job does; Ctrl-C signals that whole group
    const v = spawn(process.execPath, ['bin/nvme-lm.mjs', 'verify', '--exec', exec, '--timeout', '60000'], { stdio: 'ignore', detached: true });
    expect(await until(() => existsSync(s.file('pids')) && pidsIn(s.file('pids')).length === 2, 30_000), 'the program never started').toBe(true);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => v.once('exit', (_code, signal) => resolve(signal)));
    process.kill(-v.pid!, 'SIGINT');
    expect(await ended).not.toBeUndefined();
    for (const pid of pidsIn(s.file('pids'))) expect(await until(() => !alive(pid), 2000), `pid ${pid} still runs`).toBe(true);
    s.done();
  }, 60_000);
});
