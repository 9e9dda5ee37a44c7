// machines/system.ts on the product explorer: its systemDecomposition(n)
// projects each VF to its local state, or 'offline' while the PF is disabled,
// so the PF's state is carried by every region and the PF events are
// broadcasts (PF_ENABLE brings every VF online at power-on, PF_DISABLE and
// PF_FLR take every VF offline: D18).
import { systemDecomposition, systemSpec } from '../../machines/system.ts';
import type { SystemOptions } from '../../machines/system.ts';
import { exploreProduct } from './productExplorer.ts';
import type { ProductGraph, ProductOptions } from './productExplorer.ts';

/** Explores `system:n` on packed state vectors. */
export function exploreSystem(n: number, options: ProductOptions & { system?: Partial<SystemOptions> } = {}): ProductGraph {
  return exploreProduct(systemSpec(n, options.system ?? {}), systemDecomposition(n), options);
}
