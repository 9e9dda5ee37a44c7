// The choices the standard leaves a tp4159 device, as a reset asks for them
// (ResetOptions.tp4159 -> DeviceOptions.tp4159), and Virtualization
// Management taking a VF offline (D20), on the emulator in bytes.
import { describe, expect, it } from 'vitest';
import { status } from '../helpers.ts';
import { cs, invalidField, OK, tpSetup } from './tpHost.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { decodeSecondaryControllerList, decodeSupportedStateFormats } from '../../../src/wire/tp4159/identify.ts';
import { SC_HMLM } from '../../../src/wire/status.ts';
import { virtMgmtSqe, VirtAction } from '../../../src/wire/virtMgmt.ts';
import type { Host } from '../helpers.ts';
import type { EmulatedDevice } from '../../../src/emulator/device.ts';

function identify(dev: EmulatedDevice, host: Host, cns: number): Uint8Array {
  const buf = host.alloc(4096);
  expect(status(host.submit(0, 0, sqeFor.identify(host.nextCid(), cns, BigInt(buf))))).toEqual(OK);
  return dev.memory.read(buf, 4096);
}

describe('tp4159 device choices', () => {
  it('D25: a device asked for no vendor state lists no UUID in CNS 20h, and CSUUIDI 1 names nothing (Invalid Field)', () => {
    const { dev, host, tp } = tpSetup({ tp4159: { vendorState: false } });
    expect(decodeSupportedStateFormats(identify(dev, host, 0x20)).uuids).toEqual([]);
    expect(status(tp.getState(1, { csuuidi: 1 }).cqe)).toEqual(invalidField);
    expect(status(tp.getState(1).cqe)).toEqual(OK);
  });

  it('D26: a whole-only device answers SEQIND 1, 0 and 2 with Invalid Field before it looks at the CNTLID, and takes SEQIND 3', () => {
    const { tp } = tpSetup({ tp4159: { seqind: 'whole-only' } });
    expect(status(tp.suspend(1))).toEqual(OK);
    const whole = tp.state(1);
    for (const seqind of [1, 0, 2]) {
      expect(status(tp.setState(1, whole.slice(0, 48), { seqind })), `SEQIND ${seqind}`).toEqual(invalidField);
      expect(status(tp.setState(0, whole.slice(0, 48), { seqind })), `SEQIND ${seqind} naming the PF`).toEqual(invalidField);
    }
    expect(status(tp.setState(1, whole))).toEqual(OK);
  });

  it('D26: a first part naming an unlisted CSVI or CSUUIDI is Invalid Field (the format is checked on every part)', () => {
    const { tp } = tpSetup();
    expect(status(tp.suspend(1))).toEqual(OK);
    const header = tp.state(1).slice(0, 48);
    expect(status(tp.setState(1, header, { seqind: 1, csvi: 2 }))).toEqual(invalidField);
    expect(status(tp.setState(1, header, { seqind: 1, csuuidi: 2 }))).toEqual(invalidField);
    expect(status(tp.setState(1, header, { seqind: 1 }))).toEqual(OK);
  });

  it('D28: Create with PC = 0 is Invalid Field by default; a device asked for it takes the queue from a PRP list and logs into the listed page', () => {
    for (const nonContiguousCdq of [false, true]) {
      const { dev, host, tp } = tpSetup({ tp4159: { nonContiguousCdq } });
      const page = host.alloc(8192);
      const ring = page + ((4096 - (page % 4096)) % 4096);
      dev.memory.write(ring, new Uint8Array(4096));
      const list = host.alloc(8192);
      const at = list + ((4096 - (list % 4096)) % 4096);
      const entry = new Uint8Array(8);
      new DataView(entry.buffer).setBigUint64(0, BigInt(ring), true); // a PRP list of one page
      dev.memory.write(at, entry);
      const cqe = tp.cmd({ kind: 'cdqCreate', qt: 0, pc: false, cqs: 1, cdqsize: 8 * 8, prp1: BigInt(at) });
      if (!nonContiguousCdq) {
        expect(status(cqe)).toEqual(invalidField);
        continue;
      }
      expect(status(cqe)).toEqual(OK);
      expect(status(tp.track((cqe?.dw0 ?? 0) & 0xffff, 1))).toEqual(OK);
      expect(tp.udmq(ring, 1)[0]).toMatchObject({ phase: 1, esa: 1 });
    }
  });

  it('D20: Virtualization Management takes VF 2 offline (CNS 15h says so, a command naming it is 1/1Fh) and online again', () => {
    const { dev, host, tp } = tpSetup();
    const virt = (act: number, cntlid: number) => status(host.submit(0, 0, virtMgmtSqe(host.nextCid(), act, 0, cntlid, 0)));
    expect(virt(VirtAction.SECONDARY_OFFLINE, 2)).toEqual(OK);
    expect(decodeSecondaryControllerList(identify(dev, host, 0x15)).map((c) => c.online)).toEqual([true, false]);
    expect(status(tp.suspend(2))).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_IDENTIFIER));
    expect(status(tp.suspend(1))).toEqual(OK);
    expect(virt(VirtAction.SECONDARY_ONLINE, 2)).toEqual(OK);
    expect(status(tp.suspend(2))).toEqual(OK);
    expect(virt(VirtAction.SECONDARY_ASSIGN, 2)).toEqual(invalidField);
    expect(virt(VirtAction.SECONDARY_OFFLINE, 3)).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_IDENTIFIER));
  });
});
