// `nvme-lm verify --trace`: check a recorded JSON-lines session (requests and
// the implementation's answers) against the composed `system` machine,
// without running anything. Each request that means something to the
// specification (LM commands on the PF or a VF admin queue, I/O, FLR, PF
// enable/disable) becomes a machine event; the machine predicts the answer;
// the first step whose answer the specification does not allow is reported.
import { readFile } from 'node:fs/promises';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { createSystem, systemLast, type SystemEvent, type SystemMachine } from '../../machines/system.ts';
import { decodeCqe } from '../wire/cqe.ts';
import { fromHex } from '../wire/hex.ts';
import { decodeLmCommand } from '../wire/lmCommands.ts';
import { describeStatus } from '../wire/status.ts';
import { REG } from '../wire/registers.ts';
import { parseRequest, parseResponse, type Request, type Response } from './protocol.ts';

export interface TraceViolation {
  /** 1-based line of the request in the file */
  line: number;
  request: string;
  expected: string;
  observed: string;
  /** the machine events applied before it (what the checker understood) */
  events: string[];
}

export interface TraceCheckResult {
  ok: boolean;
  steps: number;
  /** requests that became machine events */
  checked: number;
  violation?: TraceViolation;
}

const STATUS: Record<string, { sct: number; sc: number } | 'none'> = {
  SUCCESS: { sct: 0, sc: 0x00 },
  INVALID_OPCODE: { sct: 0, sc: 0x01 },
  INVALID_FIELD: { sct: 0, sc: 0x02 },
  SEQUENCE_ERROR: { sct: 0, sc: 0x0c },
  none: 'none',
};

function predicted(status: string): string {
  const s = STATUS[status];
  if (s === undefined) return status;
  return s === 'none' ? 'no completion' : describeStatus({ ...s, dnr: s.sc !== 0 });
}

function observedStatus(res: Response): { text: string; key: string } {
  if ('cqe' in res) {
    if (res.cqe === null) return { text: 'no completion', key: 'none' };
    const c = decodeCqe(fromHex(res.cqe, 'cqe', 16));
    const key = Object.entries(STATUS).find(([, v]) => v !== 'none' && v.sct === c.sct && v.sc === c.sc)?.[0] ?? `sct${c.sct}sc${c.sc}`;
    return { text: describeStatus(c), key };
  }
  return { text: JSON.stringify(res), key: 'other' };
}

/** Read a trace: either alternating request/answer lines, or one {"request","response"} object per line. */
export function parseTrace(text: string): Array<{ line: number; request: Request; response: Response }> {
  const lines = text.split('\n').map((l, i) => ({ l: l.trim(), n: i + 1 })).filter((x) => x.l !== '');
  const out: Array<{ line: number; request: Request; response: Response }> = [];
  for (let i = 0; i < lines.length; i++) {
    const { l, n } = lines[i];
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch (e) {
      throw new Error(`trace line ${n} is not JSON: ${(e as Error).message}`);
    }
    if (raw && typeof raw === 'object' && 'request' in raw && 'response' in raw) {
      const r = raw as { request: unknown; response: unknown };
      out.push({ line: n, request: parseRequest(JSON.stringify(r.request)), response: parseResponse(JSON.stringify(r.response)) });
      continue;
    }
    const next = lines[i + 1];
    if (!next) throw new Error(`trace line ${n}: a request without an answer on the next line`);
    try {
      out.push({ line: n, request: parseRequest(l), response: parseResponse(next.l) });
    } catch (e) {
      throw new Error(`trace lines ${n}-${next.n}: ${(e as Error).message}`);
    }
    i++;
  }
  return out;
}

const LM_EVENTS: Record<number, SystemEvent['type'][]> = {
  0xc4: ['LM_QUERY'],
  0xc8: ['LM_SUSPEND'],
  0xcc: ['LM_RESUME'],
  0xd2: ['LM_SAVE'],
  0xd5: ['LM_LOAD', 'LM_LOAD_IO', 'LM_LOAD_CORRUPT'],
};

export function checkTrace(text: string): TraceCheckResult {
  const entries = parseTrace(text);
  let machine: SystemMachine | undefined;
  let snap: AnyMachineSnapshot | undefined;
  let vfs = 0;
  let lmProfile = true;
  const applied: string[] = [];
  let checked = 0;
  const pfEn = { value: false };

  const violation = (e: (typeof entries)[number], expected: string, observed: string): TraceCheckResult => ({
    ok: false,
    steps: entries.length,
    checked,
    violation: { line: e.line, request: JSON.stringify(e.request), expected, observed, events: [...applied] },
  });

  /** Apply the first candidate event whose prediction matches what was observed. */
  const apply = (e: (typeof entries)[number], candidates: SystemEvent[], observedKey: string, observedText: string): TraceCheckResult | undefined => {
    if (!machine || !snap) return violation(e, 'a reset first', 'a command before any reset');
    let firstPrediction: string | undefined;
    for (const ev of candidates) {
      const next: AnyMachineSnapshot = transition(machine, snap, ev)[0];
      if (next === snap || systemLast(next) === systemLast(snap)) continue; // not enabled in the specification
      const want = systemLast(next).status;
      firstPrediction ??= `${predicted(want)} (${systemLast(next).decision})`;
      if (want === observedKey || (want === 'none' && observedKey === 'none')) {
        snap = next;
        applied.push(ev.type + ('vf' in ev ? `(vf=${ev.vf})` : ''));
        checked++;
        return undefined;
      }
    }
    return violation(e, firstPrediction ?? `no step: the specification has no transition for ${candidates.map((c) => c.type).join(' / ')} in state ${JSON.stringify(snap.value)}`, observedText);
  };

  for (const e of entries) {
    const req = e.request;
    const res = e.response;
    if ('error' in res && req.op !== 'reset') continue; // the implementation refused the request: nothing happened
    switch (req.op) {
      case 'reset': {
        if ('error' in res) continue;
        vfs = req.vfs;
        lmProfile = req.profile === 'lm' || req.profile === 'reserved';
        if (vfs < 1 || vfs > 8) {
          machine = undefined;
          snap = undefined;
          continue;
        }
        machine = createSystem(vfs, { vfQueuePolicy: req.vfQueuePolicy ?? 'reject' });
        snap = initialTransition(machine)[0];
        pfEn.value = false;
        applied.push(`reset(vfs=${vfs},${req.profile})`);
        break;
      }
      case 'regWrite': {
        if (req.fn !== 0 || req.offset !== REG.CC || !machine) break;
        const en = (BigInt(req.value) & 1n) === 1n;
        if (en && !pfEn.value) {
          const r = apply(e, [{ type: 'PF_ENABLE' }], 'none', 'CC.EN 0->1');
          if (r) return r;
        } else if (!en && pfEn.value) {
          const r = apply(e, [{ type: 'PF_DISABLE' }], 'none', 'CC.EN 1->0');
          if (r) return r;
        }
        pfEn.value = en;
        break;
      }
      case 'flr': {
        if (!machine) break;
        if (req.fn === 0) {
          if (pfEn.value) {
            const r = apply(e, [{ type: 'PF_FLR' }], 'none', 'PF FLR');
            if (r) return r;
          }
          pfEn.value = false;
        } else {
          const r = apply(e, [{ type: 'FLR', vf: req.fn }], 'none', `FLR of VF ${req.fn}`);
          if (r) return r;
        }
        break;
      }
      case 'submit': {
        const sqe = fromHex(req.sqe, 'sqe', 64);
        const lm = decodeLmCommand(sqe);
        const obs = observedStatus(res);
        if (lm && req.qid === 0) {
          if (!lmProfile) {
            if (obs.key !== 'INVALID_OPCODE') return violation(e, `${predicted('INVALID_OPCODE')} (D17: the profile has no LM commands)`, obs.text);
            checked++;
            break;
          }
          if (req.fn > 0) {
            const next: AnyMachineSnapshot | undefined = machine && snap ? transition(machine, snap, { type: 'VF_LM', vf: req.fn })[0] : undefined;
            if (next && snap && systemLast(next) === systemLast(snap)) {
              // the VF is not running: its admin queue is not fetched (D11), so no completion yet
              if (obs.key !== 'none') return violation(e, 'no completion: the VF is not running, so its admin queue is latched (D11); when it runs, Invalid Command Opcode (D1)', obs.text);
              checked++;
              break;
            }
            const r = apply(e, [{ type: 'VF_LM', vf: req.fn }], obs.key, obs.text);
            if (r) return r;
            break;
          }
          const vf = Number(lm.fields.vfIndex);
          if (lm.fields.fuse !== 0n || lm.fields.psdt !== 0n || vf === 0 || vf > vfs) {
            if (obs.key !== 'INVALID_FIELD') return violation(e, `${predicted('INVALID_FIELD')} (${vf === 0 || vf > vfs ? 'D4' : 'D9'})`, obs.text);
            checked++;
            break;
          }
          const r = apply(e, LM_EVENTS[lm.layout.opcode.opcode].map((type) => ({ type, vf }) as SystemEvent), obs.key, obs.text);
          if (r) return r;
        } else if (req.fn > 0 && req.qid > 0) {
          // guest I/O on a VF: in flight until its completion is seen
          const r = apply(e, [{ type: 'SUBMIT_IO', vf: req.fn }], 'none', obs.text);
          if (r) return r;
          if (obs.key !== 'none') {
            const done = apply(e, [{ type: 'IO_COMPLETE', vf: req.fn }], 'none', obs.text);
            if (done) return done;
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return { ok: true, steps: entries.length, checked };
}

export async function checkTraceFile(path: string): Promise<TraceCheckResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read trace ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return checkTrace(text);
}

export function formatTraceCheck(r: TraceCheckResult): string {
  if (r.ok) return `trace OK: ${r.steps} requests, ${r.checked} checked against the specification`;
  const v = r.violation as TraceViolation;
  return [
    `trace FAILS at line ${v.line}: ${v.request}`,
    `  expected ${v.expected}`,
    `  observed ${v.observed}`,
    `  after: ${v.events.join(' > ') || '(nothing)'}`,
  ].join('\n');
}
