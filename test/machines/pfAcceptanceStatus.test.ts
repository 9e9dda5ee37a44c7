// The status each decision prescribes, one command at a time. `command` builds
// a well-formed command's events stage by stage with at most the named
// defects; `run` replays them until the machine ends.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import {
  createPfAcceptance,
  expectedOutcome,
  finalStateOf,
  type AcceptanceEvent,
  type ExpectedOutcome,
  type FinalName,
  type LmState,
  type PfAcceptanceOptionsInput,
} from '../../machines/pfAcceptance.ts';

type Op = 'QUERY' | 'SUSPEND' | 'RESUME' | 'SAVE' | 'LOAD';
const OPS: Op[] = ['QUERY', 'SUSPEND', 'RESUME', 'SAVE', 'LOAD'];
const STATES: LmState[] = ['running', 'suspended', 'saved', 'loaded'];

interface Fields {
  queue?: 'QUEUE_PF_ADMIN' | 'QUEUE_VF_ADMIN' | 'QUEUE_IO';
  fuse?: 'FUSE_ZERO' | 'FUSE_SET';
  psdt?: 'PSDT_PRP' | 'PSDT_SGL';
  reserved?: 'RESERVED_NONE' | 'RESERVED_CDW0' | 'RESERVED_CDW10_HIGH' | 'RESERVED_CDW12';
  nsid?: 'NSID_ZERO' | 'NSID_NONZERO';
  vfIndex?: number;
  vfState?: LmState;
  prp?: 'PRP_VALID' | 'PRP_ENTRY2_OFFSET' | 'PRP_LIST_ENTRY_OFFSET' | 'PRP_UNMAPPED';
  load?: AcceptanceEvent['type'];
}

const STATE_EVENT: Record<LmState, AcceptanceEvent['type']> = {
  running: 'VF_RUNNING',
  suspended: 'VF_SUSPENDED',
  saved: 'VF_SAVED',
  loaded: 'VF_LOADED',
};

function command(op: Op | 'OTHER', f: Fields = {}): AcceptanceEvent[] {
  const e = (type: AcceptanceEvent['type']): AcceptanceEvent => ({ type }) as AcceptanceEvent;
  const events: AcceptanceEvent[] = [
    e(f.queue ?? 'QUEUE_PF_ADMIN'),
    e(`OPC_${op}` as AcceptanceEvent['type']),
    e(f.fuse ?? 'FUSE_ZERO'),
    e(f.psdt ?? 'PSDT_PRP'),
    e(f.reserved ?? 'RESERVED_NONE'),
    e(f.nsid ?? 'NSID_ZERO'),
    { type: 'VF_INDEX', index: f.vfIndex ?? 1 },
    e(STATE_EVENT[f.vfState ?? (op === 'SAVE' || op === 'LOAD' ? 'suspended' : 'running')]),
  ];
  if (op === 'SAVE' || op === 'LOAD') events.push(e(f.prp ?? 'PRP_VALID'));
  if (op === 'LOAD') events.push(e(f.load ?? 'LOAD_VALID'));
  return events;
}

/** Replays until the command ends; fails if it never does. */
function run(options: PfAcceptanceOptionsInput, events: AcceptanceEvent[]): { final: FinalName; outcome: ExpectedOutcome } {
  const machine = createPfAcceptance(options);
  let [s] = initialTransition(machine);
  for (const event of events) {
    if (s.status === 'done') break;
    [s] = transition(machine, s, event);
  }
  return { final: finalStateOf(s), outcome: expectedOutcome(s) };
}

const INVALID_OPCODE = { completion: 'one', sct: 0, sc: 0x01, dnr: true, effect: { kind: 'none' } } as const;
const INVALID_FIELD = { completion: 'one', sct: 0, sc: 0x02, dnr: true, effect: { kind: 'none' } } as const;
const LM: PfAcceptanceOptionsInput = { profile: 'lm' };

describe('D1: LM opcodes on a VF admin queue', () => {
  for (const op of OPS) {
    it(`D1: ${op} on a VF admin queue is rejected with Invalid Command Opcode, DNR, nothing changes`, () => {
      expect(run(LM, command(op, { queue: 'QUEUE_VF_ADMIN' }))).toEqual({
        final: 'rejectedVfQueue',
        outcome: { ...INVALID_OPCODE, decision: 'D1' },
      });
    });
    it(`D1: ${op} on a VF admin queue under policy drop gets no completion at all`, () => {
      expect(run({ profile: 'lm', vfQueuePolicy: 'drop' }, command(op, { queue: 'QUEUE_VF_ADMIN' }))).toEqual({
        final: 'droppedVfQueue',
        outcome: { completion: 'none', decision: 'D1', effect: { kind: 'none' } },
      });
    });
  }

  it('D1: the VF queue verdict does not depend on any later field (the VF never looks past the opcode)', () => {
    const events = command('SUSPEND', { queue: 'QUEUE_VF_ADMIN', fuse: 'FUSE_SET', vfIndex: 0 });
    expect(run(LM, events).final).toBe('rejectedVfQueue');
  });

  it('D1: an LM opcode on an I/O queue is Invalid Command Opcode, DNR, on every profile', () => {
    for (const profile of ['lm', 'no-lm', 'reserved', 'foreign'] as const) {
      for (const op of OPS) {
        expect(run({ profile, vfQueuePolicy: 'drop' }, command(op, { queue: 'QUEUE_IO' }))).toEqual({
          final: 'rejectedIoQueue',
          outcome: { ...INVALID_OPCODE, decision: 'D1' },
        });
      }
    }
  });

  it('a non-LM opcode ends at the opcode stage as out of scope, on every queue', () => {
    for (const queue of ['QUEUE_PF_ADMIN', 'QUEUE_VF_ADMIN', 'QUEUE_IO'] as const) {
      const r = run(LM, command('OTHER', { queue }));
      expect(r.final).toBe('notLmCommand');
      expect(r.outcome.completion).toBe('unspecified');
    }
  });
});

describe('D17 and D2: what each profile\'s device does with the five opcodes', () => {
  for (const op of OPS) {
    it(`D17: no-lm rejects ${op} on the PF with Invalid Command Opcode, DNR (as QEMU 7.2 does)`, () => {
      expect(run({ profile: 'no-lm' }, command(op))).toEqual({
        final: 'rejectedUnknownOpcode',
        outcome: { ...INVALID_OPCODE, decision: 'D17' },
      });
    });
    it(`D17: no-lm rejects ${op} on a VF admin queue with Invalid Command Opcode, DNR, even under policy drop`, () => {
      expect(run({ profile: 'no-lm', vfQueuePolicy: 'drop' }, command(op, { queue: 'QUEUE_VF_ADMIN' }))).toEqual({
        final: 'rejectedVfUnknownOpcode',
        outcome: { ...INVALID_OPCODE, decision: 'D17' },
      });
    });
  }

  it('D17: foreign executes 0xC4 as another vendor\'s command that erases the namespace', () => {
    expect(run({ profile: 'foreign' }, command('QUERY'))).toEqual({
      final: 'executedForeignErase',
      outcome: { completion: 'one', sct: 0, sc: 0, dnr: false, decision: 'D17', effect: { kind: 'namespaceErased' } },
    });
  });

  it('D17: foreign knows none of the other four opcodes, on the PF or a VF', () => {
    for (const op of ['SUSPEND', 'RESUME', 'SAVE', 'LOAD'] as const) {
      expect(run({ profile: 'foreign' }, command(op)).outcome).toEqual({ ...INVALID_OPCODE, decision: 'D17' });
    }
    for (const op of OPS) {
      expect(run({ profile: 'foreign' }, command(op, { queue: 'QUEUE_VF_ADMIN' })).final).toBe('rejectedVfUnknownOpcode');
    }
  });

  it('D2 D17: the reserved capability byte (0x02) device still executes every command exactly as lm does', () => {
    // D2 says the HOST must treat 0x02 as "not supported" and never send these
    // commands; that refusal is the host driver's business (src/host), not the
    // device's. The device itself executes them like lm (D17).
    for (const op of OPS) {
      for (const vfState of STATES) {
        for (const fields of [{ vfState }, { vfState, vfIndex: 0 }, { vfState, fuse: 'FUSE_SET' as const }]) {
          expect(run({ profile: 'reserved' }, command(op, fields))).toEqual(run(LM, command(op, fields)));
        }
      }
    }
    expect(run({ profile: 'reserved' }, command('SUSPEND')).final).toBe('executedSuspend');
  });
});

describe('D9: FUSE and PSDT', () => {
  for (const op of OPS) {
    it(`D9: ${op} with FUSE != 0 is Invalid Field in Command, DNR`, () => {
      expect(run(LM, command(op, { fuse: 'FUSE_SET' }))).toEqual({ final: 'rejectedFuse', outcome: { ...INVALID_FIELD, decision: 'D9' } });
    });
    it(`D9: ${op} with PSDT != 00b is Invalid Field in Command, DNR`, () => {
      expect(run(LM, command(op, { psdt: 'PSDT_SGL' }))).toEqual({ final: 'rejectedPsdt', outcome: { ...INVALID_FIELD, decision: 'D9' } });
    });
  }
});

describe('D10: reserved bits and NSID', () => {
  const reservedEvents = ['RESERVED_CDW0', 'RESERVED_CDW10_HIGH', 'RESERVED_CDW12'] as const;
  for (const op of OPS) {
    it(`D10: strict rejects ${op} with any reserved bit set or NSID != 0, Invalid Field, DNR`, () => {
      for (const reserved of reservedEvents) {
        expect(run({ profile: 'lm', strict: true }, command(op, { reserved }))).toEqual({
          final: 'rejectedReserved',
          outcome: { ...INVALID_FIELD, decision: 'D10' },
        });
      }
      expect(run({ profile: 'lm', strict: true }, command(op, { nsid: 'NSID_NONZERO' }))).toEqual({
        final: 'rejectedNsid',
        outcome: { ...INVALID_FIELD, decision: 'D10' },
      });
    });
    it(`D10: by default ${op} with reserved bits or NSID set ends exactly as the clean command does`, () => {
      const clean = run(LM, command(op));
      for (const reserved of reservedEvents) expect(run(LM, command(op, { reserved }))).toEqual(clean);
      expect(run(LM, command(op, { nsid: 'NSID_NONZERO' }))).toEqual(clean);
      expect(clean.outcome).toMatchObject({ completion: 'one', sc: 0 });
    });
  }
});

describe('D4: the VF index', () => {
  for (const op of OPS) {
    it(`D4: ${op} with VF index 0 is Invalid Field in Command, DNR`, () => {
      expect(run(LM, command(op, { vfIndex: 0 }))).toEqual({ final: 'rejectedVfIndexZero', outcome: { ...INVALID_FIELD, decision: 'D4' } });
    });
  }

  it('D4: VF indexes 1..vfs are accepted and vfs+1 .. 0xFFFF are Invalid Field, DNR, for vfs 1, 2 and 5', () => {
    for (const vfs of [1, 2, 5]) {
      for (let index = 1; index <= vfs; index++) {
        expect(run({ profile: 'lm', vfs }, command('SUSPEND', { vfIndex: index })).final).toBe('executedSuspend');
      }
      for (const index of [vfs + 1, vfs + 2, 0xffff]) {
        expect(run({ profile: 'lm', vfs }, command('SUSPEND', { vfIndex: index }))).toEqual({
          final: 'rejectedVfIndexAbove',
          outcome: { ...INVALID_FIELD, decision: 'D4' },
        });
      }
    }
  });

  it('D4: the VF an executed command changes is the one its index names (1-based)', () => {
    expect(run(LM, command('SUSPEND', { vfIndex: 2 })).outcome).toMatchObject({
      effect: { kind: 'vfLmState', vf: 2, from: 'running', to: 'suspended' },
    });
  });
});

describe('D5: the VF state decides', () => {
  // [command, state] -> final state, and the LM state after (undefined: no change)
  const TABLE: Array<[Op, LmState, FinalName, LmState | undefined]> = [
    ['SUSPEND', 'running', 'executedSuspend', 'suspended'],
    ['SUSPEND', 'suspended', 'executedSuspendNoChange', undefined],
    ['SUSPEND', 'saved', 'executedSuspendNoChange', undefined],
    ['SUSPEND', 'loaded', 'executedSuspendNoChange', undefined],
    ['RESUME', 'running', 'executedResumeNoChange', undefined],
    ['RESUME', 'suspended', 'executedResume', 'running'],
    ['RESUME', 'saved', 'executedResume', 'running'],
    ['RESUME', 'loaded', 'executedResume', 'running'],
    ['QUERY', 'running', 'executedQuery', undefined],
    ['QUERY', 'suspended', 'executedQuery', undefined],
    ['QUERY', 'saved', 'executedQuery', undefined],
    ['QUERY', 'loaded', 'executedQuery', undefined],
    ['SAVE', 'running', 'rejectedSequence', undefined],
    ['SAVE', 'suspended', 'executedSave', 'saved'],
    ['SAVE', 'saved', 'executedSave', 'saved'],
    ['SAVE', 'loaded', 'executedSave', 'saved'],
    ['LOAD', 'running', 'rejectedSequence', undefined],
    ['LOAD', 'suspended', 'executedLoad', 'loaded'],
    ['LOAD', 'saved', 'executedLoad', 'loaded'],
    ['LOAD', 'loaded', 'executedLoad', 'loaded'],
  ];
  for (const [op, state, final, to] of TABLE) {
    it(`D5: ${op} with the VF ${state} ends in ${final}`, () => {
      const r = run(LM, command(op, { vfState: state }));
      expect(r.final).toBe(final);
      if (final === 'rejectedSequence') {
        expect(r.outcome).toEqual({ completion: 'one', sct: 0, sc: 0x0c, dnr: true, decision: 'D5', effect: { kind: 'none' } });
      } else {
        const effect = to === undefined ? { kind: 'none' } : { kind: 'vfLmState', vf: 1, from: state, to };
        expect(r.outcome).toMatchObject({ completion: 'one', sct: 0, sc: 0, dnr: false, decision: 'D5', effect });
      }
    });
  }

  it('D5 D8: QUERY success carries the migration data size in DW0', () => {
    expect(run(LM, command('QUERY', { vfState: 'saved' })).outcome).toMatchObject({ dw0: 'migrationDataSize' });
  });
});

describe('D7: data transfer and LOAD data', () => {
  for (const op of ['SAVE', 'LOAD'] as const) {
    it(`D7: ${op} whose PRPs point at unmapped memory is Data Transfer Error, DNR, nothing changes`, () => {
      expect(run(LM, command(op, { prp: 'PRP_UNMAPPED' }))).toEqual({
        final: 'rejectedDataTransfer',
        outcome: { completion: 'one', sct: 0, sc: 0x04, dnr: true, decision: 'D7', effect: { kind: 'none' } },
      });
    });
    it(`NVMe PRP rules: ${op} with an offset in PRP2 (page pointer) or in a PRP list entry is PRP Offset Invalid, DNR`, () => {
      for (const prp of ['PRP_ENTRY2_OFFSET', 'PRP_LIST_ENTRY_OFFSET'] as const) {
        expect(run(LM, command(op, { prp }))).toEqual({
          final: 'rejectedPrpOffset',
          outcome: { completion: 'one', sct: 0, sc: 0x13, dnr: true, decision: 'NVMe', effect: { kind: 'none' } },
        });
      }
    });
  }

  const DEFECTS: Array<[AcceptanceEvent['type'], FinalName]> = [
    ['LOAD_SIZE_ZERO', 'rejectedLoadSizeZero'],
    ['LOAD_SIZE_OVER_BUFFER', 'rejectedLoadSizeOverBuffer'],
    ['LOAD_SIZE_MISMATCH', 'rejectedLoadSizeMismatch'],
    ['LOAD_BAD_MAGIC', 'rejectedLoadMagic'],
    ['LOAD_BAD_VERSION', 'rejectedLoadVersion'],
    ['LOAD_BAD_CHECKSUM', 'rejectedLoadChecksum'],
    ['LOAD_BAD_GEOMETRY', 'rejectedLoadGeometry'],
  ];
  for (const [load, final] of DEFECTS) {
    it(`D7: LOAD with ${load} is Invalid Field in Command, DNR, and the VF stays as it was, from every non-running state`, () => {
      for (const vfState of ['suspended', 'saved', 'loaded'] as const) {
        expect(run(LM, command('LOAD', { load, vfState }))).toEqual({ final, outcome: { ...INVALID_FIELD, decision: 'D7' } });
      }
    });
  }

  it('D7: valid LOAD data loads', () => {
    expect(run(LM, command('LOAD')).outcome).toMatchObject({ sc: 0, effect: { kind: 'vfLmState', to: 'loaded' } });
  });
});
