// The errors a target (any implementation under test) may raise through the
// adapter contract; the CLI maps them to exit code 2 ("could not run"), never
// to a failed path.

/** Thrown by `reset` when the implementation does not support a profile. */
export class UnsupportedProfileError extends Error {
  constructor(
    readonly profile: string,
    reason: string,
  ) {
    super(`profile "${profile}" is not supported: ${reason}`);
    this.name = 'UnsupportedProfileError';
  }
}

/** The target broke the protocol: an answer that is malformed, missing or late. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
