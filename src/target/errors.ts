// The errors a target (any implementation under test) may raise through the
// adapter contract; the CLI maps them to exit code 2 ("could not run"), never
// to a failed path. They are recognised by name, not by class identity: a
// user's adapter module loads its own copy of this file (the CLI runs as a
// bundle), and its errors must still be recognised.

import type { ReplayedAnswer } from './adapter.ts';

function named(v: unknown, name: string): boolean {
  return v instanceof Error && v.name === name;
}

/** Thrown by `reset` when the implementation does not support a profile. */
export class UnsupportedProfileError extends Error {
  constructor(
    readonly profile: string,
    reason: string,
  ) {
    super(`profile "${profile}" is not supported: ${reason}`);
    this.name = 'UnsupportedProfileError';
  }

  static override [Symbol.hasInstance](v: unknown): boolean {
    return named(v, 'UnsupportedProfileError');
  }
}

/** The target broke the protocol: an answer that is malformed, missing or late. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }

  static override [Symbol.hasInstance](v: unknown): boolean {
    return named(v, 'ProtocolError');
  }
}

/**
 * A request of a replayed run failed (Adapter.replayBatch). `answers` are the
 * answers to the requests before it, in order, so that the caller can first
 * compare them with the ones it expected: an earlier answer that differs
 * says more about the target than the failure it led to.
 */
export class ReplayedRequestFailed extends Error {
  constructor(
    message: string,
    readonly answers: readonly ReplayedAnswer[],
  ) {
    super(message);
    this.name = 'ReplayedRequestFailed';
  }

  static override [Symbol.hasInstance](v: unknown): boolean {
    return named(v, 'ReplayedRequestFailed');
  }
}

/** What happened to a target that stopped answering: its process ended (`crash`) or it answered nothing in time (`hang`). */
export type TargetFaultKind = 'crash' | 'hang';

/** The command on the wire when a target crashed or hung (SQE bytes in hex). */
export interface FaultCommand {
  fn: number;
  qid: number;
  cid: number;
  sqe: string;
}

/**
 * The target crashed (its process exited: a signal, an assertion) or hung (a
 * request got no answer in time). A finding about the target, not a fault of
 * the run: the path fails with what happened and the next path starts a
 * fresh target.
 */
export class TargetFault extends Error {
  constructor(
    readonly kind: TargetFaultKind,
    message: string,
    /** the last lines the target wrote on stderr */
    readonly stderrTail: readonly string[] = [],
    readonly command?: FaultCommand,
  ) {
    super(message);
    this.name = 'TargetFault';
  }

  /** The same fault, naming the command that was on the wire. */
  withCommand(command: FaultCommand): TargetFault {
    return this.command ? this : new TargetFault(this.kind, this.message, this.stderrTail, command);
  }
}
