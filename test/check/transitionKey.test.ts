// One key per concrete transition (src/check/transitionKey.ts): the run
// engine, the check job and the verify job count coverage with it, so a
// transition a path takes and the same one in the explored graph meet.
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import { initialStateKey, stepTransitionKeys, transitionKey } from '../../src/check/transitionKey.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import { runSuite } from '../../models/engine/run.ts';
import { suitesFor } from '../../models/catalog.ts';
import { EMULATOR_SAVED_FORMAT } from '../../models/host/savedFormat.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { vfToy } from './toys.ts';

describe('transitionKey', () => {
  it('reads `from > EVENT(args) > to`, arguments sorted as eventLabel prints them', () => {
    expect(transitionKey('a', { type: 'SAVE', vf: 1, mode: 'x' } as { type: string }, 'b')).toBe('a > SAVE(mode=x, vf=1) > b');
  });

  it('the initial key is the explored graph\'s first state, and every path step meets a graph transition', () => {
    const spec = vfToy({});
    const g = explore(spec);
    expect(initialStateKey(spec)).toBe(g.keys[0]);
    const graphKeys = new Set(g.transitions.map((t) => transitionKey(g.keys[t.from], g.events[t.event], g.keys[t.to])));
    const paths = transitionCover(g);
    const taken = new Set(paths.flatMap((p) => stepTransitionKeys(g.keys[0], p.steps)));
    expect(taken.size).toBeGreaterThan(0);
    expect([...taken].filter((k) => !graphKeys.has(k))).toEqual([]);
  });

  it('runSuite counts no transition twice: vfioMigration:p2p, whose walks return to the initial state, covers exactly its reachable transitions', async () => {
    const suite = suitesFor([], { timeoutMs: 0, savedFormat: EMULATOR_SAVED_FORMAT }).find((s) => s.id === 'vfioMigration:p2p');
    if (!suite) throw new Error('no suite vfioMigration:p2p in the catalog');
    const adapter = new EmulatorAdapter();
    try {
      const run = await runSuite(suite, adapter);
      expect(run.failed).toBe(0);
      // before one key: 309, the first step's `from` was a literal 'initial', not the initial state's key
      expect(run.coveredTransitions).toBe(explore(suite.spec).transitions.length);
    } finally {
      await adapter.close();
    }
  });
});
