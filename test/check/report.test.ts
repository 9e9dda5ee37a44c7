import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { checkSpec } from '../../src/check/report.ts';
import { formatLasso, formatReport, formatTrace, formatValue } from '../../src/check/format.ts';
import { terminalProgress } from '../../src/check/progress.ts';
import { deadlockToy, doorbellToy, mutexToy, vfToy } from './toys.ts';

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('report', () => {
  it('gives states, transitions, depth, time, verdicts, deadlocks and dead edges as plain data', () => {
    const r = checkSpec(vfToy({ saveWhileRunning: true }));
    expect(r).toMatchObject({
      id: 'vf:bug',
      symmetry: false,
      states: 15,
      transitions: { reachable: 31, tried: 15 * 6 },
      depth: 6,
      deadlocks: { count: 0, examples: [] },
      unreachable: [],
      ok: false,
    });
    expect(r.invariants.map((i) => [i.id, i.holds])).toEqual([
      ['I5', false],
      ['COUNT', true],
    ]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('is ok only when every property holds and nothing deadlocks', () => {
    expect(checkSpec(vfToy()).ok).toBe(true);
    expect(checkSpec(doorbellToy({ resumeForgets: true })).ok).toBe(false);
    const dl = checkSpec(deadlockToy());
    expect(dl.ok).toBe(false);
    expect(dl.deadlocks.examples[0].steps.map((s) => s.event.type)).toEqual(['GO', 'BREAK']);
  });
});

describe('human formatter', () => {
  it('prints a trace one event per line with the state value after each', () => {
    const r = checkSpec(vfToy({ saveWhileRunning: true }));
    const text = plain(formatTrace(r.invariants[0].counterexample!.trace, ''));
    expect(text.split('\n')).toEqual(['  0. (initial)  disabled  {"saves":0}', '  1. ENABLE    -> running  {"saves":0}', '  2. SAVE      -> saved  {"saves":0}']);
  });

  it('prints a lasso: the stem, then the cycle that repeats forever', () => {
    const r = checkSpec(doorbellToy({ resumeForgets: true }));
    const text = plain(formatLasso(r.liveness[0].lasso!, ''));
    expect(text).toContain('then repeats forever:');
    expect(text).toMatch(/3\. RESUME\s+-> running/);
    expect(text).toMatch(/4\. SUSPEND\s+-> suspended/);
  });

  it('names parallel regions and event payloads', () => {
    expect(formatValue({ vf2: 'idle', vf1: 'critical' })).toBe('vf1: critical, vf2: idle');
    const text = plain(formatReport(checkSpec(mutexToy(2, { forgetLock: true }))));
    expect(text).toContain('FAILED MUTEX');
    expect(text).toMatch(/ENTER\(vf=2\)\s+-> vf1: critical, vf2: critical/);
  });
});

describe('progress', () => {
  it('shows nothing unless stderr is a terminal', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    expect(terminalProgress('x', stream)).toBeUndefined();
  });

  it('writes one rewritten line on a terminal and clears it when done', () => {
    const chunks: string[] = [];
    const stream = { isTTY: true, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
    const p = terminalProgress('system:2', stream);
    p?.onProgress({ states: 1200, transitions: 5000, depth: 7, frontier: 30, ms: 1000 });
    p?.done();
    expect(chunks[0]).toContain('system:2: 1,200 states, 5,000 transitions, depth 7, frontier 30, 1,200 states/s');
    expect(chunks[1]).toBe('\r\x1b[2K');
  });
});
