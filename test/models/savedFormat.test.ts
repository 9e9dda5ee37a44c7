// The emulator's saved-data format descriptor: each defect it makes is the
// one D7 names and no other (the emulator's own decoder says which check
// fails), the CRC it re-seals with is the emulator's, and LOAD of such an
// image through the Adapter is Invalid Field in Command with the VF unchanged.
import { beforeEach, describe, expect, it } from 'vitest';
import { AcceptanceHost } from '../../models/host/pfAcceptanceHost.ts';
import { ACCEPTANCE_PLAN } from '../../models/host/hostPlan.ts';
import { crc32, EMULATOR_SAVED_FORMAT, withFormatDefect } from '../../models/host/savedFormat.ts';
import { MAX_IO_QUEUES } from '../../src/emulator/options.ts';
import { decodeSavedData, SAVED_VERSION } from '../../src/emulator/savedData.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { describeStatus, generic, SC, SUCCESS } from '../../src/wire/status.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';

const F = EMULATOR_SAVED_FORMAT;
/** The emulator's strictest VF: every limit at its maximum, so a geometry beyond it is beyond every VF's. */
const LIMITS = { maxIoQueues: MAX_IO_QUEUES, isMapped: () => true };
const defectOf = (image: Uint8Array): string => {
  const d = decodeSavedData(image, image.length, LIMITS);
  return d.ok ? 'none' : d.defect;
};

let adapter: EmulatorAdapter;
let host: AcceptanceHost;
let image: Uint8Array;

/** PF and VF 1 enabled with `pairs` I/O queue pairs, VF 1 suspended and saved: the image its SAVE wrote. */
async function savedImage(pairs: number): Promise<Uint8Array> {
  await adapter.reset({ vfs: 2, profile: 'lm' });
  host.forget();
  await host.enable(0);
  await host.enable(1);
  for (let qid = 1; qid <= pairs; qid++) await host.createIoPair(1, qid);
  await host.pfLm('SUSPEND', LM.SUSPEND, 1);
  const length = await host.saveImage(1);
  return adapter.memRead(ACCEPTANCE_PLAN.image, length);
}

/** LOAD VF 1 from `data` placed in the image buffer; the completion's status. */
async function load(data: Uint8Array): Promise<string> {
  await adapter.memWrite(ACCEPTANCE_PLAN.image, data);
  const prps = await host.listPrps(ACCEPTANCE_PLAN.image, ACCEPTANCE_PLAN.imageList, data.length);
  const cqe = await host.admin(0, encodeLmCommand({ opcode: LM.LOAD, cid: host.nextCid(), vfIndex: 1, ...prps, size: data.length }));
  return cqe === null ? 'no completion' : describeStatus(cqe);
}

beforeEach(async () => {
  adapter = new EmulatorAdapter();
  host = new AcceptanceHost(adapter, 0);
  image = await savedImage(1);
});

describe('EMULATOR_SAVED_FORMAT: the format-bound D7 defects', () => {
  it('D7: a SAVE image is valid as it is, and seal() of it changes no byte (the descriptor\'s CRC-32 and range are the emulator\'s)', () => {
    expect(defectOf(image)).toBe('none');
    expect(F.seal(image)).toEqual(image);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
  });

  it('D7: with the version set, only the version check fails (the version lies before the CRC\'s range, so sealing keeps every byte)', () => {
    expect(F.unknownVersion).not.toBe(SAVED_VERSION);
    const versioned = F.setVersion(image, F.unknownVersion);
    expect(defectOf(versioned)).toBe('badVersion');
    expect(withFormatDefect(F, 'badVersion', image)).toEqual(versioned);
    expect(versioned.filter((b, i) => b !== image[i]).length).toBeGreaterThan(0);
    expect(defectOf(F.setVersion(image, SAVED_VERSION))).toBe('none'); // the field written is the one the decoder reads
  });

  it('D7: exceedGeometry alone breaks the checksum; re-sealed, it passes the checksum and fails geometry, even at the largest VF limit', async () => {
    expect(defectOf(F.exceedGeometry(image))).toBe('badChecksum');
    expect(defectOf(withFormatDefect(F, 'badGeometry', image))).toBe('badGeometry');
    const full = await savedImage(MAX_IO_QUEUES); // a VF using all it may: still beyond
    expect(defectOf(full)).toBe('none');
    expect(defectOf(withFormatDefect(F, 'badGeometry', full))).toBe('badGeometry');
  });

  it('the descriptor copies: the image it was given is unchanged', () => {
    const before = image.slice();
    withFormatDefect(F, 'badVersion', image);
    withFormatDefect(F, 'badGeometry', image);
    expect(image).toEqual(before);
  });

  it('an image that is not in this format is refused with what to do', () => {
    expect(() => F.setVersion(new Uint8Array(16), 2)).toThrow(/give its suites no savedFormat/);
    expect(() => F.seal(image.subarray(0, image.length - 4))).toThrow(/seal the whole image/);
  });
});

describe('EMULATOR_SAVED_FORMAT through the Adapter', () => {
  it('D7: LOAD of the image with an unknown version is Invalid Field in Command; the unchanged image then loads (nothing was applied)', async () => {
    expect(await load(withFormatDefect(F, 'badVersion', image))).toBe(describeStatus(generic(SC.INVALID_FIELD)));
    expect(await load(image)).toBe(describeStatus(SUCCESS));
  });

  it('D7: LOAD of the image with an excess geometry is Invalid Field in Command; the unchanged image then loads', async () => {
    expect(await load(withFormatDefect(F, 'badGeometry', image))).toBe(describeStatus(generic(SC.INVALID_FIELD)));
    expect(await load(image)).toBe(describeStatus(SUCCESS));
  });
});
