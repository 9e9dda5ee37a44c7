// How the product explorer reads machines/system.ts: n VF regions inside the
// PF's `pfEnabled` state. While the PF is disabled every VF projects to
// 'offline', so the PF's state is carried by every region and the PF events
// are broadcasts (PF_ENABLE brings every VF online at power-on, PF_DISABLE
// and PF_FLR take every VF offline: D18).
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { regionName, systemSpec, vfLocals } from '../../machines/system.ts';
import type { SystemOptions } from '../../machines/system.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import type { ProductDecomposition } from './localRelation.ts';
import { exploreProduct } from './productExplorer.ts';
import type { ProductGraph, ProductOptions } from './productExplorer.ts';

export function systemDecomposition(spec: MachineSpec, n: number): ProductDecomposition {
  const enabled = spec.machine.root.states.pfEnabled as { id: string } | undefined;
  if (!enabled) throw new Error(`${spec.id} has no pfEnabled state; systemDecomposition reads machines/system.ts machines only`);
  return {
    regions: n,
    project: (s: AnyMachineSnapshot) => vfLocals(s, n),
    route: (e: EventObject) => {
      const vf = (e as { vf?: unknown }).vf;
      return typeof vf === 'number' ? { region: vf - 1, local: e.type } : { region: 'all', local: e.type };
    },
    regionNodeIds: Array.from({ length: n }, (_, i) => `${enabled.id}.${regionName(i + 1)}`),
  };
}

/** Explores `system:n` on packed state vectors. */
export function exploreSystem(n: number, options: ProductOptions & { system?: Partial<SystemOptions> } = {}): ProductGraph {
  const spec = systemSpec(n, options.system ?? {});
  return exploreProduct(spec, systemDecomposition(spec, n), options);
}
