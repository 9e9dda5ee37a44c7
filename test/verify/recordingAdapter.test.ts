// `verify --record`: the session as the trace format, exactly what the target was asked and answered.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { recordingAdapter, TraceFile } from '../../src/verify/recordingAdapter.ts';
import { parseTrace } from '../../src/verify/traceCheck.ts';
import { REG } from '../../src/wire/registers.ts';

const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recordingAdapter', () => {
  it('writes each request with its answer (errors too, then rethrown), readable by parseTrace; no snapshot, so runs replay from reset', async () => {
    const path = join(dir, 'session.jsonl');
    const file = new TraceFile(path);
    const inner = new EmulatorAdapter();
    const a = recordingAdapter(inner, file);
    expect(inner.snapshot).toBeDefined();
    expect(a.snapshot).toBeUndefined();
    expect(a.restore).toBeUndefined();
    expect(a.completeIo).toBeDefined();
    await a.reset({ vfs: 2, profile: 'lm' });
    const cap = await a.regRead(0, REG.CAP, 8);
    await a.memWrite(0x1000n, Uint8Array.of(1, 2, 3));
    expect(await a.memRead(0x1000n, 3)).toEqual(Uint8Array.of(1, 2, 3));
    await expect(a.regRead(9, REG.CC, 4)).rejects.toThrow(/function 9 does not exist/);
    await a.close();
    const entries = parseTrace(readFileSync(path, 'utf8'));
    expect(entries.map((e) => e.request.op)).toEqual(['reset', 'regRead', 'memWrite', 'memRead', 'regRead']);
    expect(entries[0].response).toEqual({ ok: true, synchronous: true });
    expect(entries[1].response).toEqual({ value: `0x${cap.toString(16)}` });
    expect(entries[3].response).toEqual({ data: '010203' });
    expect(entries[4].response).toEqual({ error: expect.stringMatching(/function 9 does not exist/) });
    expect(file.lines).toBe(5);
  });

  it('a trace path in a directory that does not exist fails when opened, saying what to do', () => {
    expect(() => new TraceFile(join(dir, 'missing', 'x.jsonl'))).toThrow(/cannot write the trace .*ENOENT.*directory that exists/);
  });
});
