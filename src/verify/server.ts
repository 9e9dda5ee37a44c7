// Serve any Adapter over the JSON-lines protocol (stdin -> stdout). Used by
// `nvme-lm serve` for the built-in emulator and for QEMU.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type Adapter } from '../target/adapter.ts';
import { parseRequest, type Request, type Response } from './protocol.ts';
import { fromHex, hexNumber, toHex } from '../wire/hex.ts';
import { UnsupportedProfileError } from '../target/errors.ts';

export async function handleRequest(adapter: Adapter, req: Request): Promise<Response> {
  switch (req.op) {
    case 'reset':
    {
      const info = await adapter.reset({ vfs: req.vfs, profile: req.profile, strict: req.strict, vfQueuePolicy: req.vfQueuePolicy, ioCompletion: req.ioCompletion });
      return info?.synchronous === true ? { ok: true, synchronous: true } : { ok: true };
    }
    case 'regWrite':
      await adapter.regWrite(req.fn, req.offset, req.width, BigInt(req.value));
      return { ok: true };
    case 'regRead':
      return { value: hexNumber(await adapter.regRead(req.fn, req.offset, req.width)) };
    case 'memWrite':
      await adapter.memWrite(BigInt(req.addr), req.data.length === 0 ? new Uint8Array(0) : fromHex(req.data, 'data'));
      return { ok: true };
    case 'memRead':
      return { data: toHex(await adapter.memRead(BigInt(req.addr), req.len)) };
    case 'submit': {
      const cqe = await adapter.submit(req.fn, req.qid, fromHex(req.sqe, 'sqe', 64));
      return { cqe: cqe === null ? null : toHex(cqe) };
    }
    case 'flr':
      await adapter.flr(req.fn);
      return { ok: true };
    case 'completeIo':
      if (!adapter.completeIo) return { error: 'completeIo is not supported by this implementation' };
      return { completed: await adapter.completeIo(req.fn, req.count) };
  }
}

/** Answer requests line by line until input ends; one answer per request, in order. */
export async function serve(adapter: Adapter, input: Readable, output: Writable): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      if (line.trim() === '') continue;
      let res: Response;
      try {
        res = await handleRequest(adapter, parseRequest(line));
      } catch (e) {
        res = { error: e instanceof UnsupportedProfileError ? e.message : (e as Error).message };
      }
      output.write(`${JSON.stringify(res)}\n`);
    }
  } finally {
    await adapter.close();
  }
}
