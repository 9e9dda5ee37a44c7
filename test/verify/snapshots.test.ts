// Snapshots over the JSON-lines protocol (docs/protocol.md, "Snapshots"):
// a program that says "snapshots" in reset saves its controller under an id
// verify chooses and goes back to it; verify then restores each branching
// point instead of replaying the prefix that led there, with the same
// verdicts. serve offers them for the emulator (not with --no-snapshots).
import { describe, expect, it } from 'vitest';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProtocolError } from '../../src/target/errors.ts';
import { checkTrace } from '../../src/verify/traceCheck.ts';
import { runSuite, type SuiteRun } from '../../models/engine/run.ts';
import { allSuites } from '../../models/catalog.ts';
import type { Suite } from '../../models/engine/suite.ts';
import { serveLines } from './serveLines.ts';
import { PinnedAdapter } from '../../src/cli/commands/serve.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerify } from '../../src/verify/run.ts';
import { withTarget } from './withTarget.ts';

const node = JSON.stringify(process.execPath);
const SERVE = `${node} bin/nvme-lm.mjs serve`;
const script = (js: string): string => `${node} -e ${JSON.stringify(js)}`;
const reset = '{"op":"reset","vfs":1,"profile":"lm"}';
const write = (data: string): string => `{"op":"memWrite","addr":"0x1000","data":"${data}"}`;
const read = '{"op":"memRead","addr":"0x1000","len":2}';

describe('snapshots over the JSON-lines protocol', () => {
  it('serve saves the whole controller under an id and goes back to it, alone or in a batch, as often as asked; a reset forgets every saved state', async () => {
    const answers = await serveLines(new EmulatorAdapter(), [
      reset,
      write('0102'),
      '{"op":"snapshot","id":5}',
      write('0304'),
      '{"op":"restore","id":5}',
      read,
      `{"op":"batch","requests":[${write('0506')},{"op":"restore","id":5},${read},{"op":"snapshot","id":5},${write('0708')},{"op":"restore","id":5},${read}]}`,
      reset,
      '{"op":"restore","id":5}',
      `{"op":"batch","requests":[{"op":"restore","id":5},${read}]}`,
    ]);
    expect(answers[0]).toMatchObject({ ok: true, snapshots: true });
    expect(answers[5]).toEqual({ data: '0102' });
    expect(answers[6]).toEqual({ answers: [{ ok: true }, { ok: true }, { data: '0102' }, { ok: true }, { ok: true }, { ok: true }, { data: '0102' }] });
    expect(answers[8]).toEqual({ error: expect.stringMatching(/restore 5: no state is saved under that id since the last reset/) });
    // the first error answer ends the batch: the read after it is not performed
    expect(answers[9]).toEqual({ answers: [{ error: expect.stringMatching(/no state is saved/) }] });
  });

  it('a reset forgets the saved states, a refused one too', async () => {
    // serve --profile lm: a reset to another profile is refused
    const pinned = new PinnedAdapter(new EmulatorAdapter(), { profile: 'lm', batch: true, zeroTail: true, poll: false, snapshots: true, sessions: 1 });
    const answers = await serveLines(pinned, [reset, write('0102'), '{"op":"snapshot","id":3}', '{"op":"reset","vfs":1,"profile":"no-lm"}', '{"op":"restore","id":3}']);
    expect(answers[3]).toEqual({ error: expect.stringMatching(/--profile lm/) });
    expect(answers[4]).toEqual({ error: expect.stringMatching(/restore 3: no state is saved/) });
  });

  it('serve --no-snapshots neither announces nor takes them, and says why', async () => {
    const answers = await serveLines(new EmulatorAdapter(), [reset, '{"op":"snapshot","id":0}', `{"op":"batch","requests":[${write('01')},{"op":"snapshot","id":0},${read}]}`], { snapshots: false });
    expect(answers[0]).not.toHaveProperty('snapshots');
    expect(answers[1]).toEqual({ error: expect.stringMatching(/serve --no-snapshots.*offers no "snapshots"/) });
    expect(answers[2]).toEqual({ answers: [{ ok: true }, { error: expect.stringMatching(/--no-snapshots/) }] });
  });

  it('verify holds a snapshot and a restore like writes: they go with the next read, no round trip of their own', async () => {
    await withTarget(SERVE, async (a) => {
      expect(await a.reset({ vfs: 1, profile: 'lm' })).toMatchObject({ snapshots: true });
      await a.memWrite(0x1000n, new Uint8Array([1, 2]));
      const before = a.roundTrips();
      const id = await a.snapshot();
      await a.memWrite(0x1000n, new Uint8Array([3, 4]));
      await a.restore(id);
      expect(await a.memRead(0x1000n, 2)).toEqual(new Uint8Array([1, 2]));
      expect(a.roundTrips() - before).toBe(1);
      // ids are never used twice
      expect(await a.snapshot()).not.toBe(id);
    });
  });

  it('a memory read remembered before a restore is read again after it (a restore changes memory as a write does)', async () => {
    await withTarget(SERVE, async (a) => {
      await a.reset({ vfs: 1, profile: 'lm' });
      await a.memWrite(0x1000n, new Uint8Array([1, 2]));
      const id = await a.snapshot();
      await a.memWrite(0x1000n, new Uint8Array([3, 4]));
      expect(await a.memRead(0x1000n, 2)).toEqual(new Uint8Array([3, 4]));
      await a.restore(id);
      // the restore goes with this read of other memory; the read of 0x1000 after it must not be the remembered 0304
      expect(await a.memRead(0x2000n, 2)).toEqual(new Uint8Array([0, 0]));
      const sent = a.roundTrips();
      expect(await a.memRead(0x1000n, 2)).toEqual(new Uint8Array([1, 2]));
      expect(a.roundTrips() - sent).toBe(1);
    });
  });

  it('a held restore that fails is reported by the next request verify waits for, with the program\'s reason', async () => {
    // takes batches and snapshots; answers a batch with a restore in it with the restore's error
    const program = script(
      "require('readline').createInterface({input:process.stdin}).on('line',l=>{const r=JSON.parse(l);let a;" +
        "if(r.op==='reset')a={ok:true,synchronous:true,batch:true,snapshots:true};" +
        "else if(r.op==='batch'){a={answers:[]};for(const q of r.requests){if(q.op==='restore'){a.answers.push({error:'nothing saved under '+q.id});break}a.answers.push(q.op==='memRead'?{data:'00'.repeat(q.len)}:{ok:true})}}" +
        "else a={ok:true};process.stdout.write(JSON.stringify(a)+'\\n')})",
    );
    await withTarget(program, async (a) => {
      await a.reset({ vfs: 1, profile: 'lm' });
      await a.restore(7);
      const err = await a.memRead(0x1000n, 2).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/restore failed: nothing saved under 7/);
    });
  });

  it('verify saves a new state under the id of one it will not restore again, and never gives one id to two sessions: a program holds a few states, not one per branching point', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-snapshot-ids-'));
    try {
      const log = join(dir, 'requests.jsonl');
      const r = await runVerify({ target: { kind: 'exec', command: `tee ${JSON.stringify(log)} | ${SERVE}`, timeoutMs: 30_000 }, profiles: ['lm'], only: ['vfLifecycle:lm:reject:immediate', 'pfAcceptance:lm'], sessions: 2 });
      expect(r.failed).toBe(0);
      const ids = new Map<number, Set<number>>();
      let saved = 0;
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        const session = Number(/^\{"session":(\d+)/.exec(line)?.[1] ?? 0);
        for (const m of line.matchAll(/"op":"snapshot","id":(\d+)/g)) {
          saved++;
          if (!ids.has(session)) ids.set(session, new Set());
          ids.get(session)?.add(Number(m[1]));
        }
      }
      expect(ids.size).toBe(2);
      const [first, second] = [...ids.values()];
      expect([...first].filter((id) => second.has(id))).toEqual([]);
      expect(saved).toBeGreaterThan(100);
      expect(first.size + second.size).toBeLessThan(40);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a program that offered snapshots in one reset answer and not in the next is a protocol error when verify would use them', async () => {
    // offers them in its first reset answer only; answers everything else ok
    const program = script(
      "let n=0;require('readline').createInterface({input:process.stdin}).on('line',l=>{const r=JSON.parse(l);" +
        "process.stdout.write(JSON.stringify(r.op==='reset'?(n++===0?{ok:true,synchronous:true,snapshots:true}:{ok:true,synchronous:true}):{ok:true})+'\\n')})",
    );
    await withTarget(program, async (a) => {
      expect(await a.reset({ vfs: 1, profile: 'lm' })).toMatchObject({ snapshots: true });
      const id = await a.snapshot();
      expect(await a.reset({ vfs: 1, profile: 'lm' })).toMatchObject({ snapshots: false });
      const err = await a.restore(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(/restore: an earlier reset answer offered "snapshots" and the last one did not/);
    });
  });

  it('a trace that holds a restore cannot be checked, and says how to record one that can', () => {
    const trace = [reset, '{"ok":true}', '{"op":"snapshot","id":0}', '{"ok":true}', '{"op":"restore","id":0}', '{"ok":true}'].join('\n');
    expect(() => checkTrace(trace)).toThrow(/trace line 5: restore 0 puts the controller back in a state saved earlier.*verify --record/);
  });
});

describe('verify restores snapshots only where the program offers them', () => {
  const suite = allSuites().find((s) => s.id === 'vfLifecycle:lm:reject:deferred') as Suite;
  const only = suite.paths().slice(0, 60);
  const verdicts = (r: SuiteRun): unknown => ({ passed: r.passed, failed: r.failed, notRealisable: r.notRealisable, failures: r.failures, coveredEdges: r.coveredEdges, coveredTransitions: r.coveredTransitions });

  it('D1: against serve the suite restores at its branching points and replays no prefix; against serve --no-snapshots it replays them from the record; the verdicts are the same, clean and broken, and sent alone (serve --no-batch)', async () => {
    for (const mutant of ['', ' --mutant acceptLmOnVfQueue', ' --no-batch --mutant acceptLmOnVfQueue']) {
      const restored = await withTarget(`${SERVE}${mutant}`, (a) => runSuite(suite, a, { only }));
      const replayed = await withTarget(`${SERVE} --no-snapshots${mutant}`, (a) => runSuite(suite, a, { only }));
      expect(verdicts(restored), mutant).toEqual(verdicts(replayed));
      expect(restored.stats.snapshots).toBeGreaterThan(0);
      expect(restored.stats.restores).toBeGreaterThan(0);
      expect(restored.replays).toBeUndefined();
      expect(replayed.stats.restores).toBe(0);
      if (!mutant.includes('--no-batch')) expect(replayed.replays?.fromRecord).toBeGreaterThan(0);
      expect(restored.stats.steps).toBeLessThan(replayed.stats.steps);
      if (mutant !== '') expect(restored.failed).toBeGreaterThan(0);
    }
  }, 120_000);
});
