// The machines a diagram command can draw. The project-wide registry does not
// exist yet, so the CLI takes the catalog as an injected function.
import type { AnyStateMachine } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';

export interface CatalogEntry {
  /** e.g. `vfLifecycle`, `pfAcceptance:lm`, `system:2` */
  id: string;
  machine: AnyStateMachine;
}

/**
 * The listed machines; `lookup`, when present, also builds machines the list
 * only stands for (`system:<n>` for every n, while the list holds `system:2`)
 * and throws an error that lists the valid ids for any other id.
 */
export type MachineCatalog = (() => CatalogEntry[]) & { lookup?: (id: string) => CatalogEntry };

/** A catalog over MachineSpecs (ids and machines taken as they are); `lookup` finds one spec by id, as machines/catalog.ts machineSpec does. */
export function catalogFromSpecs(specs: () => MachineSpec[], lookup?: (id: string) => MachineSpec): MachineCatalog {
  const toEntry = (s: MachineSpec): CatalogEntry => ({ id: s.id, machine: s.machine });
  const catalog: MachineCatalog = () => specs().map(toEntry);
  if (lookup) catalog.lookup = (id) => toEntry(lookup(id));
  return catalog;
}

/** The entry with this id, or an Error that lists the valid ids. */
export function findMachine(catalog: MachineCatalog, id: string): CatalogEntry {
  const entries = catalog();
  const found = entries.find((e) => e.id === id);
  if (found) return found;
  if (catalog.lookup) return catalog.lookup(id);
  const ids = entries.map((e) => e.id).join(', ') || '(the catalog is empty)';
  throw new Error(`unknown machine "${id}"; valid ids: ${ids}`);
}

/** A file name for a machine id: `pfAcceptance:lm` -> `pfAcceptance-lm` (portable, no separators). */
export function fileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '-');
}
