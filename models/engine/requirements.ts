// What a suite needs from a target beyond the Adapter's required operations,
// and how the run engine tells whether a target has it. A profile whose
// suites need another optional operation adds a row here; the engine
// (models/engine/run.ts) only walks the table.
import type { Adapter } from '../../src/target/adapter.ts';

/** What a binding needs from the target beyond the Adapter's required ops. */
export interface Requirements {
  /** the suite holds I/O in flight (ioCompletion 'deferred' and Adapter.completeIo) */
  deferredIo?: boolean;
}

interface Requirement {
  /** the target meets it */
  met(adapter: Adapter): boolean;
  /** why a suite that needs it cannot run on a target without it */
  why: string;
}

const REQUIREMENTS: { readonly [K in keyof Required<Requirements>]: Requirement } = {
  deferredIo: {
    met: (adapter) => adapter.completeIo !== undefined,
    why: 'the suite holds I/O in flight (ioCompletion deferred) and this implementation has no completeIo',
  },
};

/** Why `adapter` cannot run a suite that requires `requires`, or undefined when it can. */
export function unmetRequirement(requires: Requirements, adapter: Adapter): string | undefined {
  for (const name of Object.keys(REQUIREMENTS) as Array<keyof Requirements>) {
    if (requires[name] === true && !REQUIREMENTS[name].met(adapter)) return REQUIREMENTS[name].why;
  }
  return undefined;
}
