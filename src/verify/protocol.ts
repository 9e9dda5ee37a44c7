// The JSON-lines protocol between `nvme-lm verify --exec` and an
// implementation under test: one JSON object per line each way. The zod
// schemas are the single definition; docs/protocol.md prints their JSON Schema.
import { z } from 'zod';
import { PROFILES } from '../target/adapter.ts';
import type { RawAnswer, RawRequest } from '../target/batch.ts';
import { checkedHexBytes, hexNumber, toHex } from '../wire/hex.ts';
import { quickRequest, quickResponse } from './quickParse.ts';
import { withoutZeroTail, zeroPadded } from './zeroTail.ts';
import { MAX_SESSIONS } from './verifyLimits.ts';

const hexValue = z.string().regex(/^0x[0-9a-f]+$/, 'a 0x-prefixed lower-case hex number');
const hexData = z.string().regex(/^([0-9a-f]{2})*$/, 'lower-case hex bytes, no separators');
const fn = z.number().int().min(0).max(255).describe('function: 0 is the PF, k is VF k');

const regWrite = z.object({ op: z.literal('regWrite'), fn, offset: z.number().int().min(0), width: z.union([z.literal(4), z.literal(8)]), value: hexValue }).describe('Write a BAR0 register (doorbells included).');
const regRead = z.object({ op: z.literal('regRead'), fn, offset: z.number().int().min(0), width: z.union([z.literal(4), z.literal(8)]) }).describe('Read a BAR0 register.');
const memLen = z.number().int().min(0).max(1 << 24);
const memWrite = z
  .object({
    op: z.literal('memWrite'),
    addr: hexValue,
    data: hexData,
    len: memLen.optional().describe('only to a target whose reset announced "zeroTail": how many bytes to write, data the first of them and zero bytes the rest'),
  })
  .describe('Write host memory (queues, PRP buffers).');
const memRead = z
  .object({
    op: z.literal('memRead'),
    addr: hexValue,
    len: memLen,
    zeroTail: z.boolean().optional().describe('only to a target whose reset announced "zeroTail": true lets the answer leave out the trailing zero bytes'),
  })
  .describe('Read host memory.');

const completeIo = z.object({ op: z.literal('completeIo'), fn, count: z.number().int().min(1).optional() }).describe('Optional: complete in-flight I/O (ioCompletion deferred).');

const snapshotId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('a number verify chooses');
const snapshot = z
  .object({ op: z.literal('snapshot'), id: snapshotId })
  .describe('Optional (announced by reset\'s "snapshots": true): save the whole state of the controller and its host memory under id, replacing what id held; kept until the next reset.');
const restore = z.object({ op: z.literal('restore'), id: snapshotId }).describe('Optional (announced by reset\'s "snapshots": true): go back to the state saved under id; it stays saved.');

/**
 * What a batch may hold: the raw operations (src/target/batch.ts),
 * completeIo for a target whose reset announced "batchCompleteIo", and
 * snapshot and restore for one that announced "snapshots"; never another
 * batch.
 */
export const BatchedRequestSchema = z.discriminatedUnion('op', [regWrite, regRead, memWrite, memRead, completeIo, snapshot, restore]);
export type BatchedRequest = z.infer<typeof BatchedRequestSchema>;

/** A decoded answer inside a batch: a raw operation's, completeIo's count, or a snapshot's or restore's ok. */
export type BatchedAnswer = RawAnswer | { op: 'completeIo'; completed: number } | { op: 'snapshot' | 'restore' };

/** Every request but those inside a batch may name its session (docs/protocol.md, "Sessions"). */
const inSession = {
  session: z
    .number()
    .int()
    .min(0)
    .max(MAX_SESSIONS - 1)
    .optional()
    .describe('optional, only to a target whose reset announced "sessions": which of its independent controllers the request is for (default 0)'),
};

export const RequestSchema = z.discriminatedUnion('op', [
  z
    .object({
      ...inSession,
      op: z.literal('reset'),
      vfs: z.number().int().min(0).max(64),
      profile: z.enum(PROFILES),
      strict: z.boolean().optional(),
      vfQueuePolicy: z.enum(['reject', 'drop']).optional(),
      ioCompletion: z.enum(['immediate', 'deferred']).optional(),
      tp4159: z.object({ vendorState: z.boolean().optional(), seqind: z.enum(['parts', 'whole-only']).optional(), nonContiguousCdq: z.boolean().optional() }).optional(),
    })
    .describe('Power-on state: every controller disabled, N VFs enabled, namespace zeroed.'),
  regWrite.extend(inSession).describe(regWrite.description ?? ''), // extend drops the description
  regRead.extend(inSession).describe(regRead.description ?? ''), // extend drops the description
  memWrite.extend(inSession).describe(memWrite.description ?? ''), // extend drops the description
  memRead.extend(inSession).describe(memRead.description ?? ''), // extend drops the description
  z
    .object({ ...inSession, op: z.literal('submit'), fn, qid: z.number().int().min(0).max(0xffff), sqe: z.string().regex(/^[0-9a-f]{128}$/, '128 lower-case hex digits (64 bytes)') })
    .describe('Write the SQE at the tail of queue qid of function fn, ring its doorbell, and wait for the completion.'),
  z.object({ ...inSession, op: z.literal('flr'), fn }).describe('Function-level reset; config space restored afterwards.'),
  completeIo.extend(inSession).describe(completeIo.description ?? ''), // extend drops the description
  snapshot.extend(inSession).describe(snapshot.description ?? ''), // extend drops the description
  restore.extend(inSession).describe(restore.description ?? ''), // extend drops the description
  z
    .object({ ...inSession, op: z.literal('batch'), requests: z.array(BatchedRequestSchema).min(1) })
    .describe('Optional (announced by reset\'s "batch": true): perform the requests in order; answer {"answers":[...]}, one answer each, ending at the first error answer.'),
]);
export type Request = z.infer<typeof RequestSchema>;

const ok = z
  .object({
    ok: z.literal(true),
    synchronous: z
      .boolean()
      .optional()
      .describe('reset only, optional: true when every completion a register write causes is in host memory before that write is answered; verify then never waits for a completion that should not come'),
    batch: z.boolean().optional().describe('reset only, optional: true when the implementation answers the batch request; verify then sends runs of register and memory operations as one'),
    batchCompleteIo: z
      .boolean()
      .optional()
      .describe('reset only, optional, with batch: true when a batch may hold completeIo too; verify then sends completeIo with the reads asked for after it'),
    zeroTail: z
      .boolean()
      .optional()
      .describe('reset only, optional: true when the implementation takes memWrite\'s "len" and memRead\'s "zeroTail"; verify then leaves trailing zero bytes out of the memory data it sends and asks the same of the answers'),
    sessions: z
      .number()
      .int()
      .min(1)
      .max(MAX_SESSIONS)
      .optional()
      .describe('reset only, optional: how many independent controllers the implementation serves at once, each its own device and host memory, named by the requests\' "session" (0 to sessions - 1); with "synchronous": true in every reset answer, verify then plays several suites at the same time'),
    snapshots: z
      .boolean()
      .optional()
      .describe('reset only, optional: true when the implementation takes snapshot and restore (inside a batch too, with "batch"), in every session; verify then goes back to a branching point of its paths by restoring the state saved there, instead of replaying the steps that led to it from reset'),
    vfsOfflineWhilePfDisabled: z
      .string()
      .min(1)
      .optional()
      .describe('reset only, optional: why no VF of this implementation is in its power-on state (CC.EN 0, CSTS 0) while the PF is disabled (its VFs go offline on every PF reset and come back only through the enabled PF); verify then reports a VF observed while the PF is disabled as not realisable, never as passed'),
  })
  .strict();
const value = z.object({ value: hexValue }).strict();
const data = z.object({ data: hexData }).strict();
const completed = z.object({ completed: z.number().int().min(0) }).strict();
const error = z.object({ error: z.string() }).strict();

/** What one request of a batch is answered with. */
export const BatchedResponseSchema = z.union([z.object({ ok: z.literal(true) }).strict(), value, data, completed, error]);
export type BatchedResponse = z.infer<typeof BatchedResponseSchema>;

export const ResponseSchema = z.union([
  ok,
  value,
  data,
  z.object({ cqe: z.string().regex(/^[0-9a-f]{32}$/, '32 lower-case hex digits (16 bytes)').nullable() }).strict(),
  completed,
  z
    .object({ answers: z.array(BatchedResponseSchema) })
    .strict()
    .describe('the answer to batch: one answer per request in order, ending early with the first error answer'),
  error,
]);
export type Response = z.infer<typeof ResponseSchema>;

export function protocolJsonSchema(): { request: unknown; response: unknown } {
  return { request: z.toJSONSchema(RequestSchema), response: z.toJSONSchema(ResponseSchema) };
}

/** Parse one request line; throws an Error whose message says what is wrong. */
export function parseRequest(line: string): Request {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  const quick = quickRequest(raw);
  if (quick !== undefined) return quick;
  const r = RequestSchema.safeParse(raw);
  if (!r.success) throw new Error(`bad request: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
  return r.data;
}

export function parseResponse(line: string): Response {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  const quick = quickResponse(raw);
  if (quick !== undefined) return quick;
  const r = ResponseSchema.safeParse(raw);
  if (!r.success) throw new Error(`bad response: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
  return r.data;
}

/**
 * A raw operation of the host queue driver as a request inside a batch (or
 * alone). `zeroTail`: the target announced it, so memory data goes without
 * its trailing zero bytes, both ways.
 */
export function batchedRequest(r: RawRequest, zeroTail = false): BatchedRequest {
  switch (r.op) {
    case 'regWrite':
      return { op: 'regWrite', fn: r.fn, offset: r.offset, width: r.width, value: hexNumber(r.value) };
    case 'regRead':
      return { op: 'regRead', fn: r.fn, offset: r.offset, width: r.width };
    case 'memWrite': {
      const sent = zeroTail ? withoutZeroTail(r.data) : r.data;
      return sent.length === r.data.length ? { op: 'memWrite', addr: hexNumber(r.addr), data: toHex(r.data) } : { op: 'memWrite', addr: hexNumber(r.addr), data: toHex(sent), len: r.data.length };
    }
    case 'memRead':
      return zeroTail ? { op: 'memRead', addr: hexNumber(r.addr), len: r.len, zeroTail: true } : { op: 'memRead', addr: hexNumber(r.addr), len: r.len };
  }
}

/** The driver's answer to a raw operation as the answer inside a batch (rawAnswer's inverse); `zeroTail`: memory data without its trailing zero bytes, as to a memRead that asked for that. */
export function batchedAnswer(a: RawAnswer, zeroTail = false): BatchedResponse {
  switch (a.op) {
    case 'regWrite':
    case 'memWrite':
      return { ok: true };
    case 'regRead':
      return { value: hexNumber(a.value) };
    case 'memRead':
      return { data: toHex(zeroTail ? withoutZeroTail(a.data) : a.data) };
  }
}

/** An answer replayBatch expects (a raw operation's or completeIo's) as the program gives it. */
export function replayedAnswer(a: RawAnswer | { op: 'completeIo'; completed: number }, zeroTail: boolean): BatchedResponse {
  return a.op === 'completeIo' ? { completed: a.completed } : batchedAnswer(a, zeroTail);
}

/**
 * A successful answer inside a batch as the driver's answer to `r`, or
 * undefined when it is not the kind of answer `r` gets (an answer missing or
 * out of order shifts the others onto requests of another kind), or when a
 * memRead answer is not `r.len` bytes (at most `r.len` when the request let
 * it leave out its trailing zeros, which are then put back).
 */
export function rawAnswer(r: RawRequest | BatchedRequest, a: Exclude<BatchedResponse, { error: string }>): BatchedAnswer | undefined {
  switch (r.op) {
    case 'completeIo':
      return 'completed' in a ? { op: 'completeIo', completed: a.completed } : undefined;
    case 'regWrite':
    case 'memWrite':
    case 'snapshot':
    case 'restore':
      return 'ok' in a ? { op: r.op } : undefined;
    case 'regRead':
      return 'value' in a ? { op: 'regRead', value: BigInt(a.value) } : undefined;
    case 'memRead': {
      if (!('data' in a)) return undefined;
      // the trailing zeros may be left out only when the request said so
      const data = a.data.length === r.len * 2 ? checkedHexBytes(a.data) : 'zeroTail' in r && r.zeroTail === true ? zeroPadded(a.data, r.len) : undefined;
      return data === undefined ? undefined : { op: 'memRead', data };
    }
  }
}
