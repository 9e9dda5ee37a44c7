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
import { QueueTracker, type QueueTrackerOptions } from '../../src/target/queueTracker.ts';
import { together, type BatchOps } from '../../src/target/batch.ts';
import type { Implementation } from '../../src/paths/trie.ts';

const watching = new WeakMap<BatchOps, QueueWatch>();

/** A queue tracker for a binding's host driver, watched by the suite run in progress on `raw` (if any). */
export function hostQueueTracker(raw: BatchOps, options?: QueueTrackerOptions): QueueTracker {
  const t = new QueueTracker(raw, options);
  watching.get(raw)?.trackers.add(t);
  return t;
}

export class QueueWatch {
  readonly trackers = new Set<QueueTracker>();

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

  /** `impl` with every watched tracker swept after its reset and after each step; snapshots pass through. */
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
    const { snapshot, restore } = impl;
    if (snapshot && restore) {
      watched.snapshot = () => snapshot.call(impl);
      watched.restore = (s) => restore.call(impl, s);
    }
    return watched;
  }

  private async sweep(): Promise<void> {
    // asked for together: a batch target answers every tracker's looks in one round trip
    await together([...this.trackers].map((t) => t.sweep()));
  }
}
