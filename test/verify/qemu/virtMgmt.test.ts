import { describe, expect, it } from 'vitest';
import {
  provisionVfs,
  rewindAdminQueue,
  virtMgmtSqe,
  VirtAction,
  VirtResource,
  type AdminChannel,
} from '../../../src/verify/qemu/virtMgmt.ts';
import { decodeSqe } from '../../../src/wire/sqe.ts';
import { encodeCqe } from '../../../src/wire/cqe.ts';
import { decodeSecondaryControllerList } from '../../../src/wire/tp4159/identify.ts';

function secondaryList(entries: Array<{ scid: number; vfn: number; online: boolean }>): Uint8Array {
  const data = new Uint8Array(4096);
  const dv = new DataView(data.buffer);
  data[0] = entries.length;
  entries.forEach((e, i) => {
    const at = 32 + 32 * i;
    dv.setUint16(at, e.scid, true);
    dv.setUint16(at + 2, 0, true);
    data[at + 4] = e.online ? 1 : 0;
    dv.setUint16(at + 8, e.vfn, true);
  });
  return data;
}

/** Records the admin commands provisioning sends and answers them with `status`. */
function channel(list: Uint8Array, sc = 0): AdminChannel & { sent: ReturnType<typeof decodeSqe>[] } {
  const sent: ReturnType<typeof decodeSqe>[] = [];
  return {
    sent,
    bufferAddress: 0x1000n,
    readBuffer: async () => list,
    submitAdmin: async (sqe) => {
      const d = decodeSqe(sqe);
      sent.push(d);
      return encodeCqe({ cid: d.cid, phase: 1, sc: d.opc === 0x06 ? 0 : sc, sct: 0 });
    },
  };
}

describe('virtualization management', () => {
  it('D18: Virtualization Management CDW10 carries action 3:0, resource 10:8, controller 31:16; CDW11 the count', () => {
    const d = decodeSqe(virtMgmtSqe(0x1234, VirtAction.SECONDARY_ASSIGN, VirtResource.VI, 7, 5));
    expect(d.opc).toBe(0x1c);
    expect(d.cid).toBe(0x1234);
    expect(d.cdw10).toBe((7 << 16) | (1 << 8) | 8);
    expect(d.cdw11).toBe(5);
  });

  it('D18: the secondary controller list decodes SCID, online state and VF number per entry', () => {
    const list = decodeSecondaryControllerList(secondaryList([{ scid: 1, vfn: 1, online: false }, { scid: 2, vfn: 2, online: true }]));
    expect(list.map(({ scid, vfn, online }) => ({ scid, vfn, online }))).toEqual([
      { scid: 1, vfn: 1, online: false },
      { scid: 2, vfn: 2, online: true },
    ]);
  });

  it('D18: provisioning assigns VQ and VI then brings each VF online, taking an online one offline first', async () => {
    const ch = channel(secondaryList([{ scid: 11, vfn: 1, online: false }, { scid: 12, vfn: 2, online: true }]));
    expect(await provisionVfs(ch, 2, 5, 1)).toBe(8);
    const steps = ch.sent.map((s) => (s.opc === 0x06 ? 'identify' : `${s.cdw10 & 0xf}/${(s.cdw10 >> 8) & 7}/${s.cdw10 >>> 16}/${s.cdw11}`));
    expect(steps).toEqual(['identify', '8/0/11/5', '8/1/11/1', '9/0/11/0', '7/0/12/0', '8/0/12/5', '8/1/12/1', '9/0/12/0']);
  });

  it('D18: a failed step names the VF and the status', async () => {
    const ch = channel(secondaryList([{ scid: 1, vfn: 1, online: false }]), 0x02);
    await expect(provisionVfs(ch, 1, 5, 1)).rejects.toThrow(/VF 1 assign 5 VQ failed: Invalid Field in Command/);
  });

  it('D18: a VF missing from the list is reported', async () => {
    await expect(provisionVfs(channel(secondaryList([])), 1, 5, 1)).rejects.toThrow(/no entry for VF 1/);
  });

  it('D18: commands that fit in one pass of the admin SQ and CQ are left for the tester to skip', async () => {
    const ch = channel(secondaryList([]));
    expect(await rewindAdminQueue(ch, 7, 8, 8)).toBe(false);
    expect(ch.sent).toEqual([]);
  });

  it('D18: commands that wrapped the admin queue are padded with Identify to two CQ passes: the queue stands where a fresh one starts', async () => {
    // 7 on 2 entries: 8 is two passes of the CQ and four of the SQ
    const two = channel(secondaryList([]));
    expect(await rewindAdminQueue(two, 7, 2, 2)).toBe(true);
    expect(two.sent.map((s) => [s.opc, s.cdw10])).toEqual([[0x06, 1]]);
    // 9 on 4 entries: up to 16; SQ 2 and CQ 4 entries: a multiple of 8; 8 on 4 entries: already two passes
    for (const [sent, sq, cq, pad] of [[9, 4, 4, 7], [5, 2, 4, 3], [8, 4, 4, 0]]) {
      const ch = channel(secondaryList([]));
      expect(await rewindAdminQueue(ch, sent, sq, cq)).toBe(true);
      expect(ch.sent.length).toBe(pad);
    }
  });

  it('D18: a rewind that would take thousands of commands names what to change instead', async () => {
    await expect(rewindAdminQueue(channel(secondaryList([])), 9, 4093, 8)).rejects.toThrow(/same number of entries, or more than 9/);
  });
});
