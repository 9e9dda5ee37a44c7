// The pipe verify reads a program's answers on (src/verify/answerPipe.ts):
// whole lines in order however they are written, answers slower than the
// spin still come, a deadline passes as a timeout, and the end of every
// writer is the end.
import { writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerPipe } from '../../src/verify/answerPipe.ts';

const opened: AnswerPipe[] = [];
function pipe(): AnswerPipe {
  const p = AnswerPipe.open();
  opened.push(p);
  return p;
}
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
});

const within = (ms: number): number => performance.now() + ms;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the answer pipe of verify --exec', () => {
  it('lines written in pieces come out whole and in order ("\\n" and "\\r\\n" end a line), and the last line needs no end', async () => {
    const p = pipe();
    writeSync(p.writeFd, '{"ok":tr');
    writeSync(p.writeFd, 'ue}\r\n{"value":"0x1"}\n{"da');
    expect(await p.next(within(1000))).toBe('{"ok":true}');
    expect(await p.next(within(1000))).toBe('{"value":"0x1"}');
    writeSync(p.writeFd, 'ta":"00"}');
    p.handedOver(); // the last writer goes: what is left is the last line
    expect(await p.next(within(1000))).toBe('{"data":"00"}');
    expect(await p.next(within(1000))).toEqual({ ended: true });
  });

  it('an answer slower than the spin comes through the read that sleeps, and so does a fast one after it', async () => {
    const p = pipe();
    setTimeout(() => writeSync(p.writeFd, 'late\n'), 30);
    const t0 = performance.now();
    expect(await p.next(within(5000))).toBe('late');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    writeSync(p.writeFd, 'soon\n');
    expect(await p.next(within(5000))).toBe('soon');
  });

  it('no answer by the deadline is a timeout; one that comes later is the next line, nothing lost or doubled', async () => {
    const p = pipe();
    expect(await p.next(within(50))).toEqual({ timedOut: true });
    writeSync(p.writeFd, 'after\n');
    await sleep(10);
    expect(await p.next(within(1000))).toBe('after');
    expect(await p.next(within(50))).toEqual({ timedOut: true });
  });

  it('multi-byte characters cut between two writes come out whole', async () => {
    const p = pipe();
    const bytes = Buffer.from('{"error":"µs"}\n');
    const cut = bytes.indexOf(0xb5); // inside the two bytes of µ
    writeSync(p.writeFd, bytes.subarray(0, cut));
    writeSync(p.writeFd, bytes.subarray(cut));
    expect(await p.next(within(1000))).toBe('{"error":"µs"}');
  });

  it('the end of the pipe (the program gone, no writer left) is reported as the end, not as a timeout', async () => {
    const p = pipe();
    p.handedOver();
    expect(await p.next(within(5000))).toEqual({ ended: true });
  });
});
