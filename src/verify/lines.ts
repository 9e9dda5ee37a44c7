// The lines of a JSON-lines stream, split by hand: node's readline runs a
// regular expression over every chunk and an event (or, for `for await`,
// a promise) per line, a visible share of each of the tens of thousands of
// round trips a verify run makes, on both sides of the pipe. The lines are
// the ones readline gives with crlfDelay Infinity: "\n", "\r\n" and a lone
// "\r" end a line; a last line without an end is a line too.
import type { Readable } from 'node:stream';

export interface LineHandlers {
  line(text: string): void;
  /** the stream ended (after its last line) */
  end?(): void;
}

/** Text as it comes, in chunks cut anywhere, handed on as whole lines. */
export class LineSplitter {
  private rest = '';

  /** Every line that `chunk` completes, in order. */
  push(chunk: string, line: (text: string) => void): void {
    const text = this.rest + chunk;
    let at = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
      emit(text.slice(at, nl), line);
      at = nl + 1;
    }
    this.rest = text.slice(at);
  }

  /** The stream ended: what is left is its last line. */
  end(line: (text: string) => void): void {
    if (this.rest !== '') emit(this.rest, line);
    this.rest = '';
  }
}

function emit(text: string, line: (text: string) => void): void {
  // a lone "\r" ends a line too (readline's rule); "\r\n" was split at the "\n"
  const cr = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (!cr.includes('\r')) return line(cr);
  for (const part of cr.split('\r')) line(part);
}

/** Hand every line of `input` to `on.line`, in order; returns a function that stops listening. */
export function eachLine(input: Readable, on: LineHandlers): () => void {
  const lines = new LineSplitter();
  const onData = (chunk: string): void => lines.push(chunk, on.line);
  const onEnd = (): void => {
    lines.end(on.line);
    on.end?.();
  };
  input.setEncoding('utf8');
  input.on('data', onData);
  input.once('end', onEnd);
  return () => {
    input.off('data', onData);
    input.off('end', onEnd);
  };
}
