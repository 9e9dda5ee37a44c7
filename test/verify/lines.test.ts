// The hand-split lines of a JSON-lines stream (src/verify/lines.ts) are the
// ones node's readline gives with crlfDelay Infinity, however the bytes are
// cut into chunks.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { eachLine } from '../../src/verify/lines.ts';

async function split(chunks: string[], how: 'mine' | 'readline'): Promise<string[]> {
  const input = new PassThrough();
  const out: string[] = [];
  const done = new Promise<void>((resolve) => {
    if (how === 'mine') eachLine(input, { line: (l) => out.push(l), end: resolve });
    else createInterface({ input, crlfDelay: Infinity }).on('line', (l) => out.push(l)).on('close', resolve);
  });
  for (const c of chunks) input.write(c);
  input.end();
  await done;
  return out;
}

describe('lines of a JSON-lines stream', () => {
  it('the same lines as readline: \\n, \\r\\n (also cut between chunks), a lone \\r, empty lines, a last line without an end', async () => {
    const cases = [
      ['{"ok":true}\n{"value":"0x1"}\n'],
      ['{"ok":', 'true}\n{"da', 'ta":"00"}\n'],
      ['a\r\nb\r', '\nc\n'],
      ['a\rb\n\n\nc'],
      ['', 'x'.repeat(100_000), '\n'],
      [],
    ];
    for (const chunks of cases) expect(await split(chunks, 'mine'), JSON.stringify(chunks).slice(0, 60)).toEqual(await split(chunks, 'readline'));
  });
});
