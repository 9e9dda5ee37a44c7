// Starting and stopping one QEMU process with a qtest connection. Every process
// is registered so that none outlives this Node process: `stop()` kills it,
// and exit / SIGINT / SIGTERM handlers (installed once) kill whatever is left.
// Where `setpriv` exists QEMU also gets a parent-death signal, which covers the
// one case no handler can (this process killed with SIGKILL).
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Qtest } from './qtest.ts';
import { livePids, reap, spawnGroup } from '../children.ts';
import { TargetFault } from '../../target/errors.ts';

const QEMU_BINARY = 'qemu-system-x86_64';
const QEMU_INSTALL_HINT = 'apt-get install qemu-system-x86';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of an executable found on PATH, or null. */
function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The QEMU to run: `named` (--qemu-binary, NVME_LM_QEMU) when it is executable, else the one on PATH. */
export function resolveQemu(named: string | undefined): string {
  if (named !== undefined) {
    if (!isExecutable(named)) throw new Error(`${named} is not an executable file: name a qemu-system-x86_64 with --qemu-binary or NVME_LM_QEMU`);
    return named;
  }
  const found = findQemu();
  if (found === null) throw new QemuNotFoundError();
  return found;
}

export function findQemu(): string | null {
  return findOnPath(QEMU_BINARY);
}

export class QemuNotFoundError extends Error {
  constructor() {
    super(`${QEMU_BINARY} was not found on PATH: ${QEMU_INSTALL_HINT} (Debian/Ubuntu) to use the QEMU target`);
    this.name = 'QemuNotFoundError';
  }
}

export { livePids };

interface QemuLaunch {
  binary: string;
  /** QEMU arguments without the qtest options, which are added here. */
  args: string[];
  /** How long a qtest request may go unanswered before QEMU counts as hung (Qtest's default). */
  answerTimeoutMs?: number;
  /** Fresh temp directory owned by this process: socket and image live here. */
  dir: string;
  connectTimeoutMs?: number;
}

/** How much of QEMU's stderr is kept: the end, where an assertion or a crash is told. */
const STDERR_KEEP_CHARS = 16_384;
/** Lines of stderr a crash report carries. */
const STDERR_TAIL_LINES = 10;
/** How long a closed qtest connection may wait for QEMU's exit status. */
const EXIT_WAIT_MS = 2000;

export class QemuProcess {
  private stopped = false;

  private constructor(
    readonly child: ChildProcess,
    readonly qtest: Qtest,
    readonly dir: string,
    readonly socketPath: string,
    private readonly server: Server,
    private readonly stderr: () => string,
  ) {}

  /** Make a fresh temp directory for a QEMU instance (socket, image). */
  static makeDir(): string {
    return mkdtempSync(join(tmpdir(), 'nvme-lm-qemu-'));
  }

  static async start(launch: QemuLaunch): Promise<QemuProcess> {
    const socketPath = join(launch.dir, 'qtest.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    const qemuArgs = [...launch.args, '-qtest', `unix:${socketPath}`, '-qtest-log', '/dev/null'];
    const setpriv = findOnPath('setpriv');
    const cleanup = (): void => rmSync(launch.dir, { recursive: true, force: true });
    const child = setpriv
      ? spawnGroup(setpriv, ['--pdeathsig', 'SIGKILL', launch.binary, ...qemuArgs], { stdio: ['ignore', 'ignore', 'pipe'], cleanup })
      : spawnGroup(launch.binary, qemuArgs, { stdio: ['ignore', 'ignore', 'pipe'], cleanup });
    let stderrText = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderrText = (stderrText + s).slice(-STDERR_KEEP_CHARS);
    });

    const timeoutMs = launch.connectTimeoutMs ?? 10_000;
    let socket: Socket;
    try {
      socket = await new Promise<Socket>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`QEMU did not connect to the qtest socket within ${timeoutMs} ms`)),
          timeoutMs,
        );
        server.once('connection', (s: Socket) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`could not start ${launch.binary}: ${err.message}`));
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(
              `QEMU exited (code ${code}, signal ${signal}) before connecting to qtest: ${stderrText.trim() || 'no message'}\n` +
                `command line: ${launch.binary} ${qemuArgs.join(' ')}`,
            ),
          );
        });
      });
    } catch (err) {
      await reap(child);
      server.close();
      throw err;
    }
    const proc = new QemuProcess(child, new Qtest(socket, launch.answerTimeoutMs), launch.dir, socketPath, server, () => stderrText);
    // A QEMU whose qtest connection is gone can no longer be driven: end it.
    socket.once('close', () => {
      if (!proc.isStopped) child.kill('SIGKILL');
    });
    return proc;
  }

  /** True once stop() was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** What QEMU wrote on stderr so far (for error messages). */
  stderrText(): string {
    return this.stderr();
  }

  /** The last lines QEMU wrote on stderr. */
  stderrTail(): string[] {
    return this.stderr().trimEnd().split('\n').filter((l) => l !== '').slice(-STDERR_TAIL_LINES);
  }

  /**
   * What `error`, a failed qtest request, says about QEMU: a crash when
   * the process ended (its signal or exit code), a hang when a request went
   * unanswered (QEMU is then killed, so it cannot come back half way), or
   * null when QEMU is alive and answering (the error is the caller's).
   */
  async fault(error?: unknown): Promise<TargetFault | null> {
    if (this.stopped) return null;
    const hang = this.qtest.hung;
    if (hang !== null) {
      await this.stop();
      return new TargetFault('hang', `${hang.message}; QEMU was killed`, this.stderrTail());
    }
    if (!this.qtest.isClosed && this.running) return null;
    const status = await this.exitStatus();
    const how = status === null ? `closed its qtest connection and did not exit within ${EXIT_WAIT_MS} ms` : status.signal !== null ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    const tail = this.stderrTail();
    await this.stop();
    const request = error instanceof Error ? ` (${error.message})` : '';
    return new TargetFault('crash', `QEMU ${how}${tail.length ? `; its stderr ends: ${tail[tail.length - 1]}` : ''}${request}`, tail);
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private exitStatus(): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
    if (!this.running) return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), EXIT_WAIT_MS);
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  }

  /** Kill QEMU, close the socket and remove the temp directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.qtest.close();
    await reap(this.child);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
