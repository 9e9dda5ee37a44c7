// The tp4159Acceptance byte binding catches a broken emulator: the mutant
// cdqForPf creates a Controller Data Queue for the PF's own CNTLID, which
// D20 and D28 forbid (Invalid Controller Identifier, 1/1Fh, nothing created).
// Only the Controller Data Queue Create paths run, on the correct emulator
// (all pass) and on the mutant (the CQS = PF path fails, by name). Two more
// mutants show the other comparisons can fail: a failing Set State that
// leaves queues behind (partialSetState, I3/I11: "nothing changed") and
// Track Send accepted on a suspended VF (trackWhileSuspended, D29).
import { describe, expect, it } from 'vitest';
import { tpAcceptanceSuites } from '../../models/bindings/tp4159Acceptance.ts';
import { Mismatch } from '../../models/engine/suite.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { runPaths, type PathResult } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

const [suite] = tpAcceptanceSuites({ timeoutMs: 0 });
const creates = suite.paths().filter((p) => p.name.includes('OPC_CDQ > SEL_CREATE'));

async function run(mutant?: Mutant, paths = creates): Promise<PathResult[]> {
  return (await runPaths(paths, suite.implementation(new EmulatorAdapter(mutant ? { mutant } : {})))).results;
}

describe('tp4159Acceptance on a broken emulator', () => {
  it('the Create paths pass on the correct emulator (so a failure below is the mutant\'s)', async () => {
    expect(creates.length).toBeGreaterThan(5);
    const failed = (await run()).filter((r) => !r.ok);
    expect(failed.map((r) => `${r.path.name}: ${String(r.error)}`)).toEqual([]);
  });

  it('D20, D28: mutant cdqForPf (a CDQ created for the PF\'s own CNTLID) fails the path naming the PF in CQS, with Invalid Controller Identifier expected', async () => {
    const failed = (await run('cdqForPf')).filter((r) => !r.ok);
    expect(failed.map((r) => r.path.name)).toEqual(['QUEUE_PF_ADMIN > OPC_CDQ > SEL_CREATE > QT_UDMQ > CDQSIZE_OK > PC_CONTIGUOUS > CNTLID_PF']);
    const error = failed[0].error;
    expect(error).toBeInstanceOf(Mismatch);
    expect((error as Mismatch).expected).toMatch(/Invalid Controller Identifier/);
    expect((error as Mismatch).what).toMatch(/D28/);
  });

  it('I3, I11: mutant partialSetState (a Set State whose data fails a check has already created its CQs) fails the data paths on "nothing changed"', async () => {
    const data = suite.paths().filter((p) => p.name.includes('> DATA_'));
    const failed = (await run('partialSetState', data)).filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) {
      expect(r.path.name).toMatch(/> DATA_(?!VALID|LONGER)/);
      expect((r.error as Mismatch).what).toMatch(/a rejection changes nothing \(I3, I9\)/);
    }
  });

  it('D29: mutant trackWhileSuspended fails the path of a Track Send start on a suspended VF', async () => {
    const track = suite.paths().filter((p) => p.name.includes('OPC_TRACK_SEND'));
    const failed = (await run('trackWhileSuspended', track)).filter((r) => !r.ok);
    expect(failed.map((r) => r.path.name)).toEqual(['QUEUE_PF_ADMIN > OPC_TRACK_SEND > SEL_LOG_USER_DATA > LACT_START > CDQID_KNOWN > VF_SUSPENDED']);
  });
});
