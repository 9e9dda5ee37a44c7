// D19-D21 on the emulated tp4159 device, in bytes: who manages, which
// CNTLID a command may name, and what Identify says.
import { describe, expect, it } from 'vitest';
import { status } from '../helpers.ts';
import { cs, invalidOpcode, OK, tpSetup, type Cmd } from './tpHost.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { decodeSecondaryControllerList, decodeSupportedStateFormats, readMigrationIdentify } from '../../../src/wire/tp4159/identify.ts';
import { NVME_LM_STATE_UUID } from '../../../src/wire/tp4159/vendorState.ts';
import { SC_HMLM } from '../../../src/wire/status.ts';
import { PROFILES } from '../../../src/target/adapter.ts';
import { PROFILE_INFO } from '../../../src/emulator/profiles.ts';

const EVERY_MANAGEMENT_COMMAND: Cmd[] = [
  { kind: 'suspend', cntlid: 1, stype: 1, dudmq: false },
  { kind: 'resume', cntlid: 1 },
  { kind: 'getState', csvi: 1, cntlid: 1, csuuidi: 0, csuidxp: 0, offset: 0n, uidx: 0, numd: 11, prp1: 0x10_0000n, prp2: 0n },
  { kind: 'setState', seqind: 3, cntlid: 1, csvi: 1, csuuidi: 0, offset: 0n, uidx: 0, numd: 11, prp1: 0x10_0000n, prp2: 0n },
  { kind: 'cdqCreate', qt: 0, pc: true, cqs: 1, cdqsize: 64, prp1: 0x10_0000n },
  { kind: 'cdqDelete', cdqid: 1 },
  { kind: 'trackSend', lact: 1, cdqid: 1 },
  { kind: 'trackMemory', mos: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 },
  { kind: 'trackReceive', prp1: 0n, prp2: 0n, cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 },
];

describe('tp4159 profile', () => {
  it('the emulator offers every profile of the target contract, tp4159 included', () => {
    expect(Object.keys(PROFILE_INFO).sort()).toEqual([...PROFILES].sort());
    expect(PROFILES).toContain('tp4159');
  });

  it('D19, I9: every management opcode on a VF admin queue is Invalid Command Opcode, DNR, and changes nothing (any CNTLID)', () => {
    const { dev, tp } = tpSetup();
    for (const c of EVERY_MANAGEMENT_COMMAND) {
      for (const target of [0, 1, 2]) {
        const named = 'cntlid' in c ? { ...c, cntlid: target } : c;
        const before = dev.stateHash({ fn: 1, sqid: 0 });
        expect(status(tp.cmd(named, 1)), `${c.kind} naming ${target}`).toEqual(invalidOpcode);
        expect(dev.stateHash({ fn: 1, sqid: 0 })).toBe(before);
      }
    }
    expect(dev.inspect(1).lmState).toBe('running');
  });

  it('D20: the PF own CNTLID, an unknown CNTLID: Invalid Controller Identifier (1/1Fh), DNR, nothing changed', () => {
    const { dev, tp } = tpSetup();
    for (const cntlid of [0, 3, 0xffff]) {
      const before = dev.stateHash({ fn: 0, sqid: 0 });
      expect(status(tp.suspend(cntlid))).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_IDENTIFIER));
      expect(status(tp.createUdmq(cntlid, 4).cqe)).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_IDENTIFIER));
      expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
    }
  });

  it('D21: the PF reports HMLMS, TUDCS, MCUDMQ >= 1 and no DBCS; CNS 20h lists 0000h and the project UUID; a VF reports no HMLMS', () => {
    const { dev, host } = tpSetup();
    const page = (fn: number, cns: number): Uint8Array => {
      const buf = host.alloc(4096);
      expect(status(host.submit(fn, 0, sqeFor.identify(host.nextCid(), cns, BigInt(buf))))).toEqual(OK);
      return dev.memory.read(buf, 4096);
    };
    const pf = readMigrationIdentify(page(0, 0x01));
    expect(pf).toMatchObject({ hmlms: true, dbcs: false, tudcs: true, thmcs: false });
    expect(pf.mcudmq).toBeGreaterThanOrEqual(1);
    expect(readMigrationIdentify(page(1, 0x01)).hmlms).toBe(false);
    expect(decodeSupportedStateFormats(page(0, 0x20))).toEqual({ versions: [0], uuids: [NVME_LM_STATE_UUID] });
  });

  it('D20: CNS 15h lists VF k as secondary controller CNTLID k', () => {
    const { dev, host } = tpSetup({ vfs: 3 });
    const buf = host.alloc(4096);
    expect(status(host.submit(0, 0, sqeFor.identify(host.nextCid(), 0x15, BigInt(buf))))).toEqual(OK);
    const list = decodeSecondaryControllerList(dev.memory.read(buf, 4096));
    expect(list.map((e) => [e.scid, e.vfn, e.online])).toEqual([[1, 1, true], [2, 2, true], [3, 3, true]]);
  });
});
