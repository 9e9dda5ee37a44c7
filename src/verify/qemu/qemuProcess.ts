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

const QEMU_BINARY = 'qemu-system-x86_64';
const QEMU_INSTALL_HINT = 'apt-get install qemu-system-x86';

/** Absolute path of an executable found on PATH, or null. */
function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
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
  /** Fresh temp directory owned by this process: socket and image live here. */
  dir: string;
  connectTimeoutMs?: number;
}

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
      if (stderrText.length < 8192) stderrText += s;
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
    const proc = new QemuProcess(child, new Qtest(socket), launch.dir, socketPath, server, () => stderrText);
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

  /** Kill QEMU, close the socket and remove the temp directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.qtest.close();
    await reap(this.child);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
