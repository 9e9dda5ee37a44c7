// Raw register and memory access as data, so a driver can hand a target a
// run of operations that need no answer in between (an SQE write and its
// tail doorbell; the doorbell and the CQ read after it) in one go. A target
// across a process boundary answers the run in one round trip (the protocol's
// `batch` request, docs/protocol.md); any other target is driven one
// operation at a time, exactly as without batches.

/**
 * Requests verify puts in one batch at most (more go in several): a target
 * need not take longer lines than the queue driver's own runs make.
 */
export const MAX_BATCH_REQUESTS = 256;

/** The four raw operations every target offers (Adapter has them; so does a qtest or emulator back end). */
export interface RawDeviceOps {
  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void>;
  regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint>;
  memWrite(addr: bigint, data: Uint8Array): Promise<void>;
  memRead(addr: bigint, len: number): Promise<Uint8Array>;
}

export type RawRequest =
  | { op: 'regWrite'; fn: number; offset: number; width: 4 | 8; value: bigint }
  | { op: 'regRead'; fn: number; offset: number; width: 4 | 8 }
  | { op: 'memWrite'; addr: bigint; data: Uint8Array }
  | { op: 'memRead'; addr: bigint; len: number };

/** One answer per request, of the request's kind: writes answer nothing, reads their value or bytes. */
export type RawAnswer = { op: 'regWrite' } | { op: 'regRead'; value: bigint } | { op: 'memWrite' } | { op: 'memRead'; data: Uint8Array };

/** The answer kind `RawRequest` R gets. */
export type AnswerTo<R extends RawRequest> = Extract<RawAnswer, { op: R['op'] }>;

/**
 * A target that can run several raw operations as one: it performs them in
 * order and answers each, or throws at the first that fails (the ones
 * before it took effect, the ones after it did not run).
 */
export interface BatchOps extends RawDeviceOps {
  batch?(requests: readonly RawRequest[]): Promise<RawAnswer[]>;
}

/**
 * Perform `requests` in order, one at a time: the meaning of a batch, for
 * targets without one. Each operation is awaited right here (no helper
 * function per operation): on a synchronous target every step of a suite
 * runs a dozen of these, and each async layer is a promise more.
 */
export async function runEach(raw: RawDeviceOps, requests: readonly RawRequest[]): Promise<RawAnswer[]> {
  const answers: RawAnswer[] = [];
  for (const r of requests) {
    switch (r.op) {
      case 'regWrite':
        await raw.regWrite(r.fn, r.offset, r.width, r.value);
        answers.push({ op: 'regWrite' });
        break;
      case 'regRead':
        answers.push({ op: 'regRead', value: await raw.regRead(r.fn, r.offset, r.width) });
        break;
      case 'memWrite':
        await raw.memWrite(r.addr, r.data);
        answers.push({ op: 'memWrite' });
        break;
      case 'memRead':
        answers.push({ op: 'memRead', data: await raw.memRead(r.addr, r.len) });
        break;
    }
  }
  return answers;
}

/**
 * Perform `requests` in order: as one batch when the target has one, else
 * one at a time. The answers are checked to match the requests kind for
 * kind, so a caller may narrow them by position.
 */
export function runBatch<const R extends readonly RawRequest[]>(raw: BatchOps, requests: R): Promise<{ [K in keyof R]: AnswerTo<R[K]> }> {
  // a batch of one would only add an envelope; runEach answers each request
  // with its own kind, so only a target's batch answers need the check (and
  // no async layer of its own is added here: the queue driver runs a batch
  // at every doorbell and every look)
  const answers = raw.batch && requests.length > 1 ? checkedBatch(raw, requests) : runEach(raw, requests);
  return answers as Promise<{ [K in keyof R]: AnswerTo<R[K]> }>;
}

/** The target's answers to `requests` as one batch, checked to match them kind for kind. */
async function checkedBatch(raw: BatchOps, requests: readonly RawRequest[]): Promise<RawAnswer[]> {
  const answers = await (raw.batch as NonNullable<BatchOps['batch']>).call(raw, requests);
  const bad = batchMismatch(requests, answers);
  if (bad) throw new Error(`the target's batch answers do not match its requests: ${bad}`);
  return answers;
}

/**
 * Why `answers` is not one answer per request of the request's kind, in
 * order, naming the first request that went wrong (index and op); undefined
 * when it is.
 */
export function batchMismatch(requests: readonly RawRequest[], answers: readonly RawAnswer[]): string | undefined {
  for (let i = 0; i < requests.length; i++) {
    const want = requests[i].op;
    if (i >= answers.length) return `request ${i} (${want}) got no answer (${answers.length} answers to ${requests.length} requests)`;
    if (answers[i].op !== want) return `request ${i} (${want}) got a ${answers[i].op} answer (answers out of order?)`;
  }
  if (answers.length > requests.length) return `${answers.length} answers to ${requests.length} requests (answer ${requests.length} answers nothing)`;
  return undefined;
}

/**
 * The values of operations started together (so a batch target, which
 * gathers what is asked for until the process is idle, answers them in one
 * round trip), in the order given; the first failure in that order is
 * thrown, as running them one after another would throw it.
 */
export async function together<const T extends readonly unknown[]>(runs: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
