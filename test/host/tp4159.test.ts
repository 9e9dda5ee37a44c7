// The host driver's tp4159 profile (tp4159 section 6, D21-D27) against the
// emulated tp4159 PF: the guard, each VFIO arc's commands as the device
// received them (decoded by the wire codec), and the failures the driver
// must turn into a refused or rolled-back arc.
import { describe, expect, it } from 'vitest';
import { AdminChannel } from '../../src/host/channel.ts';
import { LmRefusedError, NvmeLmHost } from '../../src/host/driver.ts';
import { probeHmlm } from '../../src/host/probeHmlm.ts';
import { VfioArcError, VfioMigration, VfioStateError } from '../../src/host/vfio/migration.ts';
import { describeFlags, FLAG_SETS, MIG_P2P, MIG_PRE_COPY, MIG_STOP_COPY, stateSupported, VFIO_STATES } from '../../src/host/vfio/states.ts';
import { ResumeStream, SaveStream } from '../../src/host/vfio/streams.ts';
import { HMLM } from '../../src/wire/opcodes.ts';
import { decodeTp4159 } from '../../src/wire/tp4159/commandCodec.ts';
import { encodeSupportedStateFormats } from '../../src/wire/tp4159/identify.ts';
import { decodeControllerState } from '../../src/wire/tp4159/state.ts';
import { DECIDED, TP4159_STEPS } from './decidedArcs.ts';
import { expectedWalk } from './kernelWalks.ts';
import { tpRig } from './tp4159Rig.ts';

const MANAGEMENT = new Set<number>(Object.values(HMLM));
const LOG_COMMANDS = new Set(['cdqCreate', 'trackSend', 'setCdqFeature', 'cdqDelete']);

async function attached(options: { flags?: number } = {}) {
  const rig = tpRig();
  const host = await NvmeLmHost.attach(rig.hd, { profile: 'tp4159', flags: options.flags });
  return { ...rig, host };
}

describe('tp4159 guard (D21)', () => {
  it('D21: a PF with HMLMS = 1 and version 0000h in CNS 20h is accepted after Identify CNS 01h, 20h, 15h and nothing else', async () => {
    const { hd, host } = await attached();
    expect(hd.sent()).toEqual(['identify CNS 01h', 'identify CNS 20h', 'identify CNS 15h']);
    expect(host.probeResult.supported).toBe(true);
    expect(host.commands.profile).toBe('tp4159');
  });

  it('D21: a PF with HMLMS = 0 (profile lm) is refused with the reason, and no arc sends a management opcode', async () => {
    const { hd } = tpRig({ profile: 'lm' });
    const channel = new AdminChannel(hd);
    const r = await probeHmlm(channel);
    expect(r).toMatchObject({ supported: false, reason: 'no-hmlms' });
    expect(r.supported ? '' : r.message).toMatch(/HMLMS = 0/);
    await expect(NvmeLmHost.attach(hd, { profile: 'tp4159' })).rejects.toBeInstanceOf(LmRefusedError);
    const lm = await NvmeLmHost.attach(hd); // lm's own guard passes, but the channel's tp4159 guard still holds
    expect(lm.commands.profile).toBe('lm');
    for (const flags of FLAG_SETS) for (const s of VFIO_STATES) await new VfioMigration(channel, 0, flags, (await attachedCommands())).setState(s).catch(() => undefined);
    expect(hd.sqes.filter((s) => MANAGEMENT.has(s[0]))).toEqual([]);
  });

  it('D21: a PF whose CNS 20h lists no version 0000h is refused naming what it lists, after one Identify CNS 20h', async () => {
    const { hd } = tpRig();
    hd.after = async (sqe, cqe, dev) => {
      if (sqe[0] === 0x06 && sqe[40] === 0x20) {
        const prp1 = new DataView(sqe.buffer, sqe.byteOffset).getBigUint64(24, true);
        await dev.write(prp1, encodeSupportedStateFormats({ versions: [0x0001], uuids: [] }));
      }
      return cqe;
    };
    const err = await NvmeLmHost.attach(hd, { profile: 'tp4159' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LmRefusedError);
    expect((err as LmRefusedError).result.reason).toBe('no-readable-format');
    expect((err as LmRefusedError).message).toMatch(/versions 0001h/);
    expect(hd.sent()).toEqual(['identify CNS 01h', 'identify CNS 20h']);
  });

  it('D21, I7: without the tp4159 permit the channel refuses every management opcode before it reaches the device', async () => {
    const { hd } = tpRig();
    const channel = new AdminChannel(hd);
    const m = new VfioMigration(channel, 0, MIG_STOP_COPY, await attachedCommands());
    await expect(m.setState('STOP')).rejects.toMatchObject({ errno: 'EPERM' });
    expect(hd.sqes).toEqual([]);
  });
});

/** The commands of an accepted tp4159 PF, to hand to a channel that was never permitted. */
async function attachedCommands() {
  const { host } = await attached();
  return host.commands;
}

describe('tp4159 arcs (section 6)', () => {
  it('section 6, D22: RUNNING -> STOP is Suspend STYPE 1 naming the VF\'s CNTLID; the VF is suspended', async () => {
    const { hd, host, dev } = await attached();
    const from = hd.sqes.length;
    await host.vf(1).setState('STOP');
    expect(hd.sent(from)).toEqual(['suspend']);
    expect(hd.fields(-1)).toMatchObject({ cntlid: 2n, stype: 1n, dudmq: 0n });
    expect(dev.inspect(2).lmState).toBe('suspended');
  });

  it('section 6, D24: STOP -> STOP_COPY is Identify CNS 20h, the 48-byte header (NUMD 11), then the whole state; the stream yields it, suspended', async () => {
    const { hd, host } = await attached();
    const m = host.vf(1);
    await m.setState('STOP');
    const from = hd.sqes.length;
    const r = await m.setState('STOP_COPY');
    expect(hd.sent(from)).toEqual(['identify CNS 20h', 'getState', 'getState']);
    expect(hd.fields(from + 1)).toMatchObject({ cntlid: 2n, offset: 0n, numd: 11n, csvi: 1n });
    const bytes = await (r.stream as SaveStream).readAll();
    expect(hd.fields(from + 2)).toMatchObject({ cntlid: 2n, numd: BigInt(bytes.length / 4 - 1) });
    const d = decodeControllerState(bytes);
    expect(d).toMatchObject({ length: bytes.length, trailing: 0 });
    expect(d.state.suspended).toBe(true);
    expect(d.state.vendor.length).toBeGreaterThan(0); // D25: the PF lists the vendor UUID, so the admin queue travels
  });

  it('section 6: STOP_COPY -> STOP and STOP -> RESUMING send nothing; RESUMING -> STOP is Set State SEQIND 3 with a 0-based NUMD; STOP -> RUNNING is Resume', async () => {
    const src = await attached();
    await src.host.vf(0).setState('STOP_COPY');
    const state = await src.host.vf(0).saveStream!.readAll();
    let from = src.hd.sqes.length;
    await src.host.vf(0).setState('STOP');
    expect(src.hd.sent(from)).toEqual([]);

    const dst = await attached();
    const m = dst.host.vf(0);
    await m.setState('STOP');
    from = dst.hd.sqes.length;
    const w = (await m.setState('RESUMING')).stream as ResumeStream;
    expect(dst.hd.sent(from)).toEqual([]);
    await w.write(state);
    await m.setState('STOP');
    expect(dst.hd.sent(from)).toEqual(['setState']);
    expect(dst.hd.fields(-1)).toMatchObject({ cntlid: 1n, seqind: 3n, numd: BigInt(state.length / 4 - 1), offset: 0n });
    await m.setState('RUNNING');
    expect(dst.hd.sent(from)).toEqual(['setState', 'resume']);
    expect(dst.dev.inspect(1).lmState).toBe('running');
  });

  it('D27: a resume stream that is not whole dwords is refused with EINVAL and nothing is sent; the VF stays in RESUMING', async () => {
    const { hd, host } = await attached();
    const m = host.vf(0);
    await m.setState('RESUMING');
    await m.resumeStream!.write(new Uint8Array(50));
    const from = hd.sqes.length;
    const err = await m.setState('STOP').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VfioArcError);
    expect((err as VfioArcError).errno).toBe('EINVAL');
    expect(hd.sent(from)).toEqual([]);
    expect(m.state).toBe('RESUMING');
  });

  it('D24: a state reported taken while running (CSUP = 0) is not used: the arc fails and the VF stays in STOP', async () => {
    const { hd, host } = await attached();
    const m = host.vf(0);
    await m.setState('STOP');
    let gets = 0;
    hd.after = (sqe, cqe) => (sqe[0] === HMLM.MIGRATION_RECEIVE && ++gets === 2 && cqe ? { ...cqe, dw0: 0 } : cqe);
    const err = await m.setState('STOP_COPY').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VfioArcError);
    expect((err as VfioArcError).message).toMatch(/CSUP = 0/);
    expect(m.state).toBe('STOP');
    expect(m.saveStream).toBeUndefined();
  });

  it('D24: with csattrFallback (a controller known to leave CQE DW0 at 0) a state whose CSATTR says suspended is taken and counted (without it the same CQE is refused, the test above)', async () => {
    const rig = tpRig();
    const host = await NvmeLmHost.attach(rig.hd, { profile: 'tp4159', csattrFallback: true });
    const m = host.vf(0);
    await m.setState('STOP');
    rig.hd.after = (sqe, cqe) => (sqe[0] === HMLM.MIGRATION_RECEIVE && cqe ? { ...cqe, dw0: 0 } : cqe);
    await m.setState('STOP_COPY');
    expect(decodeControllerState(await m.saveStream!.readAll()).state.suspended).toBe(true);
    expect('csupDisagreements' in host.commands && host.commands.csupDisagreements).toBe(1);
  });

  it('D25: standardStateOnly moves format 0000h alone, no vendor section, from a PF that lists the vendor UUID', async () => {
    const rig = tpRig();
    const host = await NvmeLmHost.attach(rig.hd, { profile: 'tp4159', standardStateOnly: true });
    const m = host.vf(0);
    await m.setState('STOP');
    await m.setState('STOP_COPY');
    const s = decodeControllerState(await m.saveStream!.readAll()).state;
    expect(s.vendor.length).toBe(0);
    expect('vendorSection' in host.commands && host.commands.vendorSection).toBe(false);
  });

  it('D16: PRE_COPY -> STOP_COPY whose Get State fails after Suspend resumes the VF with Resume and stays in PRE_COPY', async () => {
    const { hd, host, dev } = await attached({ flags: MIG_STOP_COPY | MIG_PRE_COPY });
    const m = host.vf(0);
    await m.setState('PRE_COPY');
    hd.after = (sqe, cqe) => (sqe[0] === HMLM.MIGRATION_RECEIVE && cqe ? { ...cqe, sct: 0, sc: 0x02, dnr: true } : cqe);
    const from = hd.sqes.length;
    const err = await m.setState('STOP_COPY').catch((e: unknown) => e);
    expect((err as VfioArcError).rollback).toBe('resumed');
    expect(hd.sent(from)).toEqual(['suspend', 'identify CNS 20h', 'getState', 'resume']);
    expect(m.state).toBe('PRE_COPY');
    expect(dev.inspect(1).lmState).toBe('running');
  });

  it('D25: without the vendor UUID in CNS 20h the driver names no vendor section (CSUUIDI 0) and the state carries none (VSS 0)', async () => {
    const { hd } = tpRig();
    hd.after = async (sqe, cqe, dev) => {
      if (sqe[0] === 0x06 && sqe[40] === 0x20) await dev.write(new DataView(sqe.buffer, sqe.byteOffset).getBigUint64(24, true), encodeSupportedStateFormats({ versions: [0x0000], uuids: [] }));
      return cqe;
    };
    const host = await NvmeLmHost.attach(hd, { profile: 'tp4159' });
    const r = await host.vf(0).setState('STOP_COPY');
    const bytes = await (r.stream as SaveStream).readAll();
    expect(hd.fields(-1)).toMatchObject({ csuuidi: 0n, csvi: 1n });
    expect(decodeControllerState(bytes).state.vendor.length).toBe(0);
  });
});

describe('tp4159 arcs follow the one VFIO walk (I8)', () => {
  for (const flags of FLAG_SETS) {
    it(`I8: every (current, requested) with flags ${describeFlags(flags)}: the kernel's walk, each step as section 6 sends it naming CNTLID 3, and the VF suspended exactly outside RUNNING/PRE_COPY`, async () => {
      const { hd, host, dev } = await attached({ flags });
      const vf3 = () => host.vf(2);
      await vf3().setState('STOP_COPY');
      const saved = await vf3().saveStream!.readAll();
      for (const cur of VFIO_STATES) {
        if (!stateSupported(cur, flags)) continue;
        for (const req of VFIO_STATES) {
          await hd.inner.flr(3); // D34: back to a running VF, the driver in RUNNING
          await vf3().setState(cur);
          if (cur === 'RESUMING') await vf3().resumeStream!.write(saved);
          const from = hd.sqes.length;
          const expected = expectedWalk(cur, req, flags);
          const label = `${describeFlags(flags)} ${cur} -> ${req}`;
          if (expected === 'EINVAL') {
            await expect(vf3().setState(req), label).rejects.toBeInstanceOf(VfioStateError);
            expect(hd.sent(from), label).toEqual([]);
            continue;
          }
          await vf3().setState(req);
          const hops = [cur, ...expected];
          const steps = expected.flatMap((to, i) => DECIDED[`${hops[i]}>${to}`]);
          // the user data log's own commands (pre-copy, section 6) are pinned by the PRE_COPY tests below
          expect(hd.sent(from).filter((c) => !LOG_COMMANDS.has(c)), label).toEqual(steps.flatMap((s) => TP4159_STEPS[s]));
          const named = hd.sqes.slice(from).map((s) => decodeTp4159(s)?.fields.cntlid ?? decodeTp4159(s)?.fields.cqs).filter((c) => c !== undefined).map(Number);
          expect(new Set(named), label).toEqual(new Set(named.length ? [3] : []));
          expect(dev.inspect(3).lmState === 'running', label).toBe(req === 'RUNNING' || req === 'PRE_COPY');
        }
      }
    });
  }
});

describe('tp4159 PRE_COPY with user data logging (section 6, D28-D32)', () => {
  const PRE = MIG_STOP_COPY | MIG_PRE_COPY;

  it('section 6, D28, D29: RUNNING -> PRE_COPY reads the header, then creates a UDMQ for the VF\'s CNTLID and starts logging; the stream carries the log', async () => {
    const { hd, host, dev } = await attached({ flags: PRE });
    const from = hd.sqes.length;
    const r = await host.vf(0).setState('PRE_COPY');
    expect(hd.sent(from)).toEqual(['identify CNS 20h', 'getState', 'cdqCreate', 'trackSend']);
    expect(hd.fields(-2)).toMatchObject({ cqs: 1n, qt: 0n, pc: 1n });
    expect(hd.fields(-1)).toMatchObject({ lact: 1n });
    const log = (r.stream as SaveStream).dirtyLog!;
    expect(dev.controller(0).hmlm.cdqs.get(log.cdqid)).toMatchObject({ cntlid: 1, logging: true });
  });

  it('section 6, D32: PRE_COPY -> STOP_COPY suspends, drains the log to its ESA 3 entry, then takes the state; the stream\'s log has ended "suspended"', async () => {
    const { hd, host } = await attached({ flags: PRE });
    const m = host.vf(0);
    await m.setState('PRE_COPY');
    const from = hd.sqes.length;
    await m.setState('STOP_COPY');
    expect(hd.sent(from)).toEqual(['suspend', 'identify CNS 20h', 'getState', 'getState', 'setCdqFeature']);
    expect(m.saveStream!.dirtyLog!.end).toBe('suspended');
    expect(await m.saveStream!.dirtyLog!.drain()).toEqual({ ranges: [], end: 'suspended' });
    const at = hd.sqes.length;
    await m.setState('STOP');
    expect(hd.sent(at)).toEqual(['cdqDelete']); // logging already ended with the Suspend: no Track Send stop
  });

  it('D29: PRE_COPY -> RUNNING stops logging (ESA 2) and deletes the queue', async () => {
    const { hd, host, dev } = await attached({ flags: PRE });
    const m = host.vf(0);
    await m.setState('PRE_COPY');
    const from = hd.sqes.length;
    await m.setState('RUNNING');
    expect(hd.sent(from)).toEqual(['setCdqFeature', 'trackSend', 'cdqDelete']);
    expect(dev.controller(0).hmlm.cdqs.size).toBe(0);
  });

  it('D29: a pre-copy entered while suspended (RUNNING_P2P -> PRE_COPY_P2P) has no log: Track Send would be Controller Suspended', async () => {
    const { hd, host } = await attached({ flags: PRE | MIG_P2P });
    const m = host.vf(0);
    await m.setState('RUNNING_P2P');
    const from = hd.sqes.length;
    await m.setState('PRE_COPY_P2P');
    expect(hd.sent(from)).toEqual(['identify CNS 20h', 'getState']);
    expect(m.saveStream!.dirtyLog).toBeUndefined();
  });

  it('D34, D28: after a VF reset ended a logging pre-copy, the next pre-copy first deletes the stale queue (MCUDMQ = 1) and logs again', async () => {
    const { hd, host, dev } = await attached({ flags: PRE });
    await host.vf(0).setState('PRE_COPY');
    await hd.inner.flr(1);
    expect(host.vf(0).state).toBe('RUNNING');
    const from = hd.sqes.length;
    await host.vf(0).setState('PRE_COPY');
    expect(hd.sent(from)).toEqual(['identify CNS 20h', 'getState', 'cdqDelete', 'cdqCreate', 'trackSend']);
    expect(dev.controller(0).hmlm.cdqs.size).toBe(1);
  });
});
