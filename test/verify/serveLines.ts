// Request lines through serve() in this process, and its answers parsed:
// the server side of the protocol without a child process.
import { PassThrough } from 'node:stream';
import type { Adapter } from '../../src/target/adapter.ts';
import { serve, type ServeOptions } from '../../src/verify/server.ts';

export async function serveLines(adapter: Adapter, lines: string[], options: ServeOptions = {}): Promise<unknown[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (d: Buffer) => chunks.push(d.toString()));
  const done = serve(adapter, input, output, options);
  input.end(lines.join('\n'));
  await done;
  return chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as unknown);
}
