import { describe, expect, it } from 'vitest';
import { encodeTp4159, type Tp4159Command } from '../../src/wire/tp4159/commandCodec.ts';
import { lmPluginLine, passthruLine, transferOf } from '../../src/wire/tp4159/nvmeCli.ts';

const getState: Tp4159Command = { kind: 'getState', cid: 0, csvi: 1, cntlid: 1, csuuidi: 2, csuidxp: 3, offset: 0n, uidx: 0, numd: 25, prp1: 0n, prp2: 0n };

describe('tp4159 commands as nvme-cli lines', () => {
  it('admin-passthru: every nonzero dword in 0x-hex (nvme-cli parses with base 0), NSID when set, the data length from NUMD (D27)', () => {
    const sqe = encodeTp4159(getState);
    sqe[4] = 1;
    expect(passthruLine(sqe, transferOf(getState))).toBe('nvme admin-passthru <pf-device> --opcode=0x42 --namespace-id=1 --cdw10=0x10000 --cdw11=0x3020001 --cdw15=0x19 --data-len=104 --read');
  });
  it('D24: migration-recv keeps the 0-based NUMD and says what the plugin cannot (CSUIDXP, its short write)', () => {
    const p = lmPluginLine(getState);
    expect(p.line).toBe('nvme lm migration-recv <pf-device> --sel=0 --cntlid=1 --csvi=1 --csuuidi=2 --numd=25 --output-file=<state file>');
    expect(p.notes).toEqual(['the plugin writes 100 of the 104 bytes it reads to --output-file (one dword short)', 'the plugin has no CSUIDXP option (it sends 0, this SQE 3)']);
  });
  it('D29: LACT other than 0 and 1 goes out as --mos', () => {
    expect(lmPluginLine({ kind: 'trackSend', cid: 0, lact: 2, cdqid: 1 }).line).toBe('nvme lm track-send <pf-device> --sel=0 --cdqid=1 --mos=2');
  });
  it('Track Send SEL 1 and Track Receive have no plugin form, and say so', () => {
    const raw = { cid: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 };
    expect(lmPluginLine({ kind: 'trackMemory', mos: 0, ...raw })).toEqual({ notes: ['the plugin refuses Track Send SEL 1 (Track Memory Changes); use admin-passthru'] });
    expect(lmPluginLine({ kind: 'trackReceive', prp1: 0n, prp2: 0n, cdw10: 0, ...raw }).line).toBeUndefined();
  });
  it('commands that move no data have no transfer', () => {
    expect(transferOf({ kind: 'resume', cid: 0, cntlid: 1 })).toBeUndefined();
    expect(transferOf({ kind: 'getCdqFeature', cid: 0, gsel: 0, cdqid: 1, uidx: 0, prp1: 0n, prp2: 0n })).toEqual({ bytes: 8, direction: 'read' });
  });
});
