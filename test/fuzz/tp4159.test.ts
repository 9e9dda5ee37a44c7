// `nvme-lm fuzz --profile tp4159` on the emulator: a fast sample of random
// sequences holds every rule, and each oracle of the standard profile catches
// the planted bug it is about, in a short hand-written sequence (the shapes
// the fuzzer shrank them to), so each case is fast and reads as its rule.
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../src/fuzz/fuzz.ts';
import { runSequence } from '../../src/fuzz/sequence.ts';
import type { FuzzDevice, SqeSpec, Step } from '../../src/fuzz/steps.ts';
import type { Tp4159Mutant } from '../../src/emulator/options.ts';
import { encodeTp4159, type Tp4159Command } from '../../src/wire/tp4159/commandCodec.ts';
import { parseFuzzOptions } from '../../src/cli/commands/fuzz.ts';

type NoCid<T> = T extends unknown ? Omit<T, 'cid'> : never;

const device = (o: Partial<FuzzDevice> = {}): FuzzDevice => ({ vfs: 2, profile: 'tp4159', strict: false, vfQueuePolicy: 'reject', ioCompletion: 'immediate', maxIoQueuesPerVf: 64, ...o });

/** A management command from the host on the PF admin queue (or a buffer of `pages` for its PRPs). */
function pf(c: NoCid<Tp4159Command>, pages = 0): Step {
  const sqe: SqeSpec = { bytes: encodeTp4159({ ...c, cid: 0 } as Tp4159Command), prps: pages ? { kind: 'buffer', pages, offset: 0, fill: 0, prp1Delta: 0, prp2: 'auto' } : { kind: 'raw' }, origin: 'lm', note: c.kind };
  return { kind: 'submit', target: { queue: 'pfAdmin' }, sqe };
}
const suspend = (vf: number): Step => pf({ kind: 'suspend', cntlid: vf, stype: 1, dudmq: false });
const write = (vf: number, slba: number): Step => ({ kind: 'io', vf, slot: 0, op: 'write', slba, blocks: 2, fill: 1 });

function rule(steps: Step[], mutant?: Tp4159Mutant, o: Partial<FuzzDevice> = {}): string | undefined {
  return runSequence(device({ ...o, ...(mutant ? { mutant } : {}) }), steps).failure?.rule;
}

describe('fuzz --profile tp4159', () => {
  it('D19-D34, I2, I3, I9, I11-I13: 100 random tp4159 sequences hold on the correct emulator', () => {
    const r = fuzz({ runs: 100, seed: 4159, profile: 'tp4159' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.commands).toBeGreaterThan(1200);
  });

  const CASES: Array<{ name: string; mutant: Tp4159Mutant; rule: string; steps: Step[]; o?: Partial<FuzzDevice> }> = [
    { name: 'I3/I11: a Set State refused for an SQ whose CQID names no CQ changed nothing', mutant: 'partialSetState', rule: 'I3', steps: [{ kind: 'hmlmMigrate', from: 1, to: 2, csuuidi: 0, offset: 0, plan: 'whole', mutation: { kind: 'noCq', entry: 0 } }] },
    { name: 'D22: Suspend completes only after the VF\'s fetched commands', mutant: 'suspendBeforeDrain', rule: 'D22', steps: [write(1, 0), suspend(1)], o: { ioCompletion: 'deferred' } },
    { name: 'D25: the state carries an SQ tail written while suspended', mutant: 'stateDropsLatchedTail', rule: 'D25', steps: [suspend(1), write(1, 0), { kind: 'hmlmMigrate', from: 1, to: 2, csuuidi: 0, offset: 0, plan: 'whole' }] },
    { name: 'D29: Track Send on a suspended VF\'s queue is Controller Suspended', mutant: 'trackWhileSuspended', rule: 'D29', steps: [{ kind: 'cdq', vf: 1, entries: 8, start: false, aer: false }, suspend(1), pf({ kind: 'trackSend', lact: 1, cdqid: 1 })] },
    { name: 'D20/D28: a UDMQ for CQS 0 (the PF itself) is Invalid Controller Identifier', mutant: 'cdqForPf', rule: 'D28', steps: [pf({ kind: 'cdqCreate', qt: 0, pc: true, cqs: 0, cdqsize: 64, prp1: 0n }, 1)] },
    { name: 'I13: a UDMQ holds entries of its own VF only', mutant: 'crossVfLog', rule: 'I13', steps: [{ kind: 'cdq', vf: 1, entries: 8, start: true, aer: false }, { kind: 'cdq', vf: 2, entries: 8, start: true, aer: false }, write(1, 3)] },
  ];
  for (const c of CASES) {
    it(`${c.name}: the fuzzer's oracle catches mutant ${c.mutant}, and the same steps hold on the correct emulator`, () => {
      expect(rule(c.steps, c.mutant, c.o)).toBe(c.rule);
      expect(rule(c.steps, undefined, c.o)).toBeUndefined();
    });
  }

  it('D19: the five management opcodes on a VF admin queue (naming a VF) pass the oracle on the correct emulator: Invalid Command Opcode, nothing changed', () => {
    const onVf: Step[] = [0x3d, 0x3e, 0x41, 0x42, 0x45].map((opc) => ({ kind: 'submit', target: { queue: 'vfAdmin', vf: 1 }, sqe: { bytes: Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? opc : i === 44 ? 1 : 0)), prps: { kind: 'raw' }, origin: 'lm', note: 'on a VF' } }));
    expect(rule(onVf)).toBeUndefined();
  });

  it('D22/D32: a second Suspend with DUDMQ changes nothing, so the UDMQ lives on and Resume logs into it (the fuzzer keeps its memory)', () => {
    const steps: Step[] = [{ kind: 'cdq', vf: 1, entries: 8, start: true, aer: false }, suspend(1), pf({ kind: 'suspend', cntlid: 1, stype: 1, dudmq: true }), pf({ kind: 'resume', cntlid: 1 })];
    expect(rule(steps)).toBeUndefined();
  });

  it('--profile tp4159 reaches the fuzzer; lm, the default, is left out of the options', () => {
    expect(parseFuzzOptions({ profile: 'tp4159', seed: '1' })).toMatchObject({ profile: 'tp4159', seed: 1 });
    expect(parseFuzzOptions({ profile: 'lm', seed: '1' }).profile).toBeUndefined();
  });
});
