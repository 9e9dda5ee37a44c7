// One request and its answer as a line a firmware engineer reads while a
// path replays: the operation, function, register or address, the SQE and
// CQE in hex with the completion decoded. Memory data longer than
// DATA_SHOWN bytes is cut (its length is printed): queues and buffers are
// pages, mostly zero.
import { decodeCqe } from '../wire/cqe.ts';
import { fromHex } from '../wire/hex.ts';
import { describeStatus } from '../wire/status.ts';
import type { Request, Response } from './protocol.ts';

export const DATA_SHOWN = 32;

function data(hex: string): string {
  const bytes = hex.length / 2;
  return bytes <= DATA_SHOWN ? `${bytes} bytes ${hex}` : `${bytes} bytes ${hex.slice(0, DATA_SHOWN * 2)}...`;
}

function requestText(r: Request): string {
  switch (r.op) {
    case 'reset':
      return `reset vfs ${r.vfs} profile ${r.profile}${r.strict ? ' strict' : ''}${r.vfQueuePolicy ? ` vfQueuePolicy ${r.vfQueuePolicy}` : ''}${r.ioCompletion ? ` ioCompletion ${r.ioCompletion}` : ''}${r.tp4159 ? ` tp4159 ${JSON.stringify(r.tp4159)}` : ''}`;
    case 'regWrite':
      return `regWrite fn ${r.fn} offset 0x${r.offset.toString(16)} width ${r.width} value ${r.value}`;
    case 'regRead':
      return `regRead fn ${r.fn} offset 0x${r.offset.toString(16)} width ${r.width}`;
    case 'memWrite':
      return `memWrite ${r.addr} ${data(r.data)}`;
    case 'memRead':
      return `memRead ${r.addr} ${r.len} bytes`;
    case 'submit':
      return `submit fn ${r.fn} SQ ${r.qid} SQE ${r.sqe}`;
    case 'flr':
      return `flr fn ${r.fn}`;
    case 'completeIo':
      return `completeIo fn ${r.fn}${r.count !== undefined ? ` count ${r.count}` : ''}`;
    case 'snapshot':
    case 'restore':
      return `${r.op} ${r.id}`;
    case 'batch':
      return `batch of ${r.requests.length}: ${r.requests.map((q) => requestText(q)).join('; ')}`;
  }
}

function responseText(r: Response): string {
  if ('error' in r) return `error: ${r.error}`;
  if ('value' in r) return r.value;
  if ('data' in r) return data(r.data);
  if ('completed' in r) return `${r.completed} completed`;
  if ('cqe' in r) {
    if (r.cqe === null) return 'no completion';
    const c = decodeCqe(fromHex(r.cqe, 'CQE', 16));
    return `CQE ${r.cqe} (${describeStatus(c)}, CID ${c.cid}, SQ ${c.sqid}, SQ head ${c.sqhd}, DW0 0x${(c.dw0 >>> 0).toString(16)})`;
  }
  if ('answers' in r) return `answers: ${r.answers.map((a) => responseText(a)).join('; ')}`;
  const claims = [r.synchronous !== undefined ? `synchronous ${r.synchronous}` : '', r.batch !== undefined ? `batch ${r.batch}` : ''].filter(Boolean);
  return ['ok', ...claims].join(' ');
}

/** `submit fn 1 SQ 0 SQE 0a00... -> CQE 0000... (Success ..., CID 3, SQ 0, SQ head 1, DW0 0x0)` */
export function exchangeText(request: Request, response: Response): string {
  return `${requestText(request)} -> ${responseText(response)}`;
}
