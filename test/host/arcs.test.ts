import { describe, expect, it } from 'vitest';
import { ARC_PLANS } from '../../src/host/vfio/arcs.ts';
import { VfioStateError } from '../../src/host/vfio/migration.ts';
import { describeFlags, FLAG_SETS, stateSupported, VFIO_STATES, type VfioState } from '../../src/host/vfio/states.ts';
import { probedVf, OPCODE_NAME } from './harness.ts';
import { DECIDED } from './decidedArcs.ts';
import { expectedWalk } from './kernelWalks.ts';

const runs = (s: VfioState) => s === 'RUNNING' || s === 'PRE_COPY';

describe('VFIO arcs -> NVMe commands (I8, D13, D16)', () => {
  it('I8: the driver maps exactly the decided arcs to exactly the decided commands', () => {
    const mine = Object.fromEntries(ARC_PLANS.map((p) => [`${p.from}>${p.to}`, [...p.commands]]));
    expect(mine).toEqual(DECIDED);
  });

  it('I8: the arcs the kernel walks take, over all four flag sets, are exactly the decided ones', () => {
    const taken = new Set<string>();
    for (const flags of FLAG_SETS) {
      for (const cur of VFIO_STATES) {
        for (const req of VFIO_STATES) {
          const w = expectedWalk(cur, req, flags);
          if (w !== 'EINVAL') [cur, ...w].slice(0, -1).forEach((from, i) => taken.add(`${from}>${w[i]}`));
        }
      }
    }
    expect([...taken].sort()).toEqual(Object.keys(DECIDED).sort());
  });

  for (const flags of FLAG_SETS) {
    it(`I8: every (current, requested) with flags ${describeFlags(flags)}: the kernel's walk, its commands with VF index id+1, and the VF runs exactly in RUNNING/PRE_COPY`, async () => {
      for (const cur of VFIO_STATES) {
        if (!stateSupported(cur, flags)) continue;
        for (const req of VFIO_STATES) {
          const { pf, channel, m } = await probedVf({ flags, vfId: 2 });
          await m.setState(cur);
          if (cur === 'RESUMING') await m.resumeStream!.write(pf.blob(3));
          const from = channel.log.length;
          const expected = expectedWalk(cur, req, flags);
          const label = `${describeFlags(flags)} ${cur} -> ${req}`;
          if (expected === 'EINVAL') {
            await expect(m.setState(req), label).rejects.toBeInstanceOf(VfioStateError);
            expect(m.state, label).toBe(cur);
            expect(channel.log.length, label).toBe(from);
            continue;
          }
          const result = await m.setState(req);
          const hops = [cur, ...expected];
          const arcs = expected.map((to, i) => `${hops[i]}>${to}`);
          expect(result.arcs.map((a) => `${a.from}>${a.to}`), label).toEqual(arcs);
          expect(result.state, label).toBe(req);
          const sent = channel.log.slice(from);
          expect(sent.map((e) => OPCODE_NAME[e.opcode]), label).toEqual(arcs.flatMap((a) => DECIDED[a]));
          expect(new Set(sent.map((e) => e.vfIndex)), label).toEqual(new Set(sent.length ? [3] : []));
          expect(pf.vf[2] === 'running', label).toBe(runs(req));
        }
      }
    });
  }
});
