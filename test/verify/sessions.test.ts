// Sessions (docs/protocol.md, "Sessions"): a JSON-lines program that serves
// several independent controllers at once, each request naming its own, so
// verify plays several suites at the same time; what serve offers, what the
// client does with it, and that a run in sessions gives the result of a run
// one suite at a time.
import { describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../src/verify/server.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { runVerify, type VerifyResult } from '../../src/verify/run.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import type { Program } from '../../src/verify/program.ts';
import { UnsupportedProfileError } from '../../src/target/errors.ts';
import { serveSessions } from '../../src/cli/commands/serve.ts';

const node = JSON.stringify(process.execPath);
const script = (js: string): string => `${node} -e ${JSON.stringify(js)}`;
const CSTS = 0x1c;
const CC = 0x14;

/** The answers `serve` gives `lines`, one object per request. */
async function served(lines: string[], sessions?: number): Promise<unknown[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (d: Buffer) => chunks.push(d.toString()));
  let made = 0;
  const done = serve(new EmulatorAdapter(), input, output, sessions === undefined ? {} : { sessions: { count: sessions, open: async () => (made++, new EmulatorAdapter()) } });
  input.end(lines.map((l) => `${l}\n`).join(''));
  await done;
  return [...chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as unknown), { made }];
}

describe('serve with sessions', () => {
  it('each session is a controller of its own, made when a request first names it; reset announces how many there are', async () => {
    const answers = await served(
      [
        '{"op":"reset","vfs":1,"profile":"lm"}',
        '{"session":2,"op":"reset","vfs":1,"profile":"lm"}',
        // CC.EN = 1 in session 2 only: session 0's controller stays disabled
        `{"session":2,"op":"regWrite","fn":0,"offset":${CC},"width":4,"value":"0x460001"}`,
        '{"session":2,"op":"memWrite","addr":"0x10000","data":"abcd"}',
        `{"op":"regRead","fn":0,"offset":${CC},"width":4}`,
        `{"session":2,"op":"regRead","fn":0,"offset":${CC},"width":4}`,
        '{"op":"memRead","addr":"0x10000","len":2}',
        '{"session":2,"op":"memRead","addr":"0x10000","len":2}',
      ],
      3,
    );
    expect(answers[0]).toMatchObject({ ok: true, sessions: 3 });
    expect(answers[1]).toMatchObject({ ok: true, sessions: 3 });
    expect(answers[4]).toEqual({ value: '0x0' });
    expect(answers[5]).toEqual({ value: '0x460001' });
    expect(answers[6]).toEqual({ data: '0000' });
    expect(answers[7]).toEqual({ data: 'abcd' });
    // session 1 was never named: one controller made besides the first
    expect(answers.at(-1)).toEqual({ made: 1 });
  });

  it('a request naming a session the server does not offer is an error answer saying which there are; without sessions only 0 is served and none is announced', async () => {
    const offered = await served(['{"session":3,"op":"reset","vfs":1,"profile":"lm"}'], 3);
    expect(offered[0]).toEqual({ error: 'session 3: this server offers sessions 0 to 2 (its reset answer\'s "sessions")' });
    const none = await served(['{"op":"reset","vfs":1,"profile":"lm"}', '{"session":0,"op":"regRead","fn":0,"offset":28,"width":4}', '{"session":1,"op":"reset","vfs":1,"profile":"lm"}']);
    expect(none[0]).not.toHaveProperty('sessions');
    expect(none[1]).toEqual({ value: '0x0' });
    expect(none[2]).toEqual({ error: 'session 1: this server serves one controller, session 0 (its reset answer offers no "sessions")' });
  });
});

describe('verify --exec against a program with sessions', () => {
  it('sessions() gives adapters for the other sessions once reset said how many; each names its session and reaches its own controller', async () => {
    const a = new ProcessAdapter(`${node} bin/nvme-lm.mjs serve --sessions 3`, { timeoutMs: 30_000 });
    try {
      const more = a.sessions(8);
      await a.reset({ vfs: 1, profile: 'lm' });
      const others = await more;
      expect(others).toHaveLength(2);
      for (const o of others) await o.reset({ vfs: 1, profile: 'lm' });
      await others[1].memWrite(0x10000n, Uint8Array.of(1, 2));
      expect(await a.memRead(0x10000n, 2)).toEqual(Uint8Array.of(0, 0));
      expect(await others[0].memRead(0x10000n, 2)).toEqual(Uint8Array.of(0, 0));
      expect(await others[1].memRead(0x10000n, 2)).toEqual(Uint8Array.of(1, 2));
      // at most `most` in all, this one included, the same adapters each time; another session's adapter gives none
      expect(await a.sessions(2)).toEqual([others[0]]);
      expect(await others[0].sessions?.(8)).toEqual([]);
    } finally {
      await a.close();
    }
  }, 60_000);

  it('a program that offers no sessions, offers them without being synchronous, or ends before any reset was answered, gives none', async () => {
    for (const answer of ['{"ok":true}', '{"ok":true,"sessions":4}', '{"ok":true,"synchronous":true,"sessions":1}']) {
      const plain = new ProcessAdapter(script(`require('readline').createInterface({input: process.stdin}).on('line', () => console.log(${JSON.stringify(answer)}))`), { timeoutMs: 5000 });
      await plain.reset({ vfs: 1, profile: 'lm' });
      expect(await plain.sessions(4), answer).toEqual([]);
      await plain.close();
    }
    const gone = new ProcessAdapter(script('process.exit(0)'), { timeoutMs: 5000 });
    expect(await gone.sessions(4)).toEqual([]);
    await gone.close();
  });

  it('a session handed its answer sends its next request before another session works on the answer read after it', async () => {
    // answers reads in pairs, when both sessions' have come: both answers are there when the first is read, however busy the machine
    const program = script(
      `let held = 0; require('readline').createInterface({input: process.stdin}).on('line', (l) => { const r = JSON.parse(l); if (r.op === 'reset') return console.log(JSON.stringify({ ok: true, synchronous: true, batch: true, sessions: 2 })); if (++held === 2) { held = 0; console.log('{"value":"0x1"}\\n{"value":"0x1"}'); } })`,
    );
    const a = new ProcessAdapter(program, { timeoutMs: 5000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      const [b] = (await a.sessions(2)) as ProcessAdapter[];
      await b.reset({ vfs: 1, profile: 'lm' });
      const events: string[] = [];
      for (const [name, x] of [['a', a], ['b', b]] as const) {
        const request = x.request.bind(x);
        vi.spyOn(x, 'request').mockImplementation((r) => {
          events.push(`${name} sends`);
          return request(r);
        });
      }
      const play = async (name: string, x: Adapter): Promise<void> => {
        for (let i = 0; i < 3; i++) {
          await x.regRead(0, CSTS, 4);
          events.push(`${name} works`);
        }
      };
      await Promise.all([play('a', a), play('b', b)]);
      // both first requests go together; from then on each session's next request goes before the other works
      expect(events).toEqual(['a sends', 'b sends', 'a works', 'a sends', 'b works', 'b sends', 'a works', 'a sends', 'b works', 'b sends', 'a works', 'b works']);
    } finally {
      await a.close();
    }
  });

  it('D1, D17: suites played in two sessions give the very result of one suite at a time: counts, coverage, failures, in suite order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-sessions-'));
    try {
      const log = join(dir, 'requests.jsonl');
      // one at a time without snapshots (every step played, so a suite's steps are its size), in sessions with them
      const command = (tee: boolean): string => `${tee ? `tee ${JSON.stringify(log)} | ` : ''}${node} bin/nvme-lm.mjs serve --mutant acceptLmOnVfQueue${tee ? '' : ' --no-snapshots'}`;
      const run = (sessions: number, tee: boolean): Promise<VerifyResult> =>
        runVerify({ target: { kind: 'exec', command: command(tee), timeoutMs: 30_000 }, profiles: ['lm', 'no-lm'], only: ['pfAcceptance', 'vfioMigration:p2p', 'vfLifecycle:no-lm'], sessions });
      const alone = await run(1, false);
      const started: string[] = [];
      const dones: number[] = [];
      const together = await runVerify({
        target: { kind: 'exec', command: command(true), timeoutMs: 30_000 },
        profiles: ['lm', 'no-lm'],
        only: ['pfAcceptance', 'vfioMigration:p2p', 'vfLifecycle:no-lm'],
        sessions: 2,
        onSuite: (suite, done, total) => {
          expect(total).toBe(alone.suites.length);
          expect(done).toBeLessThanOrEqual(started.length);
          started.push(suite);
          dones.push(done);
        },
      });
      // each suite started once, the longest first; the count of those done grows to all but the ones still playing
      expect([...started].sort()).toEqual(alone.suites.map((x) => x.suite).sort());
      const steps = new Map(alone.suites.map((x) => [x.suite, x.steps]));
      expect(steps.get(started[0])).toBe(Math.max(...steps.values()));
      expect(dones).toEqual([...dones].sort((x, y) => x - y));
      expect(dones.at(-1)).toBeGreaterThanOrEqual(started.length - 2);
      // the same verdicts; what was played to reach them differs (steps and round trips: restored, not replayed)
      const same = (r: VerifyResult): unknown => ({ ...r, target: '', ms: 0, waitedMs: 0, steps: 0, roundTrips: 0, replays: undefined, restores: undefined, suites: r.suites.map((s) => ({ ...s, ms: 0, steps: 0 })) });
      expect(alone.failed).toBeGreaterThan(0);
      expect(same(together)).toEqual(same(alone));
      // the second session did play
      expect(readFileSync(log, 'utf8')).toContain('{"session":1,"op":"reset"');
      expect(readFileSync(log, 'utf8')).toMatch(/\{"session":1,"op":"batch","requests":\[[^\n]*\{"op":"restore"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a protocol error in one session ends the whole run with it: nothing hangs, the program is closed', async () => {
    // serve behind a filter that breaks the first answer to session 1's batches
    const breaker = `${node} -e ${JSON.stringify(
      `const { spawn } = require('child_process'); const s = spawn(process.execPath, ['bin/nvme-lm.mjs', 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] }); const rl = require('readline'); const sent = []; rl.createInterface({ input: process.stdin }).on('line', (l) => { sent.push(l.startsWith('{"session":1,"op":"batch"')); s.stdin.write(l + '\\n'); }); let broke = false; rl.createInterface({ input: s.stdout }).on('line', (l) => { const one = sent.shift(); if (one && !broke) { broke = true; console.log('not json'); } else console.log(l); }); process.stdin.on('end', () => s.stdin.end());`,
    )}`;
    const t0 = performance.now();
    await expect(runVerify({ target: { kind: 'exec', command: breaker, timeoutMs: 30_000 }, profiles: ['lm'], only: ['pfAcceptance:lm'], sessions: 2 })).rejects.toThrow(/bad answer|not JSON/);
    expect(performance.now() - t0).toBeLessThan(20_000);
  }, 60_000);

  it('after a protocol error in one session, every session fails with that error, not with what closing the program did to it', async () => {
    const program = script(
      `require('readline').createInterface({input: process.stdin}).on('line', (l) => { const r = JSON.parse(l); console.log(r.op === 'reset' ? '{"ok":true,"synchronous":true,"batch":true,"sessions":2}' : r.session === 1 ? 'not json' : '{"value":"0x1"}'); })`,
    );
    const a = new ProcessAdapter(program, { timeoutMs: 5000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      const [b] = await a.sessions(2);
      await b.reset({ vfs: 1, profile: 'lm' });
      expect(await a.regRead(0, CSTS, 4)).toBe(1n);
      await expect(b.regRead(0, CSTS, 4)).rejects.toThrow(/bad answer to regRead: not JSON/);
      await expect(a.regRead(0, CSTS, 4)).rejects.toThrow(/bad answer to regRead: not JSON/);
    } finally {
      await a.close();
    }
  });

  it('what a session still held when another broke the protocol fails with that error too', async () => {
    const program = script(
      `require('readline').createInterface({input: process.stdin}).on('line', (l) => { const r = JSON.parse(l); if (r.op === 'reset') console.log('{"ok":true,"synchronous":true,"batch":true,"sessions":2}'); })`,
    );
    const a = new ProcessAdapter(program, { timeoutMs: 5000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      // held until this process is idle; the failure comes first
      const held = a.regRead(0, CSTS, 4);
      (a as unknown as { program: Program }).program.fail('session 1 broke the protocol');
      await expect(held).rejects.toThrow('session 1 broke the protocol');
    } finally {
      await a.close();
    }
  });

  it('while sessions are played, a reset answered without "synchronous" is a protocol error; one answered otherwise than in another session too, and one refused in every session is a profile the program lacks', async () => {
    // lm: synchronous with sessions; no-lm: not synchronous; tp4159: refused by session 1 only; reserved: refused by all
    const program = script(
      `require('readline').createInterface({input: process.stdin}).on('line', (l) => { const r = JSON.parse(l); const s = r.session ?? 0; console.log(r.profile === 'lm' ? '{"ok":true,"synchronous":true,"sessions":2}' : r.profile === 'no-lm' ? '{"ok":true,"sessions":2}' : r.profile === 'tp4159' && s === 0 ? '{"ok":true,"synchronous":true,"sessions":2}' : '{"error":"not this profile"}'); })`,
    );
    const run = async (check: (a: ProcessAdapter, b: Adapter) => Promise<void>): Promise<void> => {
      const a = new ProcessAdapter(program, { timeoutMs: 5000 });
      try {
        await a.reset({ vfs: 1, profile: 'lm' });
        const [b] = await a.sessions(2);
        await check(a, b);
      } finally {
        await a.close();
      }
    };
    await run(async (a, b) => {
      await expect(b.reset({ vfs: 1, profile: 'reserved' })).rejects.toThrow(UnsupportedProfileError);
      await expect(a.reset({ vfs: 1, profile: 'reserved' })).rejects.toThrow(UnsupportedProfileError);
      await expect(b.reset({ vfs: 1, profile: 'no-lm' })).rejects.toThrow(/session 1's reset was answered without "synchronous":true/);
    });
    await run(async (a, b) => {
      await a.reset({ vfs: 1, profile: 'tp4159' });
      await expect(b.reset({ vfs: 1, profile: 'tp4159' })).rejects.toThrow(/session 1 refused \(not this profile\) reset .*tp4159.*, which session 0 accepted: every session is to be the same controller/);
    });
  });

  it('--record plays one suite at a time: the program gets no request for another session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-sessions-'));
    try {
      const trace = join(dir, 'trace.jsonl');
      const log = join(dir, 'requests.jsonl');
      const { TraceFile } = await import('../../src/verify/recordingAdapter.ts');
      const record = new TraceFile(trace);
      const r = await runVerify({ target: { kind: 'exec', command: `tee ${JSON.stringify(log)} | ${node} bin/nvme-lm.mjs serve`, timeoutMs: 30_000 }, profiles: ['lm', 'no-lm'], only: ['pfAcceptance:no-lm', 'vfioMigration:p2p'], sessions: 2, record });
      record.close();
      expect(r.failed).toBe(0);
      expect(readFileSync(trace, 'utf8')).toContain('"op":"reset"');
      // what the program got: every request for session 0
      const sent = readFileSync(log, 'utf8');
      expect(sent).toContain('"op":"reset"');
      expect(sent).not.toContain('"session"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('serve offers sessions for the emulator only: QEMU is one device, and --sessions 1 offers none', () => {
    const open = async (): Promise<Adapter> => new EmulatorAdapter();
    expect(serveSessions({ qemu: false, sessions: 4 }, open)?.count).toBe(4);
    expect(serveSessions({ qemu: true, sessions: 4 }, open)).toBeUndefined();
    expect(serveSessions({ qemu: false, sessions: 1 }, open)).toBeUndefined();
  });
});
