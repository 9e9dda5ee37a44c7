// A broken rule, found by the runner: the rule's id and what happened.
export class FuzzFailure extends Error {
  constructor(
    /** the rule broken: exception, I1-I4, memory, or a decision id */
    readonly rule: string,
    message: string,
  ) {
    super(`${rule}: ${message}`);
    this.name = 'FuzzFailure';
  }
}
