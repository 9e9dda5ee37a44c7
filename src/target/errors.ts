// The errors a target (any implementation under test) may raise through the
// adapter contract; the CLI maps them to exit code 2 ("could not run"), never
// to a failed path. They are recognised by name, not by class identity: a
// user's adapter module loads its own copy of this file (the CLI runs as a
// bundle), and its errors must still be recognised.

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
