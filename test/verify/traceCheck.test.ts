import { describe, expect, it } from 'vitest';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { handleRequest } from '../../src/verify/server.ts';
import { checkTrace, formatTraceCheck, parseTrace, traceExitCode } from '../../src/verify/traceCheck.ts';
import type { Request } from '../../src/verify/protocol.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { toHex } from '../../src/wire/hex.ts';
import { CC_ENABLE, REG } from '../../src/wire/registers.ts';
import type { Mutant } from '../../src/emulator/options.ts';

/** Play requests on the emulator and record request/answer lines, as a user's tool would. */
async function record(requests: Request[], mutant?: Mutant): Promise<string> {
  const a = new EmulatorAdapter({ mutant });
  const lines: string[] = [];
  for (const r of requests) {
    lines.push(JSON.stringify(r));
    let res;
    try {
      res = await handleRequest(a, r);
    } catch (e) {
      res = { error: (e as Error).message };
    }
    lines.push(JSON.stringify(res));
  }
  return lines.join('\n');
}

const lm = (fn: number, opcode: number, vf: number, cid: number): Request => ({ op: 'submit', fn, qid: 0, sqe: toHex(encodeLmCommand({ opcode, vfIndex: vf, cid })) });
const enable = (fn: number, base: number): Request[] => [
  { op: 'regWrite', fn, offset: REG.AQA, width: 4, value: '0xf000f' },
  { op: 'regWrite', fn, offset: REG.ASQ, width: 8, value: `0x${base.toString(16)}` },
  { op: 'regWrite', fn, offset: REG.ACQ, width: 8, value: `0x${(base + 0x1000).toString(16)}` },
  { op: 'regWrite', fn, offset: REG.CC, width: 4, value: `0x${CC_ENABLE.toString(16)}` },
];

const session: Request[] = [
  { op: 'reset', vfs: 2, profile: 'lm' },
  ...enable(0, 0x100000),
  ...enable(1, 0x200000),
  lm(0, 0xc8, 1, 1), // SUSPEND VF 1
  lm(0, 0xc4, 1, 2), // QUERY VF 1
  lm(0, 0xd2, 0, 3), // SAVE VF 0: Invalid Field (D4)
  lm(1, 0xc8, 1, 4), // SUSPEND on VF 1's own queue while VF 1 is suspended: latched
  lm(0, 0xcc, 1, 5), // RESUME VF 1
  lm(0, 0xd2, 1, 6), // SAVE while running: Command Sequence Error (D5)
  lm(1, 0xc4, 1, 7), // QUERY on VF 1's own admin queue: Invalid Command Opcode (D1)
  { op: 'flr', fn: 1 },
];

describe('verify --trace', () => {
  it('a session recorded on the built-in emulator is allowed by the specification', async () => {
    const r = checkTrace(await record(session));
    expect(r.violation).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.checked).toBeGreaterThanOrEqual(8);
  });

  it('D1: a VF-queue LM opcode that succeeds is the first step reported, with its line', async () => {
    const d1: Request[] = [{ op: 'reset', vfs: 2, profile: 'lm' }, ...enable(0, 0x100000), ...enable(1, 0x200000), lm(1, 0xc4, 1, 1)];
    const r = checkTrace(await record(d1, 'acceptLmOnVfQueue'));
    expect(r.ok).toBe(false);
    expect(r.violation?.line).toBe(19);
    expect(r.violation?.observed).toMatch(/Successful Completion/);
    expect(r.violation?.expected).toMatch(/Invalid Command Opcode .*D1/);
  });

  it('D11 + D1: a VF-queue SUSPEND latched while suspended, executed after RESUME, shows up at the next SAVE', async () => {
    const r = checkTrace(await record(session, 'acceptLmOnVfQueue'));
    expect(r.ok).toBe(false);
    expect(r.violation?.line).toBe(29);
    expect(r.violation?.expected).toMatch(/Command Sequence Error/);
  });

  it('D5: SAVE accepted while the VF runs is reported', async () => {
    const r = checkTrace(await record(session, 'saveWhileRunning'));
    expect(r.ok).toBe(false);
    expect(r.violation?.expected).toMatch(/Command Sequence Error .*D5/);
  });

  it('accepts {"request","response"} objects per line, and names bad lines', () => {
    const text = `{"request":{"op":"reset","vfs":1,"profile":"lm"},"response":{"ok":true}}`;
    expect(parseTrace(text)).toHaveLength(1);
    expect(() => parseTrace('{"op":"reset","vfs":1,"profile":"lm"}')).toThrow(/line 1: a request without an answer/);
    expect(() => parseTrace('nope')).toThrow(/line 1 is not JSON/);
  });

  it('an empty file checks nothing: exit 2, saying how to record a session', () => {
    const r = checkTrace('');
    expect(r.ok).toBe(false);
    expect(r.violation).toBeUndefined();
    expect(r.nothingChecked).toMatch(/no request/);
    expect(traceExitCode(r)).toBe(2);
    expect(formatTraceCheck(r)).toMatch(/NOT CHECKED.*verify --record FILE/);
  });

  it('a trace of only reads (registers, host memory) checks nothing: exit 2', async () => {
    const reads: Request[] = [
      { op: 'reset', vfs: 2, profile: 'lm' },
      { op: 'regRead', fn: 0, offset: REG.CAP, width: 8 },
      { op: 'regRead', fn: 1, offset: REG.CSTS, width: 4 },
      { op: 'memRead', addr: '0x100000', len: 64 },
    ];
    const r = checkTrace(await record(reads));
    expect(r.checked).toBe(0);
    expect(r.nothingChecked).toMatch(/none of its 4 requests/);
    expect(traceExitCode(r)).toBe(2);
  });

  it('a session that passes exits 0; a violation exits 1; the summary counts what was not interpreted, by kind', async () => {
    expect(traceExitCode(checkTrace(await record(session)))).toBe(0);
    const bad = checkTrace(await record(session, 'saveWhileRunning'));
    expect(traceExitCode(bad)).toBe(1);
    // a doorbell of a queue the session never set up
    const stray = checkTrace(await record([...session, { op: 'regWrite', fn: 2, offset: 0x1008, width: 4, value: '0x1' }]));
    expect(stray.ok).toBe(true);
    expect(stray.notInterpreted).toEqual({ 'regWrite (tail doorbell of an SQ the trace did not set up)': 1 });
    expect(formatTraceCheck(stray)).toMatch(/1 requests not interpreted: 1 regWrite \(tail doorbell/);
  });
});

describe('verify --trace of a session with memory data without its trailing zeros (zeroTail)', () => {
  /** SUSPEND VF 1 through the PF's admin queue by raw operations; `zeroTail`: as verify sends them to a target that announced it. */
  const rawSession = (zeroTail: boolean): Request[] => {
    const mem = (addr: number, bytes: Uint8Array): Request => {
      let end = bytes.length;
      while (zeroTail && end > 0 && bytes[end - 1] === 0) end--;
      return { op: 'memWrite', addr: `0x${addr.toString(16)}`, data: toHex(bytes.subarray(0, end)), ...(end < bytes.length ? { len: bytes.length } : {}) };
    };
    return [
      { op: 'reset', vfs: 2, profile: 'lm' },
      mem(0x100000, new Uint8Array(4096)),
      mem(0x101000, new Uint8Array(4096)),
      ...enable(0, 0x100000),
      mem(0x100000, encodeLmCommand({ opcode: 0xc8, vfIndex: 1, cid: 1 })),
      { op: 'regWrite', fn: 0, offset: 0x1000, width: 4, value: '0x1' },
      { op: 'memRead', addr: '0x101000', len: 16, ...(zeroTail ? { zeroTail: true } : {}) },
    ];
  };

  it('a SUSPEND driven by raw queue operations is followed and judged the same whether the zeros were left out or not', async () => {
    const whole = checkTrace(await record(rawSession(false)));
    const trimmed = await record(rawSession(true));
    expect(trimmed).toMatch(/"len":4096/);
    const r = checkTrace(trimmed);
    expect(whole.ok && whole.checked >= 1).toBe(true);
    expect({ ok: r.ok, checked: r.checked, violation: r.violation }).toEqual({ ok: whole.ok, checked: whole.checked, violation: whole.violation });
  });
});
