// Failures a firmware engineer can act on: each names the field that differs
// and shows the command's bytes; identical differences are grouped; a path
// can be replayed by the id a failure prints, every request and answer
// reported. The broken controller is the emulator's ignoreCapability mutant
// on the two quick no-lm suites.
import { beforeAll, describe, expect, it } from 'vitest';
import { runVerify, type VerifyFailure, type VerifyResult } from '../../src/verify/run.ts';
import { groupFailures } from '../../src/verify/failureGroups.ts';
import { formatFailure, formatFailureGroups } from '../../src/verify/failureText.ts';
import { runReplay } from '../../src/verify/replay.ts';
import { parseReplay } from '../../src/cli/commands/verify.ts';
import type { Request } from '../../src/verify/protocol.ts';

const MUTANT = { kind: 'adapter', module: 'test/verify/fixtures/mutantAdapter.ts' } as const;
const QUICK = ['vfLifecycle:no-lm:immediate', 'pfAcceptance:no-lm'];

let r: VerifyResult;
beforeAll(async () => {
  r = await runVerify({ target: MUTANT, profiles: ['no-lm'], completionTimeoutMs: 0, only: QUICK });
});

describe('each failure names the field and shows the bytes', () => {
  it('D17: an LM command a no-lm PF executes: SC and DNR named, function, queue, CID, SQE and CQE hex, the decision', () => {
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) {
      expect(f.differences?.length, f.path).toBeGreaterThan(0);
      expect(f.command?.sqe, f.path).toMatch(/^[0-9a-f]{128}$/);
      expect(f.cqe, f.path).toMatch(/^[0-9a-f]{32}$/);
      expect(f.pathId, f.path).toMatch(new RegExp(`^${f.suite}#\\d+$`));
    }
    const dnr = r.failures.find((f) => f.differences?.some((d) => d.field === 'DNR')) as VerifyFailure;
    expect(dnr.differences).toContainEqual({ field: 'DNR', expected: '1', observed: '0' });
    const text = formatFailure(dnr).join('\n');
    expect(text).toContain('DNR: expected 1, got 0');
    expect(text).toContain(`SQE ${dnr.command?.sqe}`);
    expect(text).toContain(`CQE ${dnr.cqe}`);
    expect(text).toContain(`function ${dnr.command?.fn} `);
    expect(text).toContain(`CID ${dnr.command?.cid}`);
    expect(text).toContain(`[${dnr.pathId}]`);
    expect(r.failures.some((f) => f.decision !== undefined)).toBe(true);
  });

  it('--json stays compatible: every failure keeps suite, path, step, event, expected and observed', () => {
    for (const f of r.failures) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['suite', 'path', 'step', 'event', 'expected', 'observed']));
      expect(f.expected).not.toBe(f.observed);
    }
  });
});

describe('identical differences are grouped', () => {
  it('the groups account for every failure, once; a group shares machine, event and difference', () => {
    const groups = r.failureGroups;
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(r.failures.length);
    expect(new Set(groups.flatMap((g) => g.paths)).size).toBe(r.failures.length);
    expect(groups.some((g) => g.count > 1)).toBe(true);
    const keys = groups.map((g) => JSON.stringify([g.machine, g.event, g.difference]));
    expect(new Set(keys).size).toBe(groups.length);
  });

  it('the text prints each group once, its soonest-failing path in full and the count of the others', () => {
    const big = r.failureGroups.find((g) => g.count > 1);
    const text = formatFailureGroups(r.failures, r.failureGroups).join('\n');
    expect(text).toContain(`${r.failures.length} failing paths, ${r.failureGroups.length} differences:`);
    expect(text).toContain(`${big?.count} paths: ${big?.difference} on ${big?.event}`);
    expect(text).toContain(`and ${(big?.count ?? 0) - 1} other path`);
    expect(text.match(/^\s*FAIL /gm)?.length).toBe(r.failureGroups.length);
  });

  it('a different field, event or machine makes a different group; a known deviation groups apart', () => {
    const f = (over: Partial<VerifyFailure>): VerifyFailure => ({ suite: 's', path: 'A > B', step: 2, event: 'B', expected: 'x', observed: 'y', differences: [{ field: 'DNR', expected: '1', observed: '0' }], ...over });
    const machine = (s: string): string => (s === 't' ? 'other' : 'm');
    const groups = groupFailures(
      [
        f({ pathId: 's#1', cqe: '00' }),
        f({ pathId: 's#2', cqe: 'ff', observed: 'another CID' }),
        f({ pathId: 's#3', differences: [{ field: 'SC', expected: '0x01', observed: '0x00' }] }),
        f({ pathId: 's#4', event: 'C' }),
        f({ pathId: 't#1', suite: 't' }),
        f({ pathId: 's#5', deviation: { id: 'DEV-1', specification: '', implementation: '' } }),
      ],
      machine,
    );
    expect(groups.map((g) => [g.count, g.paths])).toEqual([[2, ['s#1', 's#2']], [1, ['s#3']], [1, ['s#4']], [1, ['t#1']], [1, ['s#5']]]);
  });

  it('the member shown in full is the one that fails soonest, then the shortest path', () => {
    const f = (pathId: string, path: string, step: number): VerifyFailure => ({ suite: 's', pathId, path, step, event: 'X', expected: 'x', observed: 'y' });
    const [g] = groupFailures([f('s#1', 'A > X', 2), f('s#2', 'X > B > C', 1), f('s#3', 'X', 1), f('s#4', 'A > B > X', 3)], () => 'm');
    expect(g.first).toBe(2);
    expect(g.paths).toEqual(['s#3', 's#1', 's#2', 's#4']);
  });
});

describe('verify --replay', () => {
  it('plays the path a failure names, printing every step and every request with its answer, and fails the same way', async () => {
    const failure = r.failures[0];
    const at = (failure.pathId as string).lastIndexOf('#');
    const steps: string[] = [];
    const requests: Request[] = [];
    const replayed = await runReplay({
      target: MUTANT,
      completionTimeoutMs: 0,
      suite: (failure.pathId as string).slice(0, at),
      index: Number((failure.pathId as string).slice(at + 1)),
      onStep: (n, event) => steps.push(`${n} ${event}`),
      onExchange: (request) => requests.push(request),
    });
    expect(replayed.ok).toBe(false);
    expect(replayed.pathId).toBe(failure.pathId);
    expect(replayed.failure?.differences).toEqual(failure.differences);
    expect(steps).toEqual(failure.path.split(' > ').slice(0, failure.step).map((e, i) => `${i + 1} ${e}`));
    expect(requests[0].op).toBe('reset');
    // the failing command's SQE went to host memory on the way: the bytes the failure shows
    expect(requests.some((q) => q.op === 'memWrite' && q.data === failure.command?.sqe)).toBe(true);
  });

  it('the id as printed or as two words; a wrong index says which exist', async () => {
    expect(parseReplay(['pfAcceptance:lm#17'])).toEqual({ suite: 'pfAcceptance:lm', index: 17 });
    expect(parseReplay(['pfAcceptance:lm', '17'])).toEqual({ suite: 'pfAcceptance:lm', index: 17 });
    expect(() => parseReplay(['pfAcceptance:lm'])).toThrow(/give a suite id and a path index/);
    const none = (): void => undefined;
    await expect(runReplay({ target: MUTANT, completionTimeoutMs: 0, suite: 'vfLifecycle:no-lm:immediate', index: 99, onStep: none, onExchange: none })).rejects.toThrow(/give a path index from 0 to 3/);
    await expect(runReplay({ target: MUTANT, completionTimeoutMs: 0, suite: 'nope', index: 0, onStep: none, onExchange: none })).rejects.toThrow(/--replay nope: no such suite/);
  });
});
