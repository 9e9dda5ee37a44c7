// The standard's profile behind the arc seam (tp4159 section 6, the 2025
// RFC's mapping): SUSPEND is Suspend STYPE 1 (D22); RESUME is Resume (D23);
// QUERY reads Identify CNS 20h again (the format the guard chose must still
// be listed, D21) and then the state's 48-byte header, whose NVMECSS and VSS
// give the length (D24); SAVE is Get Controller State of the whole state,
// used only when taken suspended (CSUP, D24); LOAD is Set Controller State
// with SEQIND 3 and a 0-based NUMD (D26, D27). Every command names the VF by
// its CNTLID (D20).
import { decodeUints } from '../../wire/layout.ts';
import { encodeTp4159, type Tp4159Command } from '../../wire/tp4159/commandCodec.ts';
import { decodeGetStateDw0 } from '../../wire/tp4159/completions.ts';
import { chooseStateFormat, SEQIND, tp4159Commands as cmd, type StateFormat } from '../../wire/tp4159/hostCommands.ts';
import { CNS_SUPPORTED_STATE_FORMATS, decodeSupportedStateFormats } from '../../wire/tp4159/identify.ts';
import { STATE_HEADER_LAYOUT, STATE_HEADER_SIZE } from '../../wire/tp4159/state.ts';
import { HostError } from '../errors.ts';
import { identifyPage } from '../identify.ts';
import type { HmlmOffer } from '../probeHmlm.ts';
import { DmaBuffer } from '../prp.ts';
import { UserDataLog } from '../userDataLog.ts';
import type { ArcCommands, ArcIo } from './arcCommands.ts';

/** One page of 32-byte entries: 128 slots. */
const DEFAULT_LOG_ENTRIES = 128;

/** Bytes a state's header announces: 48 + NVMECSS x 4 + VSS x 4. */
function announcedLength(header: Uint8Array): number {
  const h = decodeUints(STATE_HEADER_LAYOUT, header.subarray(0, STATE_HEADER_SIZE));
  return STATE_HEADER_SIZE + 4 * Number(h.nvmecss) + 4 * Number(h.vss);
}

function headerSaysSuspended(header: Uint8Array): boolean {
  return decodeUints(STATE_HEADER_LAYOUT, header.subarray(0, STATE_HEADER_SIZE)).suspended === 1n;
}

export class Tp4159ArcCommands implements ArcCommands {
  readonly profile = 'tp4159';

  constructor(
    private readonly offer: HmlmOffer,
    /** slots of the user data migration queue a pre-copy stream logs into */
    readonly logEntries = DEFAULT_LOG_ENTRIES,
    /** D25: move format 0000h alone even when the PF lists the vendor UUID (the other end of the migration lacks it) */
    private readonly standardOnly = false,
    /** D24: with CQE CSUP = 0, take the state when its header's CSATTR says suspended (a controller known to leave DW0 at 0); counted in csupDisagreements */
    private readonly csattrFallback = false,
  ) {}

  /** Get States whose CQE said CSUP = 0 while the header said suspended (taken only with csattrFallback) */
  csupDisagreements = 0;

  /** Section 6: RUNNING -> PRE_COPY creates a UDMQ for the VF and starts logging (D28, D29). */
  startLog(io: ArcIo, vfIndex: number): Promise<UserDataLog> {
    return UserDataLog.start(io, this.cntlidOf(vfIndex), this.logEntries);
  }

  /** D25: the vendor section (admin queue and registers) travels only when the PF lists its UUID. */
  get vendorSection(): boolean {
    return !this.standardOnly && this.offer.format.csuuidi !== 0;
  }

  async suspend(io: ArcIo, vfIndex: number): Promise<void> {
    await this.send(io, (cid) => cmd.suspend(cid, this.cntlidOf(vfIndex), 1));
  }

  async resume(io: ArcIo, vfIndex: number): Promise<void> {
    await this.send(io, (cid) => cmd.resume(cid, this.cntlidOf(vfIndex)));
  }

  async query(io: ArcIo, vfIndex: number): Promise<number> {
    const cntlid = this.cntlidOf(vfIndex);
    this.checkFormat(decodeSupportedStateFormats(await identifyPage(io.device, (sqe) => io.submit(sqe), CNS_SUPPORTED_STATE_FORMATS)));
    const header = await DmaBuffer.allocate(io.device, STATE_HEADER_SIZE);
    try {
      const p = await header.prps(STATE_HEADER_SIZE);
      await this.send(io, (cid) => cmd.getState(cid, { ...this.transfer(cntlid, 0, STATE_HEADER_SIZE), prp1: p.prp1, prp2: p.prp2 }));
      return announcedLength(await header.read(0, STATE_HEADER_SIZE));
    } finally {
      header.free();
    }
  }

  async save(io: ArcIo, vfIndex: number, buffer: DmaBuffer, bytes: number): Promise<void> {
    const cntlid = this.cntlidOf(vfIndex);
    const p = await buffer.prps(bytes);
    const cqe = await this.send(io, (cid) => cmd.getState(cid, { ...this.transfer(cntlid, 0, bytes), prp1: p.prp1, prp2: p.prp2 }));
    if (!decodeGetStateDw0(cqe.dw0).csup) {
      if (this.csattrFallback && headerSaysSuspended(await buffer.read(0, STATE_HEADER_SIZE))) this.csupDisagreements++;
      else throw new HostError('EIO', `Get Controller State of CNTLID ${cntlid} reports CSUP = 0: the state was taken while the VF ran, and a host uses only a state taken suspended (D24); suspend the VF and save again`);
    }
    const length = announcedLength(await buffer.read(0, STATE_HEADER_SIZE));
    if (length !== bytes) throw new HostError('EIO', `the state of CNTLID ${cntlid} announced ${bytes} bytes in its header and then ${length}; the VF is suspended, so its state may not change (D24). Reset the VF (FLR) and retry`);
  }

  async load(io: ArcIo, vfIndex: number, buffer: DmaBuffer, bytes: number): Promise<void> {
    const cntlid = this.cntlidOf(vfIndex);
    if (bytes < STATE_HEADER_SIZE || bytes % 4 !== 0) {
      throw new HostError('EINVAL', `the resume stream holds ${bytes} bytes; a tp4159 controller state is at least its ${STATE_HEADER_SIZE}-byte header and whole dwords (D27), so nothing was sent. Write the whole saved state`);
    }
    const p = await buffer.prps(bytes);
    await this.send(io, (cid) => cmd.setState(cid, SEQIND.WHOLE, { ...this.transfer(cntlid, 0, bytes), prp1: p.prp1, prp2: p.prp2 }));
  }

  private cntlidOf(vfIndex: number): number {
    const id = this.offer.cntlid.get(vfIndex);
    if (id === undefined) throw new HostError('EINVAL', `VF ${vfIndex} is not in the PF's Secondary Controller List (VFs ${[...this.offer.cntlid.keys()].join(', ') || 'none'}), so it has no CNTLID to name (D20)`);
    return id;
  }

  /** D21: the format the guard chose is still the one CNS 20h lists. */
  private checkFormat(formats: { versions: readonly number[]; uuids: readonly string[] }): void {
    const now = chooseStateFormat(formats);
    const was: StateFormat = this.offer.format;
    if (!now || now.csvi !== was.csvi || now.csuuidi !== was.csuuidi) {
      throw new HostError('EIO', `Identify CNS 20h no longer lists the state format the driver attached with (CSVI ${was.csvi}, CSUUIDI ${was.csuuidi}), so no state is read (D21); detach and attach the PF again`);
    }
  }

  private transfer(cntlid: number, offset: number, bytes: number) {
    return { cntlid, format: this.offer.format, vendor: this.vendorSection, offset, bytes };
  }

  private async send(io: ArcIo, make: (cid: number) => Tp4159Command) {
    return io.submit(encodeTp4159(make(0))); // the channel writes its own CID
  }
}
