// `nvme-lm serve`: an implementation on stdin/stdout through the JSON-lines
// protocol (docs/protocol.md): the built-in emulator, or QEMU's NVMe device.
// `nvme-lm verify --exec "nvme-lm serve"` runs the suites through a process
// boundary exactly as it would for a controller written in another language.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PROFILES, type Adapter, type Profile, type ResetInfo, type ResetOptions, type VfQueuePolicy } from '../../target/adapter.ts';
import { CONTROLLER_MUTANTS, LM_MUTANTS, MUTANT_BUGS, MUTANTS, TP4159_MUTANTS, type Mutant } from '../../emulator/options.ts';
import { UnsupportedProfileError } from '../../target/errors.ts';
import { MAX_SESSIONS, sessionCount } from '../../verify/verifyLimits.ts';
import { UsageError } from '../usageError.ts';
import type { WireAnswers } from '../../verify/server.ts';

export interface ServeOptions {
  profile?: Profile;
  strict?: boolean;
  vfQueuePolicy?: VfQueuePolicy;
  qemu?: boolean;
  mutant?: Mutant;
  /** false with --no-batch */
  batch: boolean;
  /** false with --no-zero-tail */
  zeroTail: boolean;
  /** false with --no-poll */
  poll: boolean;
  /** false with --no-snapshots */
  snapshots: boolean;
  /** independent controllers served at once (--sessions; QEMU: 1) */
  sessions: number;
}

/** Sessions `serve` offers unless told otherwise: more than verify plays at once by default. */
export const DEFAULT_SERVE_SESSIONS = 4;

/**
 * The server's own flags pin what it claims: a reset asking for another
 * profile is answered with an error (verify reports it as unsupported), and
 * --strict / --vf-queue-policy apply when the reset does not say.
 */
export class PinnedAdapter implements Adapter {
  /** the inner adapter's, where it can snapshot (the emulator; QEMU cannot) */
  readonly snapshot?: () => Promise<unknown>;
  readonly restore?: (snapshot: unknown) => Promise<void>;
  /** the inner adapter's, where it answers raw operations at once (the emulator) */
  readonly answerWire?: WireAnswers['answerWire'];

  constructor(
    private readonly inner: Adapter,
    private readonly pins: ServeOptions,
  ) {
    const { snapshot, restore } = inner;
    const wire = (inner as Partial<WireAnswers>).answerWire;
    if (wire) this.answerWire = (req, zeroTail) => wire.call(inner, req, zeroTail);
    if (snapshot && restore) {
      this.snapshot = () => snapshot.call(inner);
      this.restore = (s) => restore.call(inner, s);
    }
  }

  async reset(o: ResetOptions): Promise<ResetInfo | void> {
    if (this.pins.profile && o.profile !== this.pins.profile) {
      throw new UnsupportedProfileError(o.profile, `this server was started with --profile ${this.pins.profile}`);
    }
    return this.inner.reset({ ...o, strict: o.strict ?? this.pins.strict, vfQueuePolicy: o.vfQueuePolicy ?? this.pins.vfQueuePolicy });
  }
  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    return this.inner.regWrite(fn, offset, width, value);
  }
  regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    return this.inner.regRead(fn, offset, width);
  }
  memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    return this.inner.memWrite(addr, data);
  }
  memRead(addr: bigint, len: number): Promise<Uint8Array> {
    return this.inner.memRead(addr, len);
  }
  submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    return this.inner.submit(fn, qid, sqe);
  }
  flr(fn: number): Promise<void> {
    return this.inner.flr(fn);
  }
  async completeIo(fn: number, count?: number): Promise<number> {
    if (!this.inner.completeIo) throw new Error('completeIo is not supported by this implementation');
    return this.inner.completeIo(fn, count);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The --help table of the broken variants: each with the bug it plants and the rules it breaks, by profile. */
export function mutantHelp(): string {
  const width = Math.max(...MUTANTS.map((m) => m.length));
  const row = (m: Mutant): string => `  ${m.padEnd(width)}  ${MUTANT_BUGS[m].bug} (breaks ${MUTANT_BUGS[m].breaks})`;
  return [
    "Mutants (--mutant), in the vendor profile's LM commands:",
    ...LM_MUTANTS.map(row),
    'in the standard profile tp4159 (serve --profile tp4159 --mutant ...):',
    ...TP4159_MUTANTS.map(row),
    "in every profile's controller, its queues and Identify:",
    ...CONTROLLER_MUTANTS.map(row),
  ].join('\n');
}

/** --sessions, or the reason it is refused. */
function sessionsOption(v: string): number {
  const n = sessionCount(v);
  if (n === undefined) throw new InvalidArgumentError(`give a whole number from 1 to ${MAX_SESSIONS}`);
  return n;
}

/** The sessions serve offers, each further controller made by `open`: none for QEMU (one device) or --sessions 1. */
export function serveSessions(o: Pick<ServeOptions, 'qemu' | 'sessions'>, open: () => Promise<Adapter>): { count: number; open(): Promise<Adapter> } | undefined {
  return o.qemu || o.sessions <= 1 ? undefined : { count: o.sessions, open };
}

/** The implementation to serve; it (emulator or QEMU target) loads only when the command runs. */
export async function serverAdapter(o: ServeOptions): Promise<Adapter> {
  if (o.qemu) {
    if (o.mutant) throw new Error('--mutant applies to the built-in emulator, not to --qemu');
    const { QemuAdapter } = await import('../../verify/qemu/qemuAdapter.ts');
    return new PinnedAdapter(new QemuAdapter(), { ...o, profile: o.profile ?? 'no-lm' });
  }
  const { EmulatorAdapter } = await import('../../verify/emulatorAdapter.ts');
  return new PinnedAdapter(new EmulatorAdapter({ mutant: o.mutant }), o);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .summary('serve the emulator (or QEMU) over the JSON-lines protocol')
    .description(
      'Serve an NVMe implementation over the JSON-lines protocol on stdin/stdout (see docs/protocol.md): ' +
        'the built-in emulated PF with VFs, or QEMU\'s NVMe device with --qemu.',
    )
    .addOption(new Option('--profile <name>', 'the only device profile this server accepts in reset').choices([...PROFILES]))
    .option('--strict', 'reject nonzero reserved bits and NSID in LM commands (D10) unless reset says otherwise')
    .addOption(new Option('--vf-queue-policy <policy>', 'LM opcode on a VF admin queue: reject or drop (D1)').choices(['reject', 'drop']))
    .option('--qemu', 'serve QEMU\'s NVMe controller with SR-IOV VFs through qtest (no-lm profile only)')
    .option('--no-batch', 'do not announce or answer the batch request (a target as it was before batches, to try a client against)')
    .option('--no-zero-tail', 'do not announce or take memory data without its trailing zeros (memWrite "len", memRead "zeroTail"), to try a client against')
    .option('--no-snapshots', 'do not announce or take snapshot and restore (a target that cannot save its state, as firmware cannot: verify then replays each path\'s steps from reset), to try a client against')
    .option('--no-poll', 'wait for each request asleep, as most programs do, instead of trying stdin again at once for a moment after each answer (each request then has to wake the server), to measure a client against')
    .addOption(
      new Option('--sessions <n>', `independent emulated controllers served at once, named by each request's "session", so verify can play several suites at the same time; 1 announces none (QEMU: always 1)`)
        .default(DEFAULT_SERVE_SESSIONS)
        .argParser(sessionsOption),
    )
    .addOption(new Option('--mutant <name>', 'serve a deliberately broken emulator, to see the suites catch it (each listed below)').choices([...MUTANTS]))
    .addHelpText(
      'after',
      '\nExamples:\n  nvme-lm verify --exec "nvme-lm serve"\n  nvme-lm verify --exec "nvme-lm serve --mutant saveWhileRunning"\n  echo \'{"op":"reset","vfs":2,"profile":"lm"}\' | nvme-lm serve\n' +
        '  nvme-lm verify --exec "nvme-lm serve --profile tp4159 --mutant partialSetState" --profile tp4159 --suite tp4159Lifecycle\n\n' +
        mutantHelp(),
    )
    .action(async (o: ServeOptions, command: Command) => {
      if (o.qemu && o.sessions > 1 && command.getOptionValueSource('sessions') === 'cli') throw new UsageError('--sessions: QEMU is one device and is served as one session; leave --sessions out with --qemu');
      const adapter = await serverAdapter(o);
      const opened = [adapter];
      const { serve } = await import('../../verify/server.ts');
      const { stdinPipeLines } = await import('../../verify/stdinLines.ts');
      const stop = (): void => {
        void Promise.all(opened.map((a) => a.close())).finally(() => process.exit(130));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // process.stdin is not touched when stdin is read by trying (node would make the pipe non-blocking)
      const polled = o.poll ? stdinPipeLines() : null;
      const sessions = serveSessions(o, async () => {
        const a = await serverAdapter(o);
        opened.push(a);
        return a;
      });
      await serve(adapter, polled ?? process.stdin, process.stdout, { batch: o.batch, zeroTail: o.zeroTail, snapshots: o.snapshots, sessions });
    });
}
