// The JSON-lines protocol between `nvme-lm verify --exec` and an
// implementation under test: one JSON object per line each way. The zod
// schemas are the single definition; docs/protocol.md prints their JSON Schema.
import { z } from 'zod';
import { PROFILES } from '../target/adapter.ts';

const hexValue = z.string().regex(/^0x[0-9a-f]+$/, 'a 0x-prefixed lower-case hex number');
const hexData = z.string().regex(/^([0-9a-f]{2})*$/, 'lower-case hex bytes, no separators');
const fn = z.number().int().min(0).max(255).describe('function: 0 is the PF, k is VF k');

const RequestSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('reset'),
      vfs: z.number().int().min(0).max(64),
      profile: z.enum(PROFILES),
      strict: z.boolean().optional(),
      vfQueuePolicy: z.enum(['reject', 'drop']).optional(),
      ioCompletion: z.enum(['immediate', 'deferred']).optional(),
    })
    .describe('Power-on state: every controller disabled, N VFs enabled, namespace zeroed.'),
  z.object({ op: z.literal('regWrite'), fn, offset: z.number().int().min(0), width: z.union([z.literal(4), z.literal(8)]), value: hexValue }).describe('Write a BAR0 register (doorbells included).'),
  z.object({ op: z.literal('regRead'), fn, offset: z.number().int().min(0), width: z.union([z.literal(4), z.literal(8)]) }).describe('Read a BAR0 register.'),
  z.object({ op: z.literal('memWrite'), addr: hexValue, data: hexData }).describe('Write host memory (queues, PRP buffers).'),
  z.object({ op: z.literal('memRead'), addr: hexValue, len: z.number().int().min(0).max(1 << 24) }).describe('Read host memory.'),
  z
    .object({ op: z.literal('submit'), fn, qid: z.number().int().min(0).max(0xffff), sqe: z.string().regex(/^[0-9a-f]{128}$/, '128 lower-case hex digits (64 bytes)') })
    .describe('Write the SQE at the tail of queue qid of function fn, ring its doorbell, and wait for the completion.'),
  z.object({ op: z.literal('flr'), fn }).describe('Function-level reset; config space restored afterwards.'),
  z.object({ op: z.literal('completeIo'), fn, count: z.number().int().min(1).optional() }).describe('Optional: complete in-flight I/O (ioCompletion deferred).'),
]);
export type Request = z.infer<typeof RequestSchema>;

const ResponseSchema = z.union([
  z
    .object({
      ok: z.literal(true),
      synchronous: z
        .boolean()
        .optional()
        .describe('reset only, optional: true when every completion a register write causes is in host memory before that write is answered; verify then never waits for a completion that should not come'),
    })
    .strict(),
  z.object({ value: hexValue }).strict(),
  z.object({ data: hexData }).strict(),
  z.object({ cqe: z.string().regex(/^[0-9a-f]{32}$/, '32 lower-case hex digits (16 bytes)').nullable() }).strict(),
  z.object({ completed: z.number().int().min(0) }).strict(),
  z.object({ error: z.string() }).strict(),
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
  const r = ResponseSchema.safeParse(raw);
  if (!r.success) throw new Error(`bad response: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
  return r.data;
}
