// A path's prefix replayed in two round trips. Without snapshots the trie
// runner plays each path from reset, so the steps before the path's new ones
// are played again: steps that passed before, whose every request and answer
// were seen then. On a target whose answers follow from its requests alone
// (it says `synchronous`) and that takes a `batch`, their requests go to the
// target again in one go: the reset, then everything else in batches
// (recordedCalls.ts). The target's answers must equal the recorded ones,
// byte for byte. The binding is then put where it was after the prefix's
// last step: its own state (Implementation.hostState), saved then, is put
// back. It is saved after every reset, where the runner says a later path
// goes on (Implementation.branching, where a snapshot runner would
// snapshot), and after each step of a prefix replayed live: a replay ends
// nowhere else. That is where a live replay leaves it, as far as the saved
// state holds all that the binding's later calls and judgements depend on
// (as it must for snapshots too): they are a function of the answers it
// gets, and it would get the recorded ones. When anything differs (the target answered otherwise or
// failed a request), the prefix is played again live, exactly as without a
// record; a failure the target meets is then met again, and reported as
// ever. A binding without a hostState gets every prefix replayed live.
//
// What is recorded must be what the target did: a step whose calls overlap
// where the order they reach the target is not certain (one that goes alone
// while another is outstanding; any two on an adapter that does not keep
// call order) is never replayed from the record. Answers are kept as
// copies, so a binding that changes what it was given changes neither the
// record nor the comparison.
//
// Only the steps since the last reset are kept: the runner walks its trie
// depth first, so a prefix it replays is always a prefix of the path it
// played last.
import type { Adapter, ResetInfo } from '../../src/target/adapter.ts';
import type { RawAnswer } from '../../src/target/batch.ts';
import { ReplayFailure, type Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import { ALONE, copied, DIFFERS, sendRecorded, type RecordedCall, type RecordedRequest } from './recordedCalls.ts';

/**
 * The calls of a reset or a step, in the order made. `broken`: never
 * replayed from here (a call failed, the step did, or calls overlapped).
 * `host`: the binding's own state once it passed (its hostState).
 */
interface Segment {
  calls: RecordedCall[];
  broken: boolean;
  host?: { saved: unknown };
}

/** What the record did over a run: prefixes replayed from it, those replayed live instead, how many of those the target answered otherwise, and the first reason. */
export interface ReplayRecordStats {
  fromRecord: number;
  live: number;
  /** replayed live because the target's answers differed from the record (a target that says synchronous should not) */
  differed: number;
  firstLiveReason?: string;
}

export class ReplayRecord {
  /** the adapter to give the binding */
  readonly adapter: Adapter;
  readonly stats: ReplayRecordStats = { fromRecord: 0, live: 0, differed: 0 };
  /** the last live reset's answer said synchronous and batch */
  private usable = false;
  /** standing aside (standAside) */
  private aside = false;
  private resetSegment: Segment | null = null;
  /** the steps since that reset, in order */
  private stack: Array<{ step: PathStep; segment: Segment }> = [];
  /** where live calls are recorded; null: nowhere */
  private recording: Segment | null = null;
  /** live calls not answered yet, and how many of them go alone */
  private outstanding = 0;
  private outstandingAlone = 0;

  constructor(private readonly target: Adapter) {
    const t = target;
    const a: Adapter = {
      reset: (options) => this.call({ op: 'reset', options }, () => t.reset(options)),
      regWrite: (fn, offset, width, value) => this.call({ op: 'regWrite', fn, offset, width, value }, () => t.regWrite(fn, offset, width, value)),
      regRead: (fn, offset, width) => this.call({ op: 'regRead', fn, offset, width }, () => t.regRead(fn, offset, width)),
      memWrite: (addr, data) => this.call({ op: 'memWrite', addr, data }, () => t.memWrite(addr, data)),
      memRead: (addr, len) => this.call({ op: 'memRead', addr, len }, () => t.memRead(addr, len)),
      submit: (fn, qid, sqe) => this.call({ op: 'submit', fn, qid, sqe }, () => t.submit(fn, qid, sqe)),
      flr: (fn) => this.call({ op: 'flr', fn }, () => t.flr(fn)),
      close: () => t.close(),
    };
    const { reap, batch, completeIo, snapshot, restore, release, roundTrips } = t;
    if (reap) a.reap = (fn) => this.call({ op: 'reap', fn }, () => reap.call(t, fn));
    if (batch) a.batch = (requests) => this.call({ op: 'batch', requests: [...requests] }, (): Promise<RawAnswer[]> => batch.call(t, requests));
    if (completeIo) a.completeIo = (fn, count) => this.call({ op: 'completeIo', fn, count }, () => completeIo.call(t, fn, count));
    if (snapshot && restore) {
      a.snapshot = () => snapshot.call(t);
      a.restore = (s) => {
        this.forget(); // the record no longer leads to where the target is
        return restore.call(t, s);
      };
      if (release) a.release = (s) => release.call(t, s);
    }
    if (roundTrips) a.roundTrips = () => roundTrips.call(t);
    this.adapter = a;
  }

  /** The runner restores the target's snapshots instead of replaying prefixes: nothing more is kept, every call goes straight to the target. */
  standAside(): void {
    this.aside = true;
    this.usable = false;
    this.forget();
  }

  /** A call from the binding: sent to the target, and recorded when a segment is open. */
  private call<T>(request: RecordedRequest, send: () => Promise<T>): Promise<T> {
    if (this.aside) return send();
    // nothing is kept for a target that cannot be replayed from it (its reset is, to learn whether it can)
    const seg = this.usable || request.op === 'reset' ? this.recording : null;
    const alone = ALONE.has(request.op);
    // overlapping calls whose order at the target is not certain: the record may not be what the target did
    if (seg !== null && this.outstanding > 0 && (alone || this.outstandingAlone > 0 || this.target.keepsCallOrder !== true)) seg.broken = true;
    this.outstanding++;
    if (alone) this.outstandingAlone++;
    const settled = (): void => {
      this.outstanding--;
      if (alone) this.outstandingAlone--;
    };
    const answer = send();
    let c: RecordedCall | null = null;
    if (seg !== null) {
      c = { request: recorded(request), answered: false };
      seg.calls.push(c);
    }
    answer.then(
      (v) => {
        settled();
        if (c !== null) {
          c.answer = copied(v);
          c.answered = true;
        }
        if (request.op === 'reset') {
          const i = v as ResetInfo | undefined;
          this.usable = i?.synchronous === true && i.batch === true;
        }
      },
      () => {
        settled();
        if (seg !== null) seg.broken = true;
        if (request.op === 'reset') this.usable = false;
      },
    );
    return answer;
  }

  /** The segment of the last step since the reset, or the reset's. */
  private last(): Segment | null {
    return this.stack.at(-1)?.segment ?? this.resetSegment;
  }

  private forget(): void {
    this.resetSegment = null;
    this.stack = [];
  }

  /** `inner` recording each reset and step, and replaying a prefix from the record where it can. */
  implementation<S>(inner: Implementation<S>): Implementation<S> {
    const host = inner.hostState;
    /** the binding's state after `seg`, where a replay of the record may end (only a record that may be replayed needs it) */
    const keep = (seg: Segment | null): void => {
      if (host !== undefined && this.usable && seg !== null) seg.host = { saved: host.save() };
    };
    const recordingInto = async (seg: Segment, play: () => Promise<void>): Promise<void> => {
      // a binding that cannot be put back is never replayed from the record: nothing of it is kept
      this.recording = host !== undefined ? seg : null;
      try {
        await play();
      } catch (e) {
        seg.broken = true;
        throw e;
      } finally {
        this.recording = null;
      }
    };
    const reset = async (): Promise<void> => {
      this.forget();
      const seg: Segment = { calls: [], broken: false };
      await recordingInto(seg, () => inner.reset());
      this.resetSegment = seg;
      keep(seg); // every path's replay starts from a reset
    };
    const step = async (event: PathStep['event'], expected: PathStep): Promise<void> => {
      const seg: Segment = { calls: [], broken: false };
      this.stack.push({ step: expected, segment: seg });
      await recordingInto(seg, () => inner.step(event, expected));
    };
    // a prefix replayed live is recorded anew: each of its steps may end a later replay (the runner calls branching only as it plays on)
    const live = async (steps: readonly PathStep[]): Promise<void> => {
      try {
        await reset();
      } catch (e) {
        throw new ReplayFailure(-1, e);
      }
      for (const [i, s] of steps.entries()) {
        try {
          await step(s.event, s);
        } catch (e) {
          throw new ReplayFailure(i, e);
        }
        keep(this.last());
      }
    };
    const wrapped: Implementation<S> = {
      reset,
      step,
      // a later path replays up to here: the binding's state is kept where a snapshot runner would snapshot
      branching: () => keep(this.last()),
      replay: async (steps) => {
        if (this.aside) return live(steps); // from reset, as a runner without a record plays it
        const why = await this.fromRecord(inner, steps);
        if (why === undefined) {
          this.stats.fromRecord++;
          return;
        }
        this.stats.live++;
        if (why.includes(DIFFERS)) this.stats.differed++;
        this.stats.firstLiveReason ??= why;
        await live(steps);
      },
    };
    const { snapshot, restore, release } = inner;
    if (snapshot && restore) {
      wrapped.snapshot = () => snapshot.call(inner);
      wrapped.restore = (s) => {
        this.forget();
        return restore.call(inner, s);
      };
      if (release) wrapped.release = (s) => release.call(inner, s);
    }
    return wrapped;
  }

  /** Why `steps` cannot be replayed from the record, or undefined once they have been (the binding and the target both where a live replay leaves them). */
  private async fromRecord<S>(inner: Implementation<S>, steps: readonly PathStep[]): Promise<string | undefined> {
    if (!this.usable) return 'the target did not say both synchronous and batch';
    const host = inner.hostState;
    if (host === undefined) return 'the binding cannot save its own state (no hostState)';
    const reset = this.resetSegment;
    if (reset === null || !complete(reset)) return 'no complete record of the reset';
    if (steps.length > this.stack.length) return 'the prefix is longer than the record';
    for (let i = 0; i < steps.length; i++) {
      const e = this.stack[i];
      if (e.step !== steps[i]) return `step ${i + 1} is not the recorded one`;
      if (!complete(e.segment)) return `step ${i + 1} has no complete record`;
    }
    const segments = [reset, ...this.stack.slice(0, steps.length).map((e) => e.segment)];
    const end = segments[segments.length - 1].host;
    if (end === undefined) return 'the record holds no saved state of the binding there';
    const differs = await sendRecorded(this.target, segments.flatMap((s) => s.calls));
    if (differs !== undefined) return differs;
    host.restore(end.saved);
    this.stack.length = steps.length;
    return undefined;
  }
}

/**
 * `r` as recorded: the requests of a batch and the bytes they carry copied,
 * so a caller reusing its objects or buffers does not change the record (nor
 * what a target's replayBatch made of it).
 */
function recorded(r: RecordedRequest): RecordedRequest {
  switch (r.op) {
    case 'memWrite':
      return { ...r, data: r.data.slice() };
    case 'submit':
      return { ...r, sqe: r.sqe.slice() };
    case 'batch':
      return { op: 'batch', requests: r.requests.map((q) => (q.op === 'memWrite' ? { ...q, data: q.data.slice() } : { ...q })) };
    default:
      return r;
  }
}

/** Every call of `s` answered and none failed. */
function complete(s: Segment): boolean {
  return !s.broken && s.calls.every((c) => c.answered);
}
