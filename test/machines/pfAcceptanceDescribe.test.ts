// describeCommand: the bridge to the byte bindings. A path's command must be
// buildable mechanically and carry exactly the defect its final state names.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import {
  describePath,
  expectedOutcome,
  PF_ACCEPTANCE_OPTION_SETS,
  pfAcceptanceSpec,
  type AcceptanceEvent,
  type CommandToBuild,
  type FinalName,
} from '../../machines/pfAcceptance.ts';
import { bfs } from './pfAcceptanceBfs.ts';

/** The defects a described command carries, compared with a clean LM command. */
function defects(c: CommandToBuild, vfs: number): string[] {
  const found: string[] = [];
  if (c.queue.kind !== 'pfAdmin') found.push('queue');
  if (c.opcodeName === 'OTHER') return [...found, 'opcode'];
  if (c.fuse !== 0) found.push('fuse');
  if (c.psdt !== 0) found.push('psdt');
  if (c.reservedBit !== null) found.push('reserved');
  if (c.nsid !== 0) found.push('nsid');
  if (c.vfIndex < 1 || c.vfIndex > vfs) found.push('vfIndex');
  if ((c.opcodeName === 'SAVE' || c.opcodeName === 'LOAD') && c.queue.kind === 'pfAdmin' && c.vfState === 'running') found.push('vfState');
  if (c.prp !== undefined && c.prp.situation !== 'valid') found.push('prp');
  if (c.load !== undefined && c.load.situation !== 'valid') found.push('load');
  return found;
}

/** The one defect each rejection's shortest path must carry (profile-level rejections carry none). */
const DEFECT_OF: Partial<Record<FinalName, string[]>> = {
  rejectedVfQueue: ['queue'],
  droppedVfQueue: ['queue'],
  rejectedVfUnknownOpcode: ['queue'],
  rejectedIoQueue: ['queue'],
  rejectedUnknownOpcode: [],
  executedForeignErase: [],
  notLmCommand: ['opcode'],
  rejectedFuse: ['fuse'],
  rejectedPsdt: ['psdt'],
  rejectedReserved: ['reserved'],
  rejectedNsid: ['nsid'],
  rejectedVfIndexZero: ['vfIndex'],
  rejectedVfIndexAbove: ['vfIndex'],
  rejectedSequence: ['vfState'],
  rejectedPrpOffset: ['prp'],
  rejectedDataTransfer: ['prp'],
  rejectedLoadSizeZero: ['load'],
  rejectedLoadSizeOverBuffer: ['load'],
  rejectedLoadSizeMismatch: ['load'],
  rejectedLoadMagic: ['load'],
  rejectedLoadVersion: ['load'],
  rejectedLoadChecksum: ['load'],
  rejectedLoadGeometry: ['load'],
};

describe('pfAcceptance: describing a path as a command to build', () => {
  for (const options of PF_ACCEPTANCE_OPTION_SETS) {
    const spec = pfAcceptanceSpec(options);
    it(`D1 D4 D5 D7 D9 D10 D17: on ${spec.id}, every final state's shortest path describes a command with exactly the defect that final names`, () => {
      for (const [final, path] of bfs(spec).finals) {
        const c = describePath(options, path as AcceptanceEvent[]);
        expect(c.final).toBe(final);
        const expected = DEFECT_OF[final as FinalName] ?? [];
        expect({ final, defects: defects(c, options.vfs) }).toEqual({ final, defects: expected });
        expect(c.words).toMatch(/\. Expect: .+\.$/);
      }
    });
  }

  it('the described outcome is the one expectedOutcome gives for the final snapshot', () => {
    const options = PF_ACCEPTANCE_OPTION_SETS[0];
    const spec = pfAcceptanceSpec(options);
    for (const path of bfs(spec).finals.values()) {
      let [s] = initialTransition(spec.machine);
      for (const e of path) [s] = transition(spec.machine, s, e);
      expect(describePath(options, path as AcceptanceEvent[]).expected).toEqual(expectedOutcome(s));
    }
  });

  it('D7: a LOAD with a bad checksum is described field by field', () => {
    const path: AcceptanceEvent[] = [
      { type: 'QUEUE_PF_ADMIN' },
      { type: 'OPC_LOAD' },
      { type: 'FUSE_ZERO' },
      { type: 'PSDT_PRP' },
      { type: 'RESERVED_CDW10_HIGH' },
      { type: 'NSID_ZERO' },
      { type: 'VF_INDEX', index: 2 },
      { type: 'VF_SAVED' },
      { type: 'PRP_VALID' },
      { type: 'LOAD_BAD_CHECKSUM' },
    ];
    const c = describePath({ profile: 'lm' }, path);
    expect(c).toMatchObject({
      final: 'rejectedLoadChecksum',
      queue: { kind: 'pfAdmin' },
      opcode: 0xd5,
      fuse: 0,
      psdt: 0,
      reservedBit: { dword: 10, bit: 16 },
      nsid: 0,
      vfIndex: 2,
      vfState: 'saved',
      prp: { situation: 'valid' },
      load: { situation: 'badChecksum', size: 'the recorded length' },
      expected: { completion: 'one', sct: 0, sc: 0x02, dnr: true, decision: 'D7' },
    });
    expect(c.preconditions).toContain('VF 2 in LM state saved (SUSPEND, SAVE)');
    expect(c.preconditions).toContain('host memory holds an image from a SAVE of VF 2');
  });

  it('D1: an LM opcode on a VF admin queue is sent on VF 1\'s own queue with CDW10 = 1', () => {
    const c = describePath({ profile: 'lm', vfQueuePolicy: 'drop' }, [{ type: 'QUEUE_VF_ADMIN' }, { type: 'OPC_SUSPEND' }]);
    expect(c).toMatchObject({ queue: { kind: 'vfAdmin', vf: 1 }, opcode: 0xc8, vfIndex: 1, expected: { completion: 'none', decision: 'D1' } });
    expect(c.prp).toBeUndefined();
    expect(c.preconditions).toContain("VF 1's controller enabled with its admin queue");
  });

  it('D10: each reserved classification names one bit of one command dword', () => {
    const at = (reserved: AcceptanceEvent['type']) =>
      describePath({ profile: 'lm', strict: true }, [{ type: 'QUEUE_PF_ADMIN' }, { type: 'OPC_QUERY' }, { type: 'FUSE_ZERO' }, { type: 'PSDT_PRP' }, { type: reserved } as AcceptanceEvent])
        .reservedBit;
    expect(at('RESERVED_CDW0')).toEqual({ dword: 0, bit: 10 });
    expect(at('RESERVED_CDW10_HIGH')).toEqual({ dword: 10, bit: 16 });
    expect(at('RESERVED_CDW12')).toEqual({ dword: 12, bit: 0 });
  });

  it('a path that stops between stages, or lists an event out of stage order, is refused with a message saying what to do', () => {
    expect(() => describePath({ profile: 'lm' }, [{ type: 'QUEUE_PF_ADMIN' }, { type: 'OPC_SAVE' }])).toThrow(
      /still at stage "fuse".*extend the path/,
    );
    expect(() => describePath({ profile: 'lm' }, [{ type: 'OPC_SAVE' }])).toThrow(/not accepted at stage "queue".*stage order/);
  });
});
