// After every reset and every step of a suite, every queue its host drivers
// use is read once more, as a host does between commands: a completion that
// arrived since is checked by the queue driver (completionCheck.ts), so one
// nobody asked for (a duplicate, a stray), a wrong SQ head or a stale phase
// tag fails the step that caused it, on every queue of every suite (the PF's
// admin queue included), without the binding asking. Completions that
// answer a waiting command stay with the tracker for the binding's reap.
//
// A binding's host driver takes its tracker from hostQueueTracker(); while a
// suite runs (runSuite) on an adapter, a tracker made on that adapter joins
// that run's watch (keyed by the adapter, so runs on other adapters at the
// same time keep their own). Bindings make their drivers in reset() (a reset
// is a new device), so the watch forgets the trackers it had at each reset:
// an old tracker would read the new device's queues with the old one's
// account.
//
// Reading again what was just read finds nothing: most steps end with the
// binding reaping its drivers' queues, and on a synchronous target (one that
// posts a completion only within the write that causes it, ResetInfo) a
// queue read after that reap, with nothing written to the device since,
// reads the same bytes and judges them the same way. So the watch counts the
// operations that may change the device (observe) and leaves out the look
// of a tracker whose every function was reaped with nothing changed since.
import { QueueTracker, type AfterRead, type QueueTrackerOptions } from '../../src/target/queueTracker.ts';
import { together, type BatchOps } from '../../src/target/batch.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import type { Implementation } from '../../src/paths/trie.ts';

const watching = new WeakMap<BatchOps, QueueWatch>();

/** What a watch knows of the device: how many operations that may change it were asked for, whether it is synchronous, and whether its last reset lets it be snapshotted. */
interface DeviceChanges {
  count: number;
  synchronous: boolean;
  snapshots: boolean;
}

/** A queue tracker for a binding's host driver, watched by the suite run in progress on `raw` (if any). */
export function hostQueueTracker(raw: BatchOps, options?: QueueTrackerOptions): QueueTracker {
  const watch = watching.get(raw);
  if (watch === undefined) return new QueueTracker(raw, options);
  const t = new WatchedTracker(raw, watch.changes, options);
  watch.trackers.add(t);
  return t;
}

/**
 * A tracker that knows when a sweep of it would find nothing: each of its
 * functions (it has queues on none it was not told of in a register write)
 * was reaped with no change to the device during or since that reap, and
 * the tracker learnt nothing in between. Any other call forgets that.
 */
class WatchedTracker extends QueueTracker {
  private readonly fns = new Set<number>();
  /** per function: the change count at which a reap looked at all its queues and changed nothing */
  private readonly quiet = new Map<number, number>();
  private readonly own = new WeakSet<object>();
  /** restored a state another tracker saved: its functions are not known here, so every sweep looks */
  private foreign = false;
  /**
   * The saved state this tracker's equals (it saved or restored it and has
   * learnt nothing since): saving hands it out again and restoring it is
   * nothing to do. A driver the step left alone is not copied back at the
   * runner's next restore.
   */
  private current: unknown;

  constructor(
    raw: BatchOps,
    private readonly changes: DeviceChanges,
    options?: QueueTrackerOptions,
  ) {
    super(raw, options);
  }

  private learning(): void {
    // (clearing allocates a new table even when empty; this runs at every register write and submit)
    if (this.quiet.size > 0) this.quiet.clear();
    this.current = undefined;
  }

  override async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint, ccBefore?: bigint): Promise<void> {
    this.learning();
    this.fns.add(fn);
    return super.regWrite(fn, offset, width, value, ccBefore);
  }

  override async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    this.learning();
    return super.submit(fn, qid, sqe);
  }

  override async submitReading(fn: number, qid: number, sqe: Uint8Array, reads: readonly AfterRead[]): Promise<{ cqe: Uint8Array | null; data: Uint8Array[] | null }> {
    this.learning();
    return super.submitReading(fn, qid, sqe, reads);
  }

  override async submitRun(fn: number, qid: number, sqes: readonly Uint8Array[], o?: { untilNull?: boolean }): Promise<Array<Uint8Array | null>> {
    this.learning();
    return super.submitRun(fn, qid, sqes, o);
  }

  // A look that consumes a completion writes the CQ's head doorbell, which
  // counts as a change: a look during which nothing changed consumed nothing
  // and left the tracker as it was.

  override async reap(fn: number): Promise<Uint8Array[]> {
    const before = this.changes.count;
    const current = this.current;
    this.current = undefined;
    const got = await super.reap(fn);
    if (this.changes.count === before) {
      this.quiet.set(fn, before);
      this.current = current;
    }
    return got;
  }

  override async sweep(): Promise<void> {
    const before = this.changes.count;
    if (this.changes.synchronous && !this.foreign && [...this.fns].every((fn) => this.quiet.get(fn) === before)) return;
    const current = this.current;
    this.current = undefined;
    await super.sweep();
    if (this.changes.count === before) {
      for (const fn of this.fns) this.quiet.set(fn, before);
      this.current = current;
    }
  }

  override adopt(fn: number, sqe: Uint8Array): void {
    this.learning();
    super.adopt(fn, sqe);
  }

  override async skipForeignCompletions(fn: number): Promise<number> {
    this.learning();
    return super.skipForeignCompletions(fn);
  }

  override forgetFunction(fn: number): void {
    this.learning();
    super.forgetFunction(fn);
  }

  override forgetAll(): void {
    this.learning();
    super.forgetAll();
  }

  override saveState(): unknown {
    if (this.current !== undefined) return this.current;
    const s = super.saveState();
    if (typeof s === 'object' && s !== null) this.own.add(s);
    this.current = s;
    return s;
  }

  override restoreState(saved: unknown): void {
    if (saved !== undefined && saved === this.current) return;
    this.learning();
    if (typeof saved !== 'object' || saved === null || !this.own.has(saved)) this.foreign = true;
    super.restoreState(saved);
    this.current = saved;
  }
}

export class QueueWatch {
  readonly trackers = new Set<QueueTracker>();
  readonly changes: DeviceChanges = { count: 0, synchronous: false, snapshots: false };

  /**
   * `adapter` counting every operation that may change the device (all but
   * register and memory reads and snapshots), and learning from each reset
   * whether the device is synchronous and may be snapshotted (ResetInfo). Give the binding this one, or an
   * adapter over it (the replay record: what it sends again is counted too).
   */
  observe(adapter: Adapter): Adapter {
    const c = this.changes;
    const changing = <T>(result: Promise<T>): Promise<T> => {
      c.count++;
      return result;
    };
    const a: Adapter = {
      // the order calls reach the device is the adapter's (replayRecord.ts asks)
      ...(adapter.keepsCallOrder !== undefined ? { keepsCallOrder: adapter.keepsCallOrder } : {}),
      reset: async (o) => {
        c.count++;
        c.synchronous = false;
        c.snapshots = false;
        const info = await adapter.reset(o);
        c.synchronous = info?.synchronous === true;
        c.snapshots = adapter.snapshot !== undefined && adapter.restore !== undefined && info?.snapshots !== false;
        return info;
      },
      regWrite: (fn, offset, width, value) => changing(adapter.regWrite(fn, offset, width, value)),
      regRead: (fn, offset, width) => adapter.regRead(fn, offset, width),
      memWrite: (addr, data) => changing(adapter.memWrite(addr, data)),
      memRead: (addr, len) => adapter.memRead(addr, len),
      submit: (fn, qid, sqe) => changing(adapter.submit(fn, qid, sqe)),
      flr: (fn) => changing(adapter.flr(fn)),
      close: () => adapter.close(),
    };
    const { reap, batch, replayBatch, completeIo, snapshot, restore, release } = adapter;
    if (reap) a.reap = (fn) => changing(reap.call(adapter, fn));
    if (batch) a.batch = (requests) => changing(batch.call(adapter, requests));
    if (batch && replayBatch) a.replayBatch = (requests, expected) => changing(replayBatch.call(adapter, requests, expected));
    if (completeIo) a.completeIo = (fn, count) => changing(completeIo.call(adapter, fn, count));
    if (snapshot && restore) {
      a.snapshot = () => snapshot.call(adapter);
      a.restore = (s) => changing(restore.call(adapter, s));
      if (release) a.release = (s) => release.call(adapter, s);
    }
    return a;
  }

  /** Run `body` with this watch taking every tracker made on `adapter` meanwhile. */
  async during<T>(adapter: BatchOps, body: () => Promise<T>): Promise<T> {
    const outer = watching.get(adapter);
    watching.set(adapter, this);
    try {
      return await body();
    } finally {
      if (outer === undefined) watching.delete(adapter);
      else watching.set(adapter, outer);
    }
  }

  /** `impl` with every watched tracker swept after its reset and after each step; snapshots and its host state pass through. */
  watch<S>(impl: Implementation<S>): Implementation<S> {
    const watched: Implementation<S> = {
      reset: async () => {
        this.trackers.clear();
        await impl.reset();
        await this.sweep();
      },
      step: async (event, expected) => {
        await impl.step(event, expected);
        await this.sweep();
      },
    };
    const { snapshot, restore, release, hostState } = impl;
    if (snapshot && restore) {
      watched.snapshot = () => snapshot.call(impl);
      watched.restore = (s) => restore.call(impl, s);
      if (release) watched.release = (s) => release.call(impl, s);
    }
    // the trackers are the binding's: its state holds theirs
    if (hostState) watched.hostState = hostState;
    return watched;
  }

  private async sweep(): Promise<void> {
    // asked for together: a batch target answers every tracker's looks in one round trip
    await together([...this.trackers].map((t) => t.sweep()));
  }
}
