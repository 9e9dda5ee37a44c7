// `nvme-lm verify --trace`: check a recorded JSON-lines session (requests and
// the implementation's answers) against the composed `system` machine,
// without running anything. The commands are found the way the device finds
// them: the queues are followed from the raw requests (traceQueues.ts: SQEs
// written at the SQ tail slots, tail doorbells, CQEs read with a new phase
// tag), and `submit` requests carry theirs. Each command or request that
// means something to the specification (LM commands on the PF or a VF admin
// queue, guest I/O on a VF, FLR, PF enable/disable) becomes a machine event
// (traceJudge.ts); the machine predicts the answer; the first one the
// specification does not allow is reported.
//
// An admin command is judged when its completion is read, or, when none
// came, as soon as the host moves on (its next register write, submit,
// reset, FLR) or the trace ends: a host that moved on stopped waiting.
import { readFile } from 'node:fs/promises';
import { decodeCqe, type Cqe } from '../wire/cqe.ts';
import { isSuccess } from '../wire/status.ts';
import { fromHex } from '../wire/hex.ts';
import { memWriteBytes, zeroPadded } from './zeroTail.ts';
import { REG } from '../wire/registers.ts';
import { parseRequest, parseResponse, type Request, type Response } from './protocol.ts';
import { describeCommand, observedOf, TraceJudge, type Judgement } from './traceJudge.ts';
import { decodeLmCommand } from '../wire/lmCommands.ts';
import { LM } from '../wire/opcodes.ts';
import { QueueFollower, type ObservedCommand, type QueueNotice } from './traceQueues.ts';

interface TraceViolation {
  /** 1-based line of the request in the file: where the answer was seen (for no answer: where the command was submitted) */
  line: number;
  request: string;
  expected: string;
  observed: string;
  /** the command judged, when it came through the queues or a submit */
  command?: string;
  /** the machine events applied before it (what the checker understood) */
  events: string[];
}

export interface TraceCheckResult {
  /** no violation, and at least one command checked */
  ok: boolean;
  steps: number;
  /** commands and requests that the specification judged (machine events, and the D4/D9/D10/D17 field and profile checks) */
  checked: number;
  /** requests about queues or registers this checker could not make sense of, by kind */
  notInterpreted: Record<string, number>;
  /** commands seen but outside what the system machine predicts, by reason */
  unjudged: Record<string, number>;
  violation?: TraceViolation;
  /** set when nothing could be checked: why (the exit code is then 2) */
  nothingChecked?: string;
}

type Entry = { line: number; request: Request; response: Response };

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

/** Follows one recorded session request by request; the first violation ends it. */
class TraceChecker {
  private readonly queues = new QueueFollower();
  private readonly judge = new TraceJudge();
  private readonly requests = new Map<number, Request>();
  /** admin commands submitted through the queues whose answer has not been seen */
  private awaiting: ObservedCommand[] = [];
  /** LM opcodes on a stopped VF's own queue: judged when they run (D11) */
  private latched = new Set<ObservedCommand>();
  /** LM commands the specification gave no completion (D1 drop): a completion later is a violation */
  private answeredNone = new Map<ObservedCommand, number>();
  /** guest I/O on VF I/O queues, in flight */
  private io = new Set<ObservedCommand>();
  /** guest I/O the machine cannot follow (ioSubmitted said so): its completion is not judged */
  private untrackedIo = new Set<ObservedCommand>();
  private readonly notInterpreted = new Map<string, number>();
  /** each VF's migration data size, as its last successful QUERY said */
  private readonly querySize = new Map<number, number>();
  violation: TraceViolation | undefined;

  private count(what: string): void {
    this.notInterpreted.set(what, (this.notInterpreted.get(what) ?? 0) + 1);
  }

  /** Record a judgement against the trace; true when there was one. */
  private fail(line: number, j: Judgement | undefined, command?: ObservedCommand): boolean {
    if (!j || this.violation) return j !== undefined;
    this.violation = {
      line,
      request: JSON.stringify(this.requests.get(line)),
      expected: j.expected,
      observed: j.observed,
      ...(command ? { command: describeCommand(command) } : {}),
      events: [...this.judge.applied],
    };
    return true;
  }

  /** The host moved on: every admin command still waiting got no completion. */
  private settle(): boolean {
    const waiting = this.awaiting;
    this.awaiting = [];
    for (const c of waiting) {
      const r = this.judge.adminCommand(c.fn, c.sqe, observedOf(null));
      if (r === 'latched') this.latched.add(c);
      else if (this.fail(c.line, r, c)) return true;
      else this.answeredNone.set(c, c.line);
    }
    return false;
  }

  /**
   * Judge an admin command. What succeeded moves the queues a migration
   * carries: QUERY's size names the next SAVE's image (D8), a SAVE captures
   * the VF's queues, a LOAD gives a VF those of its image (D7).
   */
  private admin(fn: number, sqe: Uint8Array, cqe: Cqe | null): ReturnType<TraceJudge['adminCommand']> {
    const lm = fn === 0 ? decodeLmCommand(sqe) : undefined;
    const vf = Number(lm?.fields.vfIndex ?? 0);
    const opcode = lm?.layout.opcode.opcode;
    const carriesIo = opcode === LM.LOAD ? this.queues.imageCarriesIo(vf, Number(lm?.fields.size), lm?.fields.prp1 ?? 0n) : undefined;
    const r = this.judge.adminCommand(fn, sqe, observedOf(cqe), carriesIo);
    if (!lm || r !== undefined || cqe === null || !isSuccess(cqe)) return r;
    if (opcode === LM.QUERY) this.querySize.set(vf, cqe?.dw0 ?? 0);
    if (opcode === LM.SAVE) this.queues.saved(vf, this.querySize.get(vf) ?? -1, lm.fields.prp1);
    if (opcode === LM.LOAD) this.queues.loaded(vf, Number(lm.fields.size), lm.fields.prp1);
    return r;
  }

  private forgetCommands(): void {
    this.awaiting = [];
    this.latched.clear();
    this.answeredNone.clear();
    this.io.clear();
    this.untrackedIo.clear();
  }

  private notices(line: number, list: QueueNotice[]): boolean {
    for (const n of list) {
      if (n.kind === 'notInterpreted') this.count(n.what);
      else if (n.kind === 'ccCleared') {
        const j = {
          expected: `CC.EN 1: the host enabled function ${n.fn} at line ${n.enabledAt}, and no CC write, FLR or PF reset has disabled it since (I3: a rejected command changes no state)`,
          observed: 'CC.EN 0: the controller was reset by something the host did not ask for',
        };
        if (this.fail(line, j)) return true;
      } else if (n.kind === 'submitted') {
        const c = n.command;
        if (c.qid === 0) this.awaiting.push(c);
        else if (c.fn > 0) {
          const r = this.judge.ioSubmitted(c.fn);
          if (r === 'untracked') {
            this.untrackedIo.add(c);
            continue;
          }
          this.io.add(c);
          if (this.fail(line, r, c)) return true;
        }
      } else if (this.completed(line, n.fn, n.command, n.bytes)) return true;
    }
    return false;
  }

  private completed(line: number, fn: number, c: ObservedCommand | undefined, bytes: Uint8Array): boolean {
    if (!c) {
      this.count('memRead (a completion of no command the trace submitted)');
      return false;
    }
    const cqe = decodeCqe(bytes);
    const obs = observedOf(cqe);
    if (this.untrackedIo.delete(c)) return false;
    // an I/O command: in flight since its doorbell, or carried in flight by a LOAD's image (D7, D11)
    if (this.io.delete(c) || (c.fn > 0 && c.qid > 0)) return this.fail(line, this.judge.ioCompleted(fn, obs.text), c);
    const at = this.awaiting.indexOf(c);
    if (at >= 0) {
      this.awaiting.splice(at, 1);
      const r = this.admin(fn, c.sqe, cqe);
      return this.fail(line, r === 'latched' ? undefined : r, c);
    }
    if (this.latched.delete(c)) return this.fail(line, this.judge.apply([{ type: 'VF_LM', vf: fn }], obs), c); // D11: it ran once the VF did
    const none = this.answeredNone.get(c);
    if (none !== undefined) return this.fail(line, { expected: `no completion (as the specification said when the host moved on, line ${none})`, observed: obs.text }, c);
    return false;
  }

  step(e: Entry): boolean {
    const { request: req, response: res, line } = e;
    this.requests.set(line, req);
    if ('error' in res) {
      this.count(`${req.op} (answered with an error)`);
      return false; // the implementation refused the request: nothing happened
    }
    switch (req.op) {
      case 'reset':
        if (this.settle()) return true;
        this.queues.reset();
        this.forgetCommands();
        this.judge.reset(req);
        return false;
      case 'regRead':
        return 'value' in res ? this.notices(line, this.queues.regRead(req.fn, req.offset, req.width, BigInt(res.value))) : false;
      case 'memWrite':
        this.queues.memWrite(BigInt(req.addr), req.len === undefined ? fromHex(req.data, 'data') : memWriteBytes(req));
        return false;
      case 'memRead':
        return 'data' in res ? this.notices(line, this.queues.memRead(BigInt(req.addr), memReadBytes(req, res.data))) : false;
      case 'regWrite': {
        const value = BigInt(req.value);
        if (!this.queues.isHeadDoorbell(req.fn, req.offset) && this.settle()) return true;
        if (this.notices(line, this.queues.regWrite(req.fn, req.offset, req.width, value, line))) return true;
        return req.fn === 0 && req.offset === REG.CC ? this.fail(line, this.judge.pfEnable((value & 1n) === 1n)) : false;
      }
      case 'flr':
        if (this.settle()) return true;
        this.queues.flr(req.fn);
        if (req.fn === 0) this.forgetCommands();
        return this.fail(line, this.judge.flr(req.fn));
      case 'completeIo':
        return this.settle();
      case 'snapshot':
        return false; // saving changes nothing
      case 'restore':
        throw new Error(`trace line ${line}: restore ${req.id} puts the controller back in a state saved earlier, which a trace cannot follow: record traces with \`verify --record\`, which plays every path from reset`);
      case 'submit':
        return this.settle() || this.submit(e);
      case 'batch': {
        // a batch is its requests in order, each with its answer (the list ends at the first error)
        if (!('answers' in res)) return false;
        return req.requests.some((request, i) => i < res.answers.length && this.step({ request, response: res.answers[i], line }));
      }
    }
  }

  /** A `submit` request: the SQE and its completion (or null) in one line. */
  private submit(e: Entry): boolean {
    if (e.request.op !== 'submit' || !('cqe' in e.response)) return false;
    const { fn, qid } = e.request;
    const sqe = fromHex(e.request.sqe, 'sqe', 64);
    const cqe = e.response.cqe === null ? null : fromHex(e.response.cqe, 'cqe', 16);
    const c = this.queues.submit(fn, qid, sqe, cqe, e.line);
    const decoded = cqe === null ? null : decodeCqe(cqe);
    const obs = observedOf(decoded);
    if (qid === 0) {
      const r = this.admin(fn, sqe, decoded);
      if (r === 'latched') this.latched.add(c);
      return this.fail(e.line, r === 'latched' ? undefined : r);
    }
    if (fn === 0) return false;
    // guest I/O on a VF: in flight until its completion is seen
    const r = this.judge.ioSubmitted(fn);
    if (r === 'untracked') {
      this.untrackedIo.add(c);
      return false;
    }
    if (this.fail(e.line, r)) return true;
    if (obs.key === 'none') {
      this.io.add(c);
      return false;
    }
    return this.fail(e.line, this.judge.ioCompleted(fn, obs.text));
  }

  result(steps: number): TraceCheckResult {
    if (!this.violation) this.settle();
    const checked = this.judge.checked;
    const base = { steps, checked, notInterpreted: Object.fromEntries(this.notInterpreted), unjudged: Object.fromEntries(this.judge.unjudged) };
    if (this.violation) return { ok: false, ...base, violation: this.violation };
    if (checked > 0) return { ok: true, ...base };
    const why =
      steps === 0
        ? 'the trace holds no request'
        : `none of its ${steps} requests is a command the specification judges (an LM command, guest I/O on a VF, an FLR or a PF enable after a reset with 1 to 8 VFs)`;
    return { ok: false, ...base, nothingChecked: why };
  }
}

export function checkTrace(text: string): TraceCheckResult {
  const entries = parseTrace(text);
  const checker = new TraceChecker();
  for (const e of entries) if (checker.step(e)) break;
  return checker.result(entries.length);
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

/** 0 allowed, 1 a violation, 2 nothing in the trace could be checked. */
export function traceExitCode(r: TraceCheckResult): 0 | 1 | 2 {
  return r.violation ? 1 : r.ok ? 0 : 2;
}

function tally(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([what, n]) => `${n} ${what}`)
    .join('; ');
}

export function formatTraceCheck(r: TraceCheckResult): string {
  const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  const ni = total(r.notInterpreted);
  notes.push(`${ni} requests not interpreted${ni ? `: ${tally(r.notInterpreted)}` : ''}`);
  const un = total(r.unjudged);
  if (un) notes.push(`${un} commands outside the system machine: ${tally(r.unjudged)}`);
  if (r.nothingChecked !== undefined) {
    return [`trace NOT CHECKED: ${r.nothingChecked}; record a session with \`nvme-lm verify --record FILE\` and a target`, ...notes].join('\n');
  }
  if (r.ok) return [`trace OK: ${r.steps} requests, ${r.checked} checked against the specification`, ...notes].join('\n');
  const v = r.violation as TraceViolation;
  return [
    `trace FAILS at line ${v.line}: ${v.request}`,
    ...(v.command ? [`  command ${v.command}`] : []),
    `  expected ${v.expected}`,
    `  observed ${v.observed}`,
    `  after: ${v.events.join(' > ') || '(nothing)'}`,
    ...notes,
  ].join('\n');
}

/** A memRead answer's bytes: with its trailing zeros put back when the request let it leave them out (a session with a zeroTail target). */
function memReadBytes(req: { len: number; zeroTail?: boolean }, data: string): Uint8Array {
  return (req.zeroTail === true ? zeroPadded(data, req.len) : undefined) ?? fromHex(data, 'data');
}
