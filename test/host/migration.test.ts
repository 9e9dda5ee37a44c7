import { describe, expect, it } from 'vitest';
import { NvmeLmHost } from '../../src/host/driver.ts';
import { VfioArcError, type SetStateResult } from '../../src/host/vfio/migration.ts';
import { MIG_P2P, MIG_PRE_COPY } from '../../src/host/vfio/states.ts';
import { RESUME_BUFFER_BYTES, ResumeStream, SaveStream } from '../../src/host/vfio/streams.ts';
import { FakePf, type Received } from './fakePf.ts';
import { OPCODE_NAME, probedVf } from './harness.ts';

const KiB = 1024;
/** Index of the first differing byte, or -1 (vitest's deep equality is too slow for megabytes). */
const firstDifference = (a: Uint8Array, b: Uint8Array): number => {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
};
const failWith = (opcode: number, sc = 0x06) => (c: Received) => (c.opcode === opcode ? { sct: 0, sc, dnr: true } : undefined);
const saveStream = (r: SetStateResult): SaveStream => {
  if (!(r.stream instanceof SaveStream)) throw new Error('expected a save stream');
  return r.stream;
};
const resumeStream = (r: SetStateResult): ResumeStream => {
  if (!(r.stream instanceof ResumeStream)) throw new Error('expected a resume stream');
  return r.stream;
};

describe('data path (STOP_COPY, RESUMING): D5, D16', () => {
  for (const bytes of [1, 100, 4096, 4097, 8192, 8193, 64 * KiB + 5, 2 * 1024 * KiB + 12, 3 * 1024 * KiB + 1]) {
    it(`D5: STOP -> STOP_COPY: SAVE gets a PRP buffer of exactly QUERY's ${bytes} bytes and the stream yields exactly them`, async () => {
      const { pf, m } = await probedVf({ stateBytes: bytes });
      await m.setState('STOP');
      const s = saveStream(await m.setState('STOP_COPY'));
      expect(pf.saveLengths).toEqual([bytes]);
      expect(s.size).toBe(bytes);
      const chunks: Uint8Array[] = [];
      for (let c = await s.read(3000); c.length > 0; c = await s.read(3000)) chunks.push(c);
      expect(firstDifference(Buffer.concat(chunks), pf.blob(2, bytes))).toBe(-1);
      expect((await s.read()).length).toBe(0);
    });
  }

  it('RFC arcs: STOP_COPY -> STOP releases the stream and its memory; reads then fail with EINVAL', async () => {
    const { pf, m } = await probedVf({ stateBytes: 10_000 });
    const before = pf.allocator.liveAllocations();
    await m.setState('STOP_COPY');
    const s = m.saveStream!;
    expect(pf.allocator.liveAllocations()).toBeGreaterThan(before);
    await m.setState('STOP');
    expect(m.saveStream).toBeUndefined();
    expect(pf.allocator.liveAllocations()).toBe(before);
    await expect(s.read()).rejects.toMatchObject({ errno: 'EINVAL' });
  });

  it('D16: STOP -> RESUMING -> STOP: LOAD carries size = bytes written and the device receives exactly them', async () => {
    const { pf, m, channel } = await probedVf();
    await m.setState('STOP');
    const w = resumeStream(await m.setState('RESUMING'));
    const data = pf.blob(9, 9000);
    await w.write(data.subarray(0, 4000));
    await w.write(data.subarray(4000));
    expect(w.bytesWritten).toBe(9000);
    await m.setState('STOP');
    const load = channel.log.at(-1)!;
    expect(OPCODE_NAME[load.opcode]).toBe('LOAD');
    expect(pf.received.at(-1)!.size).toBe(9000);
    expect(pf.loaded[1]).toEqual(data);
    await expect(w.write(new Uint8Array(1))).rejects.toMatchObject({ errno: 'ENODEV' });
    await m.setState('RUNNING');
    expect(pf.vf[1]).toBe('running');
  });

  it('D16: a write past 256 KiB fails with ENOMEM and keeps the bytes written so far', async () => {
    const { pf, m } = await probedVf();
    await m.setState('RESUMING');
    const w = m.resumeStream!;
    expect(w.capacity).toBe(256 * KiB);
    const first = pf.blob(5, 200 * KiB);
    await w.write(first);
    await expect(w.write(new Uint8Array(100 * KiB))).rejects.toMatchObject({ errno: 'ENOMEM' });
    expect(w.bytesWritten).toBe(200 * KiB);
    await w.write(new Uint8Array(56 * KiB).fill(0xaa)); // exactly to the end
    expect(w.bytesWritten).toBe(RESUME_BUFFER_BYTES);
    const e = await w.write(new Uint8Array(1)).catch((x: unknown) => x);
    expect(e).toMatchObject({ errno: 'ENOMEM' });
    expect((e as Error).message).toMatch(/the 262144 bytes written so far are kept \(D16\)/);
    await m.setState('STOP');
    expect(pf.received.at(-1)!.size).toBe(RESUME_BUFFER_BYTES);
    expect(firstDifference(pf.loaded[1]!.subarray(0, 200 * KiB), first)).toBe(-1);
    expect(pf.loaded[1]!.subarray(200 * KiB).every((b) => b === 0xaa)).toBe(true);
  });

  it('D6, D16: source to destination: the bytes read from STOP_COPY, written in RESUMING, arrive at the destination LOAD unchanged', async () => {
    const src = await probedVf({ stateBytes: 70_000, vfId: 0 });
    const dst = await probedVf({ vfId: 3 });
    await src.m.setState('STOP_COPY');
    await dst.m.setState('RESUMING');
    for (let c = await src.m.saveStream!.read(16 * KiB); c.length; c = await src.m.saveStream!.read(16 * KiB)) await dst.m.resumeStream!.write(c);
    await dst.m.setState('RUNNING');
    expect(firstDifference(dst.pf.loaded[3]!, src.pf.blob(1, 70_000))).toBe(-1);
    expect(dst.pf.received.filter((r) => r.opcode === 0xd5).map((r) => r.vfIndex)).toEqual([4]);
  });
});

describe('D16: a failed command fails the arc and leaves the state', () => {
  const cases: Array<{ flags: number; from: 'RUNNING' | 'STOP' | 'PRE_COPY' | 'PRE_COPY_P2P'; to: 'STOP' | 'RUNNING' | 'STOP_COPY' | 'PRE_COPY'; fail: number }> = [
    { flags: 1, from: 'RUNNING', to: 'STOP', fail: 0xc8 },
    { flags: 1, from: 'STOP', to: 'RUNNING', fail: 0xcc },
    { flags: 1, from: 'STOP', to: 'STOP_COPY', fail: 0xc4 },
    { flags: 1, from: 'STOP', to: 'STOP_COPY', fail: 0xd2 },
    { flags: 1 | MIG_PRE_COPY, from: 'RUNNING', to: 'PRE_COPY', fail: 0xc4 },
    { flags: 1 | MIG_PRE_COPY, from: 'PRE_COPY', to: 'STOP_COPY', fail: 0xc8 },
    { flags: 7, from: 'PRE_COPY_P2P', to: 'STOP_COPY', fail: 0xd2 },
    { flags: 7, from: 'PRE_COPY_P2P', to: 'PRE_COPY', fail: 0xcc },
  ];
  for (const c of cases) {
    it(`D16: ${c.from} -> ${c.to} with ${OPCODE_NAME[c.fail]} failing stays in ${c.from}, names the arc and the status, frees its buffer`, async () => {
      const { pf, m } = await probedVf({ flags: c.flags });
      await m.setState(c.from);
      const live = pf.allocator.liveAllocations();
      const streamBefore = m.saveStream;
      pf.fault = failWith(c.fail);
      const e = await m.setState(c.to).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(VfioArcError);
      expect((e as VfioArcError).errno).toBe('EIO');
      expect((e as Error).message).toMatch(new RegExp(`VFIO arc ${c.from} -> ${c.to} of VF 1 \\(VF index 2\\) failed at ${OPCODE_NAME[c.fail]}: .*Internal Error \\(SCT 0, SC 0x06, DNR\\).*The VF is in ${c.from}`));
      expect(m.state).toBe(c.from);
      expect(m.saveStream).toBe(streamBefore);
      expect(pf.allocator.liveAllocations()).toBe(live);
    });
  }

  it('D16: PRE_COPY -> STOP_COPY failing after its SUSPEND resumes the VF again, so the VF matches PRE_COPY', async () => {
    const { pf, m, channel } = await probedVf({ flags: 1 | MIG_PRE_COPY });
    await m.setState('PRE_COPY');
    pf.fault = failWith(0xd2);
    const from = channel.log.length;
    const e = await m.setState('STOP_COPY').catch((x: unknown) => x);
    expect((e as VfioArcError).rollback).toBe('resumed');
    expect(channel.log.slice(from).map((x) => OPCODE_NAME[x.opcode])).toEqual(['SUSPEND', 'QUERY', 'SAVE', 'RESUME']);
    expect(m.state).toBe('PRE_COPY');
    expect(pf.vf[1]).toBe('running');
  });

  it('D16: a command that never completes fails the arc the same way', async () => {
    const { pf, m } = await probedVf();
    pf.fault = (c) => (c.opcode === 0xc8 ? 'timeout' : undefined);
    await expect(m.setState('STOP')).rejects.toThrow(/SUSPEND \(0xc8\) for VF index 2 got no completion within the timeout/);
    expect(m.state).toBe('RUNNING');
  });

  it('D16: in a multi-arc walk the state is where the last good arc left it', async () => {
    const { pf, m } = await probedVf({ flags: 1 | MIG_P2P });
    pf.fault = failWith(0xc4, 0x0c);
    const e = await m.setState('STOP_COPY').catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/arc STOP -> STOP_COPY .*Command Sequence Error.*The VF is in STOP/);
    expect(m.state).toBe('STOP');
  });

  it('D16: a failed LOAD leaves RESUMING with the data kept; a retry succeeds', async () => {
    const { pf, m } = await probedVf();
    await m.setState('RESUMING');
    await m.resumeStream!.write(pf.blob(1, 5000));
    pf.fault = failWith(0xd5, 0x02);
    await expect(m.setState('STOP')).rejects.toThrow(/RESUMING -> STOP .*LOAD.*Invalid Field in Command/);
    expect(m.state).toBe('RESUMING');
    expect(m.resumeStream!.bytesWritten).toBe(5000);
    pf.fault = undefined;
    await m.setState('STOP');
    expect(pf.loaded[1]).toEqual(pf.blob(1, 5000));
  });

  it('D16: LOAD with nothing written is sent with size 0 and the device decides (the emulator rejects it, D7)', async () => {
    const { pf, m } = await probedVf();
    await m.setState('RESUMING');
    await expect(m.setState('STOP')).rejects.toThrow(/Invalid Field in Command/);
    expect(pf.received.at(-1)!.size).toBe(0);
    expect(m.state).toBe('RESUMING');
  });
});

describe('D13, D18: resets put the state at RUNNING and close the streams', () => {
  it('D13: a VF reset in STOP_COPY: RUNNING, the stream is closed and its memory freed; other VFs are untouched', async () => {
    const pf = new FakePf({ stateBytes: 9000 });
    const host = await NvmeLmHost.attach(pf);
    const a = host.vf(0);
    const b = host.vf(1);
    const live = pf.allocator.liveAllocations();
    await a.setState('STOP_COPY');
    await b.setState('STOP');
    const s = a.saveStream!;
    pf.reset({ kind: 'vf', vfId: 0 });
    expect(a.state).toBe('RUNNING');
    expect(b.state).toBe('STOP');
    expect(a.saveStream).toBeUndefined();
    await expect(s.read()).rejects.toMatchObject({ errno: 'EINVAL' });
    expect(pf.allocator.liveAllocations()).toBe(live);
  });

  it('D13: a VF reset in RESUMING closes the resume stream (writes fail with ENODEV)', async () => {
    const pf = new FakePf();
    const host = await NvmeLmHost.attach(pf);
    const r = resumeStream(await host.vf(2).setState('RESUMING'));
    pf.reset({ kind: 'vf', vfId: 2 });
    expect(host.vf(2).state).toBe('RUNNING');
    await expect(r.write(new Uint8Array(8))).rejects.toMatchObject({ errno: 'ENODEV' });
  });

  it('D18: a PF reset puts every VF at RUNNING and closes every stream', async () => {
    const pf = new FakePf();
    const host = await NvmeLmHost.attach(pf, { flags: 7 });
    await host.vf(0).setState('STOP_COPY');
    await host.vf(1).setState('RESUMING');
    await host.vf(2).setState('PRE_COPY_P2P');
    pf.reset({ kind: 'pf' });
    for (const i of [0, 1, 2]) {
      expect(host.vf(i).state).toBe('RUNNING');
      expect(host.vf(i).saveStream).toBeUndefined();
      expect(host.vf(i).resumeStream).toBeUndefined();
    }
    await host.vf(0).setState('STOP_COPY'); // and migration can start over
    expect(host.vf(0).saveStream!.size).toBe(1000);
  });

  it('D13: a reset while an arc runs fails that arc, and the state is RUNNING', async () => {
    const pf = new FakePf();
    const m = (await NvmeLmHost.attach(pf)).vf(1);
    await m.setState('STOP');
    // the reset lands after SAVE completed but before the arc could commit
    pf.fault = (c, dev) => {
      if (c.opcode === 0xd2) queueMicrotask(() => dev.reset({ kind: 'vf', vfId: 1 }));
      return undefined;
    };
    await expect(m.setState('STOP_COPY')).rejects.toThrow(/reset while the arc ran.*The VF is in RUNNING/);
    expect(m.state).toBe('RUNNING');
    expect(m.saveStream).toBeUndefined();
  });
});

describe('PRE_COPY and serialization', () => {
  it('I8: RUNNING -> PRE_COPY opens a stream with no pre-copy data, initial_bytes = QUERY size; it carries on into STOP_COPY with the SAVE data', async () => {
    const { pf, m } = await probedVf({ flags: 1 | MIG_PRE_COPY, stateBytes: 5000 });
    const s = saveStream(await m.setState('PRE_COPY'));
    expect(s.precopyInfo()).toEqual({ initialBytes: 5000, dirtyBytes: 0 });
    expect(s.queriedBytes).toBe(5000);
    expect((await s.read()).length).toBe(0);
    expect(pf.vf[1]).toBe('running');
    const r = await m.setState('STOP_COPY');
    expect(r.stream).toBeUndefined(); // same data fd, as the uAPI keeps it
    expect(m.saveStream).toBe(s);
    expect(() => s.precopyInfo()).toThrow(/only available in PRE_COPY/);
    expect(await s.readAll()).toEqual(pf.blob(2, 5000));
  });

  it('I8: PRE_COPY -> RUNNING closes the pre-copy stream', async () => {
    const { m } = await probedVf({ flags: 1 | MIG_PRE_COPY });
    const s = saveStream(await m.setState('PRE_COPY'));
    await m.setState('RUNNING');
    expect(s.isDisabled).toBe(true);
  });

  it('L1: concurrent setState calls run one after the other, like the kernel state mutex', async () => {
    const { channel, m } = await probedVf();
    const [a, b] = await Promise.all([m.setState('STOP_COPY'), m.setState('RUNNING')]);
    expect(a.state).toBe('STOP_COPY');
    expect(b.arcs).toEqual([
      { from: 'STOP_COPY', to: 'STOP' },
      { from: 'STOP', to: 'RUNNING' },
    ]);
    expect(channel.log.slice(1).map((e) => OPCODE_NAME[e.opcode])).toEqual(['SUSPEND', 'QUERY', 'SAVE', 'RESUME']);
  });

  it('I8: an unknown state name is EINVAL and sends nothing', async () => {
    const { channel, m } = await probedVf();
    await expect(m.setState('PAUSED' as never)).rejects.toMatchObject({ errno: 'EINVAL' });
    expect(channel.log.length).toBe(1);
  });
});
