// The machines a diagram command can draw. The project-wide registry does not
// exist yet, so the CLI takes the catalog as an injected function.
import type { AnyStateMachine } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';

export interface CatalogEntry {
  /** e.g. `vfLifecycle`, `pfAcceptance:lm`, `system:2` */
  id: string;
  machine: AnyStateMachine;
}

export type MachineCatalog = () => CatalogEntry[];

/** A catalog over MachineSpecs (ids and machines taken as they are). */
export function catalogFromSpecs(specs: () => MachineSpec[]): MachineCatalog {
  return () => specs().map((s) => ({ id: s.id, machine: s.machine }));
}

/** The entry with this id, or an Error that lists the valid ids. */
export function findMachine(catalog: MachineCatalog, id: string): CatalogEntry {
  const entries = catalog();
  const found = entries.find((e) => e.id === id);
  if (found) return found;
  const ids = entries.map((e) => e.id).join(', ') || '(the catalog is empty)';
  throw new Error(`unknown machine "${id}"; valid ids: ${ids}`);
}

/** A file name for a machine id: `pfAcceptance:lm` -> `pfAcceptance-lm` (portable, no separators). */
export function fileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '-');
}
