// A binding's snapshot for the prefix-sharing runner: the target's own
// (Adapter.snapshot, opaque) and the binding's memory of it (drivers, books,
// the machine state it steps alongside), taken and restored together. Only
// where the target can snapshot; elsewhere the runner replays from reset.
import type { Adapter } from '../../src/target/adapter.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';

export interface DeviceSnapshot<B> {
  device: unknown;
  binding: B;
}

/**
 * snapshot/restore for an Implementation (none when the adapter cannot
 * snapshot), and its hostState: the binding's part alone, which a target
 * without snapshots gets back by other means (replayRecord.ts).
 */
export function deviceSnapshots<B>(adapter: Adapter, binding: { save(): B; restore(b: B): void }): Pick<Implementation<DeviceSnapshot<B>>, 'snapshot' | 'restore' | 'release' | 'hostState'> {
  const hostState: HostState = { save: () => binding.save(), restore: (b) => binding.restore(b as B) };
  const { snapshot, restore, release } = adapter;
  if (!snapshot || !restore) return { hostState };
  return {
    hostState,
    snapshot: async () => ({ device: await snapshot.call(adapter), binding: binding.save() }),
    restore: async (s) => {
      await restore.call(adapter, s.device);
      binding.restore(s.binding);
    },
    ...(release ? { release: (s: DeviceSnapshot<B>) => release.call(adapter, s.device) } : {}),
  };
}

/**
 * A copy of a binding's book for a snapshot. A book's fields are replaced
 * whole and never changed in place (byte arrays and saved images are filed
 * once and then only read), so copying one level copies all that can change.
 * structuredClone copied every saved image's VM pages on each of the runner's
 * restores, the largest single cost of the check (issue 17).
 */
export function copyBook<B extends object>(book: B): B {
  return { ...book };
}
