// A binding's snapshot for the prefix-sharing runner: the target's own
// (Adapter.snapshot, opaque) and the binding's memory of it (drivers, books,
// the machine state it steps alongside), taken and restored together. Only
// where the target can snapshot; elsewhere the runner replays from reset.
import type { Adapter } from '../../src/target/adapter.ts';
import type { Implementation } from '../../src/paths/trie.ts';

export interface DeviceSnapshot<B> {
  device: unknown;
  binding: B;
}

/** snapshot/restore for an Implementation: none when the adapter cannot snapshot. */
export function deviceSnapshots<B>(adapter: Adapter, binding: { save(): B; restore(b: B): void }): Pick<Implementation<DeviceSnapshot<B>>, 'snapshot' | 'restore'> {
  const { snapshot, restore } = adapter;
  if (!snapshot || !restore) return {};
  return {
    snapshot: async () => ({ device: await snapshot.call(adapter), binding: binding.save() }),
    restore: async (s) => {
      await restore.call(adapter, s.device);
      binding.restore(s.binding);
    },
  };
}
