// A replayed path prefix over JSON lines (ProcessAdapter.replayBatch, used by
// models/engine/replayRecord.ts): its requests go as batch lines made once,
// and an answer line with the very text of the recorded answers needs no
// reading. Anything else is read and handed back for the record to compare
// value by value: a program that words its answers otherwise gets the
// verdicts of a live replay here; test/models/replayRecord.test.ts plays the
// record through replayBatch on targets that answer otherwise from some
// reset on.
import { describe, expect, it } from 'vitest';
import type { ReplayedAnswer, ReplayedRequest } from '../../src/target/adapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { allSuites } from '../../models/catalog.ts';
import { runSuite, type SuiteRun } from '../../models/engine/run.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { REG } from '../../src/wire/registers.ts';
import { ReplayedRequestFailed } from '../../src/target/errors.ts';
import { NVME_LM } from '../cli/verifyProcess.ts';
import { withTarget } from './withTarget.ts';

const REWORDED = `${JSON.stringify(process.execPath)} test/verify/fixtures/rewordedServe.mjs`;
const BUF = 0x100000n;

/** Register and memory operations and a completeIo, answered once by the target itself: what a record holds. */
async function recorded(a: ProcessAdapter): Promise<{ requests: ReplayedRequest[]; expected: ReplayedAnswer[] }> {
  await a.reset({ vfs: 2, profile: 'lm', ioCompletion: 'deferred' });
  const data = new Uint8Array(64);
  data.set([1, 2, 3], 0);
  const requests: ReplayedRequest[] = [
    { op: 'memWrite', addr: BUF, data },
    { op: 'regRead', fn: 0, offset: REG.CSTS, width: 4 },
    { op: 'memRead', addr: BUF, len: 64 },
    { op: 'completeIo', fn: 1, count: 1 },
    { op: 'memRead', addr: BUF, len: 16 },
  ];
  const expected: ReplayedAnswer[] = [];
  for (const r of requests) {
    if (r.op === 'completeIo') expected.push({ op: 'completeIo', completed: await a.completeIo(r.fn, r.count) });
    else expected.push(...(await a.batch([r])));
  }
  return { requests, expected };
}

describe('a replayed prefix over JSON lines (replayBatch)', () => {
  it('the recorded answers in the very same text: "same", in one round trip (completeIo in the batch)', async () => {
    await withTarget(`${NVME_LM} serve`, async (a) => {
      const { requests, expected } = await recorded(a);
      const before = a.roundTrips();
      expect(await a.replayBatch(requests, expected)).toBe('same');
      expect(a.roundTrips() - before).toBe(1);
    });
  });

  it('an answer other than the recorded one: the answers, the target\'s own, for the caller to compare', async () => {
    await withTarget(`${NVME_LM} serve`, async (a) => {
      const { requests, expected } = await recorded(a);
      const wrong = expected.map((e) => (e.op === 'memRead' ? { op: 'memRead' as const, data: new Uint8Array(e.data.length) } : e));
      const got = await a.replayBatch(requests, wrong);
      expect(got).not.toBe('same');
      expect(got).toEqual(expected);
    });
  });

  it('a request the target refuses fails the replay as it fails a batch, naming the request', async () => {
    await withTarget(`${NVME_LM} serve`, async (a) => {
      const { requests, expected } = await recorded(a);
      const bad: ReplayedRequest[] = [...requests.slice(0, 2), { op: 'regRead', fn: 9, offset: REG.CSTS, width: 4 }];
      await expect(a.replayBatch(bad, [...expected.slice(0, 2), { op: 'regRead', value: 0n }])).rejects.toThrow(/regRead failed \(request 2 of a batch\)/);
    });
  });

  it('a request refused after a line whose answers differ: the failure carries every answer before it, for the caller to compare first', async () => {
    await withTarget(`${NVME_LM} serve`, async (a) => {
      await a.reset({ vfs: 2, profile: 'lm' });
      const reads: ReplayedRequest[] = Array.from({ length: 256 }, () => ({ op: 'memRead', addr: BUF, len: 16 }));
      const requests: ReplayedRequest[] = [...reads, { op: 'regRead', fn: 0, offset: REG.CSTS, width: 4 }, { op: 'regRead', fn: 9, offset: REG.CSTS, width: 4 }];
      const expected: ReplayedAnswer[] = [...reads.map(() => ({ op: 'memRead' as const, data: new Uint8Array(16).fill(1) })), { op: 'regRead', value: 0n }, { op: 'regRead', value: 0n }];
      const before = a.roundTrips();
      const failure = await a.replayBatch(requests, expected).then(() => undefined, (e: unknown) => e);
      expect(failure).toBeInstanceOf(ReplayedRequestFailed);
      expect((failure as ReplayedRequestFailed).message).toMatch(/regRead failed \(request 1 of a batch\)/);
      expect((failure as ReplayedRequestFailed).answers).toHaveLength(257);
      expect((failure as ReplayedRequestFailed).answers[0]).toEqual({ op: 'memRead', data: new Uint8Array(16) });
      expect(a.roundTrips() - before).toBe(2); // 256 operations a line at most
    });
  });

  it('a program that words the same answers otherwise: not "same", the answers read, equal to the recorded ones', async () => {
    await withTarget(`${REWORDED} --spaces`, async (a) => {
      const { requests, expected } = await recorded(a);
      const got = await a.replayBatch(requests, expected);
      expect(got).not.toBe('same');
      expect(got).toEqual(expected);
    });
  });

  it('a program that takes no completeIo in a batch: each completeIo alone, between the batches (three round trips), "same"', async () => {
    await withTarget(`${REWORDED} --no-batch-complete-io`, async (a) => {
      const { requests, expected } = await recorded(a);
      const before = a.roundTrips();
      expect(await a.replayBatch(requests, expected)).toBe('same');
      expect(a.roundTrips() - before).toBe(3);
    });
  });
});

const suites = new Map(allSuites().map((s) => [s.id, s]));

/** What a run concludes, without its timing. */
function verdicts(r: SuiteRun): unknown {
  return { passed: r.passed, failed: r.failed, notRealisable: r.notRealisable, failures: r.failures, coveredEdges: r.coveredEdges, coveredTransitions: r.coveredTransitions, steps: r.stats.steps, resets: r.stats.resets };
}

describe('the replay record over a program whose answers are not word for word the record\'s', () => {
  for (const [command, what] of [
    [`${REWORDED} --spaces`, 'worded otherwise'],
    [`${REWORDED} --no-batch-complete-io`, 'completeIo alone'],
  ] as const) {
    it(`${what}: every prefix replayed from the record (none differs), with the verdicts of a live replay (vfLifecycle:lm:reject:deferred)`, async () => {
      const s = suites.get('vfLifecycle:lm:reject:deferred') as Suite;
      const only = s.paths().slice(0, 40);
      const runs: SuiteRun[] = [];
      for (const replayFromRecord of [true, false]) runs.push(await withTarget(command, (a) => runSuite(s, a, { only, replayFromRecord })));
      expect(verdicts(runs[0])).toEqual(verdicts(runs[1]));
      expect(runs[0].replays).toMatchObject({ live: 0, differed: 0 });
      expect(runs[0].replays?.fromRecord).toBeGreaterThan(0);
    }, 120_000);
  }
});
