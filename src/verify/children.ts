// Child processes that never outlive verify: the program behind `--exec`
// and every QEMU. Each starts in a process group of its own (detached), so
// killing the group reaches whatever it forked, a shell's child included.
// Every live group is registered; exit / SIGINT / SIGTERM handlers (installed
// once) kill whatever is left, and `cleanup` hooks (temp directories) run.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

interface Entry {
  cleanup?: () => void;
}

const live = new Map<ChildProcess, Entry>();
let handlersInstalled = false;

/** Send `signal` to the child's whole process group; false when nothing was there. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    // the group is gone; the leader alone may still be there if it was not a group leader
    try {
      return child.kill(signal);
    } catch {
      return false;
    }
  }
}

/** Synchronous, so it can run in an 'exit' handler. */
function killAllLive(): void {
  for (const [child, entry] of live) {
    killGroup(child);
    entry.cleanup?.();
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllLive();
  // Our listener replaced the default action; restore it and re-raise so the
  // process still ends the way the signal asked.
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

function installHandlersOnce(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllLive);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Start `file args` in a new process group, registered until `reap` is
 * called for it. `cleanup` runs once, when the group is reaped or when this
 * process ends.
 */
export function spawnGroup(file: string, args: readonly string[], options: SpawnOptions & { cleanup?: () => void }): ChildProcess {
  installHandlersOnce();
  const { cleanup, ...spawnOptions } = options;
  const child = spawn(file, args, { ...spawnOptions, detached: true });
  live.set(child, { cleanup });
  return child;
}

/**
 * Kill the child's group (every process in it, the leader's children too),
 * wait for the leader to exit, and run the cleanup. Idempotent.
 */
export async function reap(child: ChildProcess): Promise<void> {
  const entry = live.get(child);
  const running = child.exitCode === null && child.signalCode === null;
  const exited = running ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
  // Even a leader that has exited may leave its group behind (a forked child).
  killGroup(child);
  if (running) await exited;
  if (entry) {
    live.delete(child);
    entry.cleanup?.();
  }
}

/** Pids of the group leaders started here and not yet reaped (for tests). */
export function livePids(): number[] {
  return [...live.keys()].map((c) => c.pid).filter((p): p is number => p !== undefined);
}
