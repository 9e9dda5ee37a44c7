// `verify --record` then `verify --trace`: a session the suites play, recorded
// request by request, is judged from its raw queue traffic (SQEs written at
// the SQ tail, doorbells, CQEs read) the way live verify judged it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { runSuite, type SuiteRun } from '../../models/engine/run.ts';
import { eventName, Mismatch, type Suite } from '../../models/engine/suite.ts';
import { systemSuites } from '../../models/bindings/system.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { recordingAdapter, TraceFile } from '../../src/verify/recordingAdapter.ts';
import { checkTrace, type TraceCheckResult } from '../../src/verify/traceCheck.ts';

const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first step that failed live, in time: its path prefix, the trace lines it wrote, and its mismatch. */
interface FirstFailure {
  events: string[];
  from: number;
  to: number;
  error: Mismatch;
}

/** Play `suite` live on the emulator (or a mutant), recording the session; then check the recording. */
async function recordAndCheck(suite: Suite, mutant?: Mutant): Promise<{ run: SuiteRun; first?: FirstFailure; trace: TraceCheckResult }> {
  const path = join(dir, `${mutant ?? 'correct'}-${suite.id.replace(/[^a-z0-9]+/gi, '_')}.jsonl`);
  const file = new TraceFile(path);
  const adapter = recordingAdapter(new EmulatorAdapter({ mutant }), file);
  let first: FirstFailure | undefined;
  let events: string[] = [];
  // the same suite, watched: which path prefix each step is, and the lines it wrote
  const watched: Suite = {
    ...suite,
    implementation: (a) => {
      const impl = suite.implementation(a);
      return {
        reset: async () => {
          events = [];
          await impl.reset();
        },
        step: async (event: EventObject, expected) => {
          events.push(eventName(event));
          const from = file.lines + 1;
          try {
            await impl.step(event, expected);
          } catch (e) {
            if (!first && e instanceof Mismatch) first = { events: [...events], from, to: file.lines, error: e };
            throw e;
          }
        },
      };
    },
  };
  const run = await runSuite(watched, adapter);
  await adapter.close();
  const trace = checkTrace(readFileSync(path, 'utf8'));
  return { run, first, trace };
}

const suite = (id: string): Suite => {
  const s = [...pfAcceptanceSuites({ timeoutMs: 0 }), ...systemSuites({ timeoutMs: 0 })].find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
};

describe('verify --record, then verify --trace', () => {
  it('the correct emulator: every command of pfAcceptance:lm is found in the queue traffic, checked, and allowed', async () => {
    const { run, trace } = await recordAndCheck(suite('pfAcceptance:lm'));
    expect(run.failed).toBe(0);
    expect(trace.violation).toBeUndefined();
    expect(trace.ok).toBe(true);
    expect(trace.checked).toBeGreaterThan(200);
    expect(trace.notInterpreted).toEqual({});
  }, 30_000);

  it('the correct emulator: system paths with guest I/O, LOADs of images carrying I/O (D7, D11), FLR and PF resets (D13, D18) are allowed', async () => {
    // a part of the suite, to stay fast: the first paths that take each of these events (the whole suite passes too, in ~40 s)
    const system = suite('system:2');
    const all = system.paths();
    const picked = new Set(['LM_LOAD_IO', 'LM_LOAD', 'PF_FLR', 'PF_DISABLE', 'FLR', 'IO_COMPLETE'].flatMap((type) => all.filter((p) => p.events.some((e) => e.type === type)).slice(0, 2)));
    expect(picked.size).toBeGreaterThan(4);
    const { run, trace } = await recordAndCheck({ ...system, paths: () => all.filter((p) => picked.has(p)) });
    expect(run.failed).toBe(0);
    expect(trace.violation).toBeUndefined();
    expect(trace.checked).toBeGreaterThan(50);
    expect(trace.notInterpreted).toEqual({});
  }, 60_000);

  // The mutants whose first live failure is a command's answer or a register the
  // system machine judges; queryOffByOneQueue's is QUERY's byte count (D8), which
  // the system machine does not model (see the report in docs/protocol.md).
  const caught: Array<{ mutant: Mutant; suite: string; decision: string }> = [
    { mutant: 'acceptLmOnVfQueue', suite: 'pfAcceptance:lm', decision: 'D1' },
    { mutant: 'saveWhileRunning', suite: 'pfAcceptance:lm', decision: 'D5' },
    { mutant: 'partialLoad', suite: 'pfAcceptance:lm', decision: 'D7, I3' },
    { mutant: 'ignoreCapability', suite: 'pfAcceptance:no-lm', decision: 'D17' },
  ];
  for (const c of caught) {
    it(`${c.decision}: a recording of the ${c.mutant} mutant fails --trace at the step live verify failed first, on the same command`, async () => {
      const { run, first, trace } = await recordAndCheck(suite(c.suite), c.mutant);
      expect(run.failed).toBeGreaterThan(0);
      expect(first).toBeDefined();
      const f = first as FirstFailure;
      // the watched step is one live verify reports: that path, that step
      expect(run.failures.some((x) => x.step === f.events.length && x.path.split(' > ').slice(0, x.step).join(' > ') === f.events.join(' > '))).toBe(true);
      expect(trace.ok).toBe(false);
      const v = trace.violation;
      expect(v, JSON.stringify(trace)).toBeDefined();
      expect(v?.line).toBeGreaterThanOrEqual(f.from);
      expect(v?.line).toBeLessThanOrEqual(f.to);
      // the same command: the SQE live verify names is the one the trace judged
      const sqe = /SQE ([0-9a-f]{128})/.exec(v?.command ?? '')?.[1];
      if (sqe !== undefined && /SQE [0-9a-f]{128}/.test(f.error.what)) expect(f.error.what).toContain(sqe);
      expect(trace.notInterpreted).toEqual({});
    }, 30_000);
  }

  it('a trace whose raw operations come in batch requests is judged as the same operations one by one (D1 on acceptLmOnVfQueue)', async () => {
    const { trace: plain } = await recordAndCheck(suite('pfAcceptance:lm'), 'acceptLmOnVfQueue');
    const path = join(dir, 'acceptLmOnVfQueue-pfAcceptance_lm.jsonl');
    // every SQE write followed by its doorbell becomes one batch, as a target that announces batch is driven
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { op: string }; response: unknown });
    const batched: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const [a, b] = [lines[i], lines[i + 1]];
      if (a.request.op === 'memWrite' && b?.request.op === 'regWrite') {
        batched.push(JSON.stringify({ request: { op: 'batch', requests: [a.request, b.request] }, response: { answers: [a.response, b.response] } }));
        i++;
      } else batched.push(JSON.stringify(a));
    }
    expect(batched.length).toBeLessThan(lines.length);
    const viaBatch = checkTrace(batched.join('\n'));
    expect(viaBatch.ok).toBe(false);
    expect(viaBatch.checked).toBe(plain.checked);
    expect(viaBatch.violation?.expected).toBe(plain.violation?.expected);
    expect(viaBatch.violation?.observed).toBe(plain.violation?.observed);
    const noLines = (t: string | undefined) => t?.replace(/line \d+/g, 'line N');
    expect(noLines(viaBatch.violation?.command)).toBe(noLines(plain.violation?.command));
  }, 120_000);
});
