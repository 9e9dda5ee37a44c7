// A path's prefix replayed from the record of its first play
// (models/engine/replayRecord.ts) gives the verdicts a live replay gives, on
// a clean target, on broken ones, on one that answers otherwise from some
// reset on, and on one that fails a request; and it takes fewer round trips.
import { describe, expect, it } from 'vitest';
import { allSuites } from '../../models/catalog.ts';
import { runSuite, type SuiteRun } from '../../models/engine/run.ts';
import { ReplayRecord } from '../../models/engine/replayRecord.ts';
import { DIFFERS, sameValue, sendRecorded, type RecordedCall } from '../../models/engine/recordedCalls.ts';
import { runPaths, type Implementation } from '../../src/paths/trie.ts';
import type { Suite } from '../../models/engine/suite.ts';
import type { Path, PathStep } from '../../src/paths/path.ts';
import type { Adapter, ReplayedAnswer, ReplayedRequest, ResetInfo, ResetOptions } from '../../src/target/adapter.ts';
import { runEach, type RawAnswer, type RawRequest } from '../../src/target/batch.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { REG } from '../../src/wire/registers.ts';
import { ProtocolError, ReplayedRequestFailed } from '../../src/target/errors.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { NVME_LM } from '../cli/verifyProcess.ts';
import { CONTROLLER_MUTANTS, LM_MUTANTS, TP4159_MUTANTS, type Mutant } from '../../src/emulator/options.ts';

/**
 * The emulator as a target across a process boundary looks: synchronous,
 * with batch, no snapshots, each call one round trip, calls acting in the
 * order made. `pick` chooses the
 * device for the n-th reset (1-based), so a target can change its answers
 * from some reset on; `fail` may throw instead of a call.
 */
class BatchTarget implements Adapter {
  private device: EmulatorAdapter;
  private resets = 0;
  sent = 0;
  /** each call starts after the one before it ended, so calls made without waiting still act in call order */
  private last: Promise<unknown> = Promise.resolve();
  readonly keepsCallOrder: boolean = true;

  constructor(
    private readonly pick: (reset: number) => EmulatorAdapter = () => new EmulatorAdapter(),
    private readonly fail: (reset: number, op: string, fn?: number, offset?: number) => string | undefined = () => undefined,
  ) {
    this.device = pick(1);
  }

  private inOrder<T>(act: () => Promise<T>): Promise<T> {
    const p = this.last.then(act);
    this.last = p.catch(() => undefined);
    return p;
  }

  private go(op: string, fn?: number, offset?: number, count = true): EmulatorAdapter {
    if (count) this.sent++;
    const why = this.fail(this.resets, op, fn, offset);
    if (why !== undefined) throw new Error(why);
    return this.device;
  }

  reset(o: ResetOptions): Promise<ResetInfo> {
    return this.inOrder(async () => {
      this.resets++;
      this.device = this.pick(this.resets);
      await this.go('reset').reset(o);
      return { synchronous: true, batch: true };
    });
  }
  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    return this.inOrder(() => this.go('regWrite', fn, offset).regWrite(fn, offset, width, value));
  }
  regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    return this.inOrder(() => this.go('regRead').regRead(fn, offset, width));
  }
  memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    return this.inOrder(() => this.go('memWrite').memWrite(addr, data));
  }
  memRead(addr: bigint, len: number): Promise<Uint8Array> {
    return this.inOrder(() => this.go('memRead').memRead(addr, len));
  }
  submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    return this.inOrder(() => this.go('submit').submit(fn, qid, sqe));
  }
  /** one round trip; each operation may be refused as it would be alone */
  batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
    return this.inOrder(async () => {
      this.sent++;
      const answers: RawAnswer[] = [];
      for (const r of requests) answers.push(...(await runEach(this.go(r.op, 'fn' in r ? r.fn : undefined, 'offset' in r ? r.offset : undefined, false), [r])));
      return answers;
    });
  }
  flr(fn: number): Promise<void> {
    return this.inOrder(() => this.go('flr').flr(fn));
  }
  completeIo(fn: number, count?: number): Promise<number> {
    return this.inOrder(() => this.go('completeIo').completeIo(fn, count));
  }
  roundTrips(): number {
    return this.sent;
  }
  async close(): Promise<void> {}
}

/**
 * BatchTarget with replayBatch as an adapter of its own might have it: each
 * call performed as batch and completeIo perform it, the answers handed back
 * for the record to compare (never 'same'), a failure with the answers
 * before it.
 */
class ReplayingTarget extends BatchTarget {
  async replayBatch(requests: readonly ReplayedRequest[]): Promise<ReplayedAnswer[]> {
    const answers: ReplayedAnswer[] = [];
    for (const r of requests) {
      try {
        answers.push(r.op === 'completeIo' ? { op: 'completeIo', completed: await this.completeIo(r.fn, r.count) } : (await this.batch([r]))[0]);
      } catch (e) {
        throw new ReplayedRequestFailed((e as Error).message, answers);
      }
    }
    return answers;
  }
}

const suites = new Map(allSuites().map((s) => [s.id, s]));
const suite = (id: string): Suite => suites.get(id) as Suite;
const first = (s: Suite, n: number) => s.paths().slice(0, n);

/** What a run concludes, without its timing. */
function verdicts(r: SuiteRun): unknown {
  return { passed: r.passed, failed: r.failed, notRealisable: r.notRealisable, failures: r.failures, coveredEdges: r.coveredEdges, coveredTransitions: r.coveredTransitions, steps: r.stats.steps, resets: r.stats.resets };
}

async function both(s: Suite, n: number, target: () => BatchTarget): Promise<{ withRecord: SuiteRun; live: SuiteRun; sentWith: number; sentLive: number }> {
  const a = target();
  const withRecord = await runSuite(s, a, { only: first(s, n) });
  const b = target();
  const live = await runSuite(s, b, { only: first(s, n), replayFromRecord: false });
  return { withRecord, live, sentWith: a.sent, sentLive: b.sent };
}

describe('replaying a prefix from its record', () => {
  it('on a clean synchronous batch target: the verdicts of a live replay, in fewer round trips, no prefix replayed live', async () => {
    for (const [id, n] of [
      ['vfLifecycle:lm:drop:deferred', 60],
      ['system:2', 12],
      ['pfAcceptance:lm', 68],
      // the tp4159 bindings keep the most state of their own (the host's offers, the user data log, the CDQs)
      ['tp4159Lifecycle', 60],
      ['tp4159System:2', 12],
      ['tp4159Udmq', 40],
      ['tp4159Acceptance', 40],
    ] as const) {
      const r = await both(suite(id), n, () => new BatchTarget());
      expect(verdicts(r.withRecord), id).toEqual(verdicts(r.live));
      expect(r.withRecord.failed, id).toBe(0);
      expect(r.withRecord.replays?.fromRecord, id).toBeGreaterThan(0);
      expect(r.withRecord.replays?.live, id).toBe(0);
      expect(r.sentWith, id).toBeLessThan(r.sentLive);
    }
  });

  it('a binding that cannot save its own state (vfioMigration: no hostState) gets every prefix replayed live, with the verdicts of a live replay', async () => {
    const r = await both(suite('vfioMigration:p2p'), 2, () => new BatchTarget());
    expect(verdicts(r.withRecord)).toEqual(verdicts(r.live));
    expect(r.withRecord.failed).toBe(0);
    expect(r.withRecord.replays?.fromRecord).toBe(0);
    expect(r.withRecord.replays?.live).toBeGreaterThan(0);
    expect(r.withRecord.replays?.firstLiveReason).toMatch(/no hostState/);
  });

  it('a binding replayed from the record plays each step once: the prefix is sent to the target, and the binding\'s own state put back', async () => {
    const s = suite('vfLifecycle:lm:drop:deferred');
    const paths = first(s, 60);
    let played = 0;
    // the suite's binding, counting the steps it plays
    const counting: Suite = {
      ...s,
      implementation: (adapter) => {
        const b = s.implementation(adapter);
        return { ...b, reset: () => b.reset(), step: (e, x) => (played++, b.step(e, x)), ...(b.hostState ? { hostState: b.hostState } : {}) };
      },
    };
    const r = await runSuite(counting, new BatchTarget(), { only: paths });
    expect(r.failed).toBe(0);
    expect(r.replays?.live).toBe(0);
    // every step of the trie once: the paths' steps less those of the replayed prefixes
    const trieSteps = new Set(paths.flatMap((p) => p.steps.map((_, i) => p.steps.slice(0, i + 1).map((st) => st.state + '|' + JSON.stringify(st.event)).join(' > ')))).size;
    expect(played).toBe(trieSteps);
    expect(played).toBeLessThan(r.stats.steps);
  });

  it('on every lm and controller mutant: the same failures, at the same steps, as a live replay', async () => {
    let failures = 0;
    for (const mutant of [...LM_MUTANTS, ...CONTROLLER_MUTANTS] as Mutant[]) {
      for (const id of ['vfLifecycle:lm:reject:deferred', 'pfAcceptance:lm:strict']) {
        const r = await both(suite(id), 50, () => new BatchTarget(() => new EmulatorAdapter({ mutant })));
        expect(verdicts(r.withRecord), `${mutant} on ${id}`).toEqual(verdicts(r.live));
        failures += r.live.failed;
      }
    }
    expect(failures).toBeGreaterThan(0); // the comparison saw failing paths, not only passing ones
  });

  it('on every tp4159 and controller mutant: the same failures, at the same steps, as a live replay', async () => {
    let failures = 0;
    for (const mutant of [...TP4159_MUTANTS, ...CONTROLLER_MUTANTS] as Mutant[]) {
      for (const id of ['tp4159Lifecycle', 'tp4159System:2', 'tp4159Udmq']) {
        const r = await both(suite(id), 25, () => new BatchTarget(() => new EmulatorAdapter({ mutant })));
        expect(verdicts(r.withRecord), `${mutant} on ${id}`).toEqual(verdicts(r.live));
        failures += r.live.failed;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });

  // Two paths, the second replaying a prefix it shares with the first, on a target that changes from its
  // third reset on (the first is runSuite's, for the profile; the second starts the first path): with the
  // record or without it, every play of the shared prefix after the first meets the changed target.
  /** Paths A and B of `s` whose shared prefix is the longest of those `fits` (default any). */
  function pair(s: Suite, fits: (prefix: PathStep[]) => boolean = () => true): { a: Path; b: Path; shared: number } {
    const paths = s.paths();
    const common = (x: Path, y: Path): number => {
      let i = 0;
      while (i < x.steps.length && i < y.steps.length && x.steps[i] === y.steps[i]) i++;
      return i;
    };
    let best = { a: paths[0], b: paths[1], shared: -1 };
    for (const a of paths) {
      for (const b of paths) {
        if (a === b) continue;
        const n = common(a, b);
        if (n < Math.min(a.steps.length, b.steps.length) && n > best.shared && fits(a.steps.slice(0, n))) best = { a, b, shared: n };
      }
    }
    return best;
  }

  it.each([
    ['batch', BatchTarget],
    ['replayBatch', ReplayingTarget],
  ] as const)('a target whose answers to a replayed prefix differ from the record gets that prefix replayed live: on every mutant, the verdicts of a live replay (the target replays through %s)', async (_how, Target) => {
    const s = suite('vfLifecycle:lm:drop:deferred');
    const { a, b, shared } = pair(s);
    expect(shared).toBeGreaterThanOrEqual(3);
    let liveReplays = 0;
    let failedPastReset = 0;
    for (const mutant of [...LM_MUTANTS, ...CONTROLLER_MUTANTS] as Mutant[]) {
      const target = () => new Target((n) => new EmulatorAdapter(n >= 3 ? { mutant } : {}));
      const withRecord = await runSuite(s, target(), { only: [a, b] });
      const live = await runSuite(s, target(), { only: [a, b], replayFromRecord: false });
      expect(verdicts(withRecord), mutant).toEqual(verdicts(live));
      expect(withRecord.passed + withRecord.failed + withRecord.notRealisable.length, mutant).toBe(2);
      if (withRecord.replays?.live) {
        liveReplays++;
        expect(withRecord.replays.firstLiveReason, mutant).toMatch(/differs from the recorded one/);
      }
      failedPastReset += live.failures.filter((f) => f.step >= 1 && f.step <= shared).length;
    }
    // non-vacuity: some mutant changed the prefix's answers, and some failure fell inside the replayed prefix
    expect(liveReplays).toBeGreaterThan(0);
    expect(failedPastReset).toBeGreaterThan(0);
  });

  it('a target that fails a request of a replayed prefix gets it replayed live: the failure is reported at the same step, as a live replay reports it', async () => {
    const s = suite('vfLifecycle:lm:drop:immediate');
    // a prefix whose first VF enable is not its first step
    const firstEnable = (steps: PathStep[]): number => steps.findIndex((st) => st.event.type === 'ENABLE');
    const { a, b, shared } = pair(s, (prefix) => firstEnable(prefix) >= 1);
    const enableAt = firstEnable(a.steps.slice(0, Math.max(0, shared)));
    expect(enableAt).toBeGreaterThanOrEqual(1);
    // from the third reset on, a write to VF 1's CC is refused
    const target = () => new BatchTarget(undefined, (reset, op, fn, offset) => (reset >= 3 && op === 'regWrite' && fn === 1 && offset === REG.CC ? 'CC write refused' : undefined));
    const withRecord = await runSuite(s, target(), { only: [a, b] });
    const live = await runSuite(s, target(), { only: [a, b], replayFromRecord: false });
    expect(verdicts(withRecord)).toEqual(verdicts(live));
    expect(withRecord.failures.map((f) => [f.path, f.step])).toEqual([[b.name, enableAt + 1]]);
    expect(withRecord.failures[0].observed).toContain('CC write refused');
    expect(withRecord.replays?.firstLiveReason).toMatch(/the target failed a request: .*CC write refused/);
  });

  it('a binding that changes an answer in place gets the verdicts of a live replay (the record keeps copies)', async () => {
    // memory at 0 holds [1, 2]; step A swaps the bytes in place and keeps the first, B2 wants 1: a live replay fails B2
    const target: Adapter = {
      reset: async () => ({ synchronous: true, batch: true }),
      regWrite: async () => undefined,
      regRead: async () => 0n,
      memWrite: async () => undefined,
      memRead: async () => new Uint8Array([1, 2]),
      submit: async () => null,
      flr: async () => undefined,
      close: async () => undefined,
      batch: async (rs) => runEach(target, rs),
      keepsCallOrder: true,
    };
    const stepOf = (t: string): PathStep => ({ event: { type: t }, state: t, snapshot: {} as PathStep['snapshot'], edges: [] });
    const [A, B1, B2] = ['A', 'B1', 'B2'].map(stepOf);
    const paths: Path[] = [[A, B1], [A, B2]].map((st) => ({ name: st.map((x) => x.event.type).join(' > '), events: st.map((x) => x.event), steps: st }));
    const binding = (adapter: Adapter): Implementation => {
      let kept = -1;
      return {
        reset: async () => {
          await adapter.reset({ vfs: 0, profile: 'lm' });
          kept = -1;
        },
        step: async (e) => {
          if (e.type === 'A') kept = (await adapter.memRead(0n, 2)).reverse()[0];
          if (e.type === 'B2' && kept !== 1) throw new Error(`B2: kept ${kept}, want 1`);
        },
        hostState: { save: () => kept, restore: (k) => void (kept = k as number) },
      };
    };
    const verdict = (r: Awaited<ReturnType<typeof runPaths>>) => r.results.map((x) => [x.path.name, x.ok, x.failedStep, x.error instanceof Error ? x.error.message : '']);
    const live = await runPaths(paths, binding(target), { useSnapshots: false });
    const record = new ReplayRecord(target);
    const played = await runPaths(paths, record.implementation(binding(record.adapter)), { useSnapshots: false });
    expect(verdict(played)).toEqual(verdict(live));
    expect(verdict(live)).toEqual([
      ['A > B1', true, undefined, ''],
      ['A > B2', false, 1, 'B2: kept 2, want 1'],
    ]);
    expect(record.stats.fromRecord).toBeGreaterThan(0);
  });

  it('calls that overlap on a target that does not keep call order are never replayed from the record: those prefixes go live', async () => {
    class Unordered extends BatchTarget {
      override readonly keepsCallOrder = false;
    }
    // the deferred suite completes held I/O and reads the queues after it, asked for together
    const r = await both(suite('vfLifecycle:lm:drop:deferred'), 40, () => new Unordered());
    expect(verdicts(r.withRecord)).toEqual(verdicts(r.live));
    expect(r.withRecord.replays?.live).toBeGreaterThan(0);
    expect(r.withRecord.replays?.firstLiveReason).toMatch(/no complete record/);
  });

  it('a target that breaks the protocol while it performs a replayed prefix ends the run with that error, as live', async () => {
    // from the third reset on, every batch is a protocol error (the target is gone)
    class Breaking extends BatchTarget {
      private n = 0;
      override reset(o: ResetOptions): Promise<ResetInfo> {
        this.n++;
        return super.reset(o);
      }
      override batch(requests: readonly RawRequest[]): Promise<RawAnswer[]> {
        return this.n >= 3 ? Promise.reject(new ProtocolError('the target is gone')) : super.batch(requests);
      }
    }
    const s = suite('vfLifecycle:lm:drop:immediate');
    await expect(runSuite(s, new Breaking(), { only: first(s, 5) })).rejects.toThrow('the target is gone');
    await expect(runSuite(s, new Breaking(), { only: first(s, 5), replayFromRecord: false })).rejects.toThrow('the target is gone');
  });

  it('a target that does not say synchronous gets every prefix replayed live', async () => {
    class NotSynchronous extends BatchTarget {
      override async reset(o: ResetOptions): Promise<ResetInfo> {
        await super.reset(o);
        return { batch: true };
      }
    }
    const s = suite('vfLifecycle:lm:drop:immediate');
    const r = await runSuite(s, new NotSynchronous(), { only: first(s, 10) });
    expect(r.failed).toBe(0);
    expect(r.replays?.fromRecord).toBe(0);
    expect(r.replays?.firstLiveReason).toBe('the target did not say both synchronous and batch');
  });

  describe('a run replayed through the target\'s replayBatch (sendRecorded)', () => {
    const call = (request: RecordedCall['request'], answer: unknown): RecordedCall => ({ request, answer, answered: true });
    const calls = [call({ op: 'regRead', fn: 0, offset: REG.CSTS, width: 4 }, 1n), call({ op: 'memRead', addr: 0x1000n, len: 2 }, new Uint8Array([1, 2]))];
    const target = (replayBatch: NonNullable<Adapter['replayBatch']>): Adapter => {
      const unused = (): never => {
        throw new Error('not used to replay register and memory calls');
      };
      return { reset: unused, regWrite: unused, regRead: unused, memWrite: unused, memRead: unused, submit: unused, flr: unused, batch: unused, replayBatch, close: async () => undefined };
    };

    it('an answer that differs before a request that failed is what the reason names (the target answered otherwise first)', async () => {
      const why = await sendRecorded(target(async () => { throw new ReplayedRequestFailed('memRead failed', [{ op: 'regRead', value: 9n }]); }), calls);
      expect(why).toMatch(new RegExp(`call 0 \\(regRead\\) ${DIFFERS}`));
    });

    it('a request that failed after answers equal to the record: the failure is the reason', async () => {
      const why = await sendRecorded(target(async () => { throw new ReplayedRequestFailed('memRead failed: no such page', [{ op: 'regRead', value: 1n }]); }), calls);
      expect(why).toBe('the target failed a request: memRead failed: no such page');
    });

    it('fewer answers than requests is never taken for the record\'s', async () => {
      const why = await sendRecorded(target(async () => [{ op: 'regRead', value: 1n }]), calls);
      expect(why).toBe('the target failed a request: replayBatch gave 1 answers to 2 requests');
    });

    it('"same" is the record\'s answers; answers equal by value are too; one that differs is named', async () => {
      expect(await sendRecorded(target(async () => 'same'), calls)).toBeUndefined();
      expect(await sendRecorded(target(async () => [{ op: 'regRead', value: 1n }, { op: 'memRead', data: new Uint8Array([1, 2]) }]), calls)).toBeUndefined();
      expect(await sendRecorded(target(async () => [{ op: 'regRead', value: 1n }, { op: 'memRead', data: new Uint8Array([1, 3]) }]), calls)).toMatch(/call 1 \(memRead\)/);
    });
  });

  it('sameValue compares bytes, bigints, arrays and objects by value, an undefined field as absent', () => {
    expect(sameValue({ op: 'memRead', data: new Uint8Array([1, 2]) }, { op: 'memRead', data: new Uint8Array([1, 2]) })).toBe(true);
    expect(sameValue({ op: 'memRead', data: new Uint8Array([1, 2]) }, { op: 'memRead', data: new Uint8Array([1, 3]) })).toBe(false);
    expect(sameValue([1n, 2n], [1n, 2n])).toBe(true);
    expect(sameValue([1n], [1n, 2n])).toBe(false);
    expect(sameValue({ fn: 1, count: undefined }, { fn: 1 })).toBe(true);
    expect(sameValue({ fn: 1 }, { fn: 2 })).toBe(false);
    expect(sameValue(null, undefined)).toBe(false);
    expect(sameValue(new Uint8Array([1]), [1])).toBe(false);
  });
});

describe('replaying a prefix from its record over JSON lines (a target that keeps call order: completeIo rides in the batch)', () => {
  it('on the served emulator, clean and broken (partialLoad, duplicateCompletion), the verdicts of a live replay on system:2, whose bring-up completes held I/O', async () => {
    const s = suite('system:2');
    const only = first(s, 12);
    let failures = 0;
    for (const mutant of ['', 'partialLoad', 'duplicateCompletion']) {
      const command = `${NVME_LM} serve --no-snapshots${mutant ? ` --mutant ${mutant}` : ''}`;
      const runs: SuiteRun[] = [];
      const sent: number[] = [];
      for (const replayFromRecord of [true, false]) {
        const target = new ProcessAdapter(command, { timeoutMs: 30_000 });
        try {
          runs.push(await runSuite(s, target, { only, replayFromRecord }));
          sent.push(target.roundTrips());
        } finally {
          await target.close();
        }
      }
      expect(verdicts(runs[0]), mutant || 'clean').toEqual(verdicts(runs[1]));
      expect(sent[0], mutant || 'clean').toBeLessThanOrEqual(sent[1]);
      failures += runs[1].failed;
      if (mutant === '') expect(runs[0].replays).toMatchObject({ live: 0 });
    }
    expect(failures).toBeGreaterThan(0);
  }, 120_000);
});
