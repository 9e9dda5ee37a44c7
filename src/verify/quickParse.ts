// The protocol's frequent lines (raw register and memory operations,
// completeIo, snapshot and restore, batches of them, and their answers) checked by hand instead of by zod: at tens of
// thousands of round trips a run, the schema walk was a large share of each
// one's cost, on both sides of the pipe. The zod schemas in protocol.ts stay
// the definition: these accept a subset of what the schemas accept and give
// the value the schema would (a test holds them together); anything else
// (a rarer request, a line with a mistake) goes to zod, which decides and
// words the error.
import type { BatchedRequest, BatchedResponse, Request, Response } from './protocol.ts';
import { MAX_SESSIONS } from './verifyLimits.ts';

type Json = Record<string, unknown>;

const HEX_VALUE = /^0x[0-9a-f]+$/;
const HEX_DIGITS = /^[0-9a-f]*$/;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isHexValue = (v: unknown): v is string => typeof v === 'string' && HEX_VALUE.test(v);
const isHexData = (v: unknown): v is string => typeof v === 'string' && v.length % 2 === 0 && HEX_DIGITS.test(v);
const isWidth = (v: unknown): v is 4 | 8 => v === 4 || v === 8;
/** exactly these keys (the answer schemas are strict) */
const hasKeys = (o: Json, n: number): boolean => Object.keys(o).length === n;

/** A raw operation as the schema parses it (unknown keys dropped, as zod drops them), or undefined. */
function quickBatched(o: unknown): BatchedRequest | undefined {
  if (!isObject(o)) return undefined;
  switch (o.op) {
    case 'regWrite':
      return isInt(o.fn, 0, 255) && isInt(o.offset, 0) && isWidth(o.width) && isHexValue(o.value) ? { op: 'regWrite', fn: o.fn, offset: o.offset, width: o.width, value: o.value } : undefined;
    case 'regRead':
      return isInt(o.fn, 0, 255) && isInt(o.offset, 0) && isWidth(o.width) ? { op: 'regRead', fn: o.fn, offset: o.offset, width: o.width } : undefined;
    case 'memWrite':
      if (!isHexValue(o.addr) || !isHexData(o.data)) return undefined;
      if (o.len === undefined) return { op: 'memWrite', addr: o.addr, data: o.data };
      return isInt(o.len, 0, 1 << 24) ? { op: 'memWrite', addr: o.addr, data: o.data, len: o.len } : undefined;
    case 'memRead':
      if (!isHexValue(o.addr) || !isInt(o.len, 0, 1 << 24)) return undefined;
      if (o.zeroTail === undefined) return { op: 'memRead', addr: o.addr, len: o.len };
      return typeof o.zeroTail === 'boolean' ? { op: 'memRead', addr: o.addr, len: o.len, zeroTail: o.zeroTail } : undefined;
    case 'completeIo':
      if (!isInt(o.fn, 0, 255)) return undefined;
      if (o.count === undefined) return { op: 'completeIo', fn: o.fn };
      return isInt(o.count, 1) ? { op: 'completeIo', fn: o.fn, count: o.count } : undefined;
    case 'snapshot':
    case 'restore':
      return isInt(o.id, 0) ? { op: o.op, id: o.id } : undefined;
    default:
      return undefined;
  }
}

/** A raw operation or a batch of them, with its session if it names one, or undefined (zod decides). */
export function quickRequest(o: unknown): Request | undefined {
  if (!isObject(o)) return undefined;
  const session = o.session;
  if (session !== undefined && !isInt(session, 0, MAX_SESSIONS - 1)) return undefined;
  const r = o.op === 'batch' ? quickBatch(o.requests) : quickBatched(o);
  return r === undefined || session === undefined ? r : { ...r, session };
}

function quickBatch(list: unknown): Request | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const requests: BatchedRequest[] = [];
  for (const r of list as unknown[]) {
    const q = quickBatched(r);
    if (q === undefined) return undefined;
    requests.push(q);
  }
  return { op: 'batch', requests };
}

/** `{"ok":true}`, `{"value"}`, `{"data"}`, `{"completed"}` or `{"error"}` (the answers inside a batch), or undefined. */
function quickBatchedAnswer(o: unknown): BatchedResponse | undefined {
  if (!isObject(o) || !hasKeys(o, 1)) return undefined;
  if (o.ok === true) return { ok: true };
  if (isHexValue(o.value)) return { value: o.value };
  if (isHexData(o.data)) return { data: o.data };
  if (isInt(o.completed, 0)) return { completed: o.completed };
  if (typeof o.error === 'string') return { error: o.error };
  return undefined;
}

/** The answers to raw operations and to batches, or undefined (zod decides). */
export function quickResponse(o: unknown): Response | undefined {
  if (!isObject(o) || !hasKeys(o, 1) || !Array.isArray(o.answers)) return quickBatchedAnswer(o);
  const answers: BatchedResponse[] = [];
  for (const a of o.answers as unknown[]) {
    const q = quickBatchedAnswer(a);
    if (q === undefined) return undefined;
    answers.push(q);
  }
  return { answers };
}
