// `verify --replay <suite> <index>`: one path of one suite played on the
// target from reset, every request and answer reported as it happens (the
// adapter tapped: tapAdapter.ts) and every step announced, so a firmware
// engineer sees the bytes that led to a failure. The path is named by the
// id a failure prints (models/engine/pathId.ts). Plain data back; the command prints.
import { PROFILES } from '../target/adapter.ts';
import { runSuite } from '../../models/engine/run.ts';
import { pathAt, pathId } from '../../models/engine/pathId.ts';
import { eventName, type Suite } from '../../models/engine/suite.ts';
import { openTarget } from './targets.ts';
import { deviationTarget, verifySuites, withDeviation, type RunVerifyOptions, type VerifyFailure } from './run.ts';
import { tapAdapter, type OnExchange } from './tapAdapter.ts';

export interface ReplayOptions extends Pick<RunVerifyOptions, 'target' | 'profiles' | 'vfs' | 'completionTimeoutMs' | 'suites'> {
  suite: string;
  index: number;
  onExchange: OnExchange;
  /** before each step: its 1-based number and event */
  onStep(step: number, event: string): void;
}

export interface ReplayResult {
  suite: string;
  pathId: string;
  /** the path's events joined by ' > ' */
  path: string;
  ok: boolean;
  /** why the target could not play it: the profile or a capability refused, or the path is not realisable here */
  notRun?: string;
  /** the failure, with the documented deviation of this target it is (if any): verify's exit rule makes that no failure */
  failure?: VerifyFailure;
}

/** The suite the id names among those verify would build for these options, or an error listing them. */
export function replaySuite(o: Omit<ReplayOptions, 'index' | 'onExchange' | 'onStep'>): Suite {
  const suites = verifySuites({ ...o, profiles: o.profiles ?? [...PROFILES] });
  const s = suites.find((x) => x.id === o.suite);
  if (s === undefined) {
    const vfsHint = /:vfs=\d+$/.test(o.suite) ? ' (an id ending in :vfs=N needs --vfs N)' : '';
    throw new Error(`--replay ${o.suite}: no such suite${vfsHint}; the suites are ${suites.map((x) => x.id).join(', ')}`);
  }
  return s;
}

/** A suite whose driver announces each step before playing it. */
function announcing(suite: Suite, onStep: ReplayOptions['onStep']): Suite {
  return {
    ...suite,
    implementation: (adapter) => {
      const impl = suite.implementation(adapter);
      let n = 0;
      return {
        reset: () => {
          n = 0;
          return impl.reset();
        },
        step: (event, expected) => {
          onStep(++n, eventName(event));
          return impl.step(event, expected);
        },
      };
    },
  };
}

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const suite = replaySuite(o);
  const path = pathAt(suite, o.index);
  const adapter = await openTarget(o.target);
  try {
    // every request shown as the path sends it: nothing replayed from a record
    const run = await runSuite(announcing(suite, o.onStep), tapAdapter(adapter, o.onExchange), { only: [path], useSnapshots: false, replayFromRecord: false });
    const base = { suite: suite.id, pathId: pathId(suite.id, o.index), path: path.name };
    if (run.unsupported !== undefined) return { ...base, ok: false, notRun: run.unsupported };
    if (run.notRealisable.length > 0) return { ...base, ok: false, notRun: run.notRealisable[0].reason };
    return run.failures.length > 0 ? { ...base, ok: false, failure: withDeviation(deviationTarget(o.target), run.failures[0]) } : { ...base, ok: true };
  } finally {
    await adapter.close();
  }
}
