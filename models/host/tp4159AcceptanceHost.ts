// The host side of the tp4159Acceptance binding: the PF (TpHost) and the
// guests of VF 1 (the command's target) and VF 2 (a bystander, I13), VF 3
// taken offline at bring-up where the PF offers Virtualization Management, what
// the PF offers beyond TpHost's offer (its own CNTLID, an unknown and an
// offline CNTLID, how many formats CNS 20h lists, MCUDMQ, the VF's queue
// limits), the preconditions a path needs, made with real commands (Suspend,
// an I/O queue pair, a UDMQ), and the observations the binding compares
// before and after the command (Get State of both VFs, their CC/CSTS, every
// UDMQ's Get Features 21h).
import type { Adapter } from '../../src/target/adapter.ts';
import { CNS_CONTROLLER, decodeIdentifyController } from '../../src/wire/identify.ts';
import { CAP_FIELDS, REG } from '../../src/wire/registers.ts';
import { decodeCdqCreateDw0, decodeCdqFeatureData, decodeGetStateDw0 } from '../../src/wire/tp4159/completions.ts';
import { numdFor, type Tp4159Command } from '../../src/wire/tp4159/commandCodec.ts';
import { CNS_SECONDARY_CONTROLLER_LIST, CNS_SUPPORTED_STATE_FORMATS, decodeSecondaryControllerList, decodeSupportedStateFormats, readMigrationIdentify } from '../../src/wire/tp4159/identify.ts';
import { decodeControllerState } from '../../src/wire/tp4159/state.ts';
import { UDMQ_ENTRY_SIZE } from '../../src/wire/tp4159/udmq.ts';
import { toHex } from '../../src/wire/hex.ts';
import { virtMgmtSqe, VirtAction } from '../../src/wire/virtMgmt.ts';
import { describeStatus } from '../../src/wire/status.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { DEFAULT_DEPTHS, describePosted, FunctionDriver, isOk, type DriverState, type Posted, type QueueDepths } from './guest.ts';
import { bulkQueuePair, migrationBuffers, prpListBytes, prpsFor, udmqRing } from './hostPlan.ts';
import { canaryByte, canaryFill, CANARY_TAIL } from './pfHost.ts';
import { GET_STATE_BYTES, TpHost, type TpOffer } from './tp4159Host.ts';
import { Mismatch, NotRealisable } from '../engine/suite.ts';

/** The VF the commands name, and the one that must never change (I13). */
export const TARGET_VF = 1;
export const BYSTANDER_VF = 2;
/** Entries of every UDMQ the binding creates: a page holds 128; 8 make CDQSIZE 64 dwords. */
export const UDMQ_ENTRIES = 8;
/** The VFs' admin queues: 2 entries, run round at bring-up (VF 1's), so the few admin commands a path sends carry the inverted phase tag. */
const VF_DRIVER_DEPTHS: QueueDepths = { ...DEFAULT_DEPTHS, admin: 2 };
/** Bits of CAP (CAP_FIELDS gives [hi, lo]). */
const capField = (cap: bigint, [hi, lo]: readonly [number, number]): number => Number((cap >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));

export interface TpAcceptanceOffer extends TpOffer {
  /** Identify Controller CNTLID of the PF itself (D20: never a target) */
  pfCntlid: number;
  /** a CNTLID neither the PF's nor in the Secondary Controller List */
  unknownCntlid: number;
  /** a secondary controller the list shows offline, if any */
  offlineCntlid: number | undefined;
  /** CNS 20h: how many versions and UUIDs it lists (an index past them names nothing) */
  versions: number;
  uuids: number;
  mcudmq: number;
  mqes: number;
  contiguousOnly: boolean;
}

export interface TpAcceptanceHostState {
  pf: DriverState;
  vfs: DriverState[];
  cdqids: number[];
}

export interface GetStateArgs {
  csvi: number;
  csuuidi: number;
  offset: number;
}

export class TpAcceptanceHost {
  readonly pf: TpHost;
  readonly vfs: FunctionDriver[];
  /** the UDMQs created on this path, in order (ring k+1 of the plan for the k-th) */
  cdqids: number[] = [];
  private offerRead: TpAcceptanceOffer | null = null;

  constructor(
    readonly adapter: Adapter,
    timeoutMs: number,
  ) {
    this.pf = new TpHost(adapter, timeoutMs);
    this.vfs = [TARGET_VF, BYSTANDER_VF].map((fn) => new FunctionDriver(adapter, fn, timeoutMs, VF_DRIVER_DEPTHS));
  }

  get offer(): TpAcceptanceOffer {
    if (this.offerRead === null) throw new Error('TpAcceptanceHost: bring the device up before building commands');
    return this.offerRead;
  }

  vf(fn: number): FunctionDriver {
    return this.vfs[fn - 1];
  }

  save(): TpAcceptanceHostState {
    return { pf: this.pf.driver.save(), vfs: this.vfs.map((d) => d.save()), cdqids: [...this.cdqids] };
  }

  restore(s: TpAcceptanceHostState): void {
    this.pf.driver.restore(s.pf);
    this.vfs.forEach((d, i) => d.restore(s.vfs[i]));
    this.cdqids = [...s.cdqids];
  }

  /** The PF enabled and its offer read (D21); both VFs' guests enabled, active, without I/O queues. */
  async bringUp(): Promise<void> {
    await this.pf.driver.enable();
    const base = await this.pf.learn('reset');
    const id = await this.pf.driver.identify(CNS_CONTROLLER, 'Identify Controller');
    const pfCntlid = decodeIdentifyController(id).cntlid;
    const formats = decodeSupportedStateFormats(await this.pf.driver.identify(CNS_SUPPORTED_STATE_FORMATS, 'Identify CNS 20h (D21)'));
    await this.takeOffline(decodeSecondaryControllerList(await this.pf.driver.identify(CNS_SECONDARY_CONTROLLER_LIST, 'Identify CNS 15h')));
    const list = decodeSecondaryControllerList(await this.pf.driver.identify(CNS_SECONDARY_CONTROLLER_LIST, 'Identify CNS 15h'));
    const used = new Set([pfCntlid, ...list.map((c) => c.scid)]);
    let unknownCntlid = 1;
    while (used.has(unknownCntlid)) unknownCntlid++;
    const cap = await this.adapter.regRead(TARGET_VF, REG.CAP, 8);
    this.offerRead = {
      ...base,
      pfCntlid,
      unknownCntlid,
      offlineCntlid: list.find((c) => !c.online)?.scid,
      versions: formats.versions.length,
      uuids: formats.uuids.length,
      mcudmq: readMigrationIdentify(id).mcudmq,
      mqes: capField(cap, CAP_FIELDS.MQES),
      contiguousOnly: capField(cap, CAP_FIELDS.CQR) === 1,
    };
    for (const fn of [TARGET_VF, BYSTANDER_VF]) {
      if (!list.some((c) => c.vfn === fn && c.online)) throw new Mismatch('reset: the Secondary Controller List (D20)', `VF ${fn} online`, list.map((c) => `VF ${c.vfn} ${c.online ? 'online' : 'offline'}`).join(', ') || 'empty');
      await this.vf(fn).enable();
    }
    // a path sends VF 1 a few admin commands, fewer than a pass: it starts them in the second pass
    await this.vf(TARGET_VF).lap(0, 'reset: VF 1\'s admin queue', 'wrapped');
  }

  /**
   * D20 names an offline VF: the first secondary controller past VF 1 and 2
   * is taken offline (Virtualization Management ACT 7). A PF that does not
   * offer it keeps its VFs as they are, and the paths naming an offline VF are
   * NotRealisable there.
   */
  private async takeOffline(list: readonly { scid: number; vfn: number; online: boolean }[]): Promise<void> {
    const spare = list.find((c) => c.vfn > BYSTANDER_VF && c.online);
    if (spare === undefined) return;
    await this.pf.driver.submit(0, virtMgmtSqe(this.pf.driver.cid(), VirtAction.SECONDARY_OFFLINE, 0, spare.scid, 0));
  }

  /** A precondition command: it must succeed. */
  async must(what: string, sent: Promise<{ cqe: Posted | null }>): Promise<Posted> {
    const { cqe } = await sent;
    if (cqe === null || !isOk(cqe)) throw new Mismatch(`precondition: ${what}`, 'Successful Completion', cqe === null ? 'no completion' : describePosted(cqe));
    return cqe;
  }

  suspend(fn: number): Promise<Posted> {
    return this.must(`Suspend STYPE 1 of VF ${fn} (D22)`, this.pf.suspend(fn, 1));
  }

  /** I/O queue pair 1 on VF `fn` (a Set State needs a VF without, D26). */
  async ioPair(fn: number): Promise<void> {
    const d = this.vf(fn);
    for (const sqe of await d.createPairCommands(1)) await this.must(`Create I/O queue 1 on VF ${fn}`, d.submit(0, sqe).then((cqe) => ({ cqe })));
  }

  /** The plan's ring for the next UDMQ: a zeroed page. */
  async nextRing(): Promise<bigint> {
    const k = this.cdqids.length + 1;
    if (k > 7) throw new NotRealisable(`a UDMQ beyond the plan's ${7} rings: MCUDMQ ${this.offer.mcudmq} is more than this binding can fill`);
    const ring = udmqRing(k);
    await this.adapter.memWrite(ring, new Uint8Array(PAGE));
    return ring;
  }

  /** A UDMQ for VF `fn` (D28); its CDQID is remembered. */
  async createCdq(fn: number): Promise<number> {
    const ring = await this.nextRing();
    const cqe = await this.must(`Controller Data Queue Create for VF ${fn} (D28)`, this.pf.cdqCreate(fn, ring, UDMQ_ENTRIES));
    const { cdqid } = decodeCdqCreateDw0(cqe.dw0);
    this.cdqids.push(cdqid);
    return cdqid;
  }

  /** A PRP list page naming `ring` (for Create with PC = 0). */
  async ringList(ring: bigint): Promise<bigint> {
    const list = this.pf.driver.plan.scratch + BigInt(PAGE);
    await this.adapter.memWrite(list, prpListBytes([ring]));
    return list;
  }

  /** A Get State into VF `fn`'s save buffer, canary beyond; the bytes written up to the state's own length. */
  async getState(fn: number, a: GetStateArgs): Promise<{ cqe: Posted | null; bytes: Uint8Array }> {
    const { save } = migrationBuffers(fn);
    await this.adapter.memWrite(save.start, canaryFill(GET_STATE_BYTES + CANARY_TAIL));
    const p = prpsFor(save, GET_STATE_BYTES);
    if (p.listEntries.length > 0) throw new Error('binding bug: a Get State needs no PRP list');
    const { cqe } = await this.pf.send((cid) => ({
      kind: 'getState', cid, csvi: a.csvi, cntlid: this.pf.cntlidOf(fn), csuuidi: a.csuuidi, csuidxp: 0, offset: BigInt(a.offset), uidx: 0, numd: numdFor(GET_STATE_BYTES), prp1: p.prp1, prp2: p.prp2,
    }));
    if (cqe === null || !isOk(cqe)) return { cqe, bytes: new Uint8Array(0) };
    const buffer = await this.adapter.memRead(save.start, GET_STATE_BYTES + CANARY_TAIL);
    let end = buffer.length;
    while (end > 0 && buffer[end - 1] === canaryByte(end - 1)) end--;
    return { cqe, bytes: buffer.slice(0, end) };
  }

  /** The state VF `fn` reports now (format 0, the vendor section where listed), as bytes, and DW0 CSUP: whether it is suspended (D24). */
  async reportedWithCsup(fn: number, vendor: boolean): Promise<{ bytes: Uint8Array; csup: boolean }> {
    const o = this.offer;
    const { cqe, bytes } = await this.getState(fn, { csvi: o.csvi, csuuidi: vendor ? o.csuuidi : 0, offset: 0 });
    if (cqe === null || !isOk(cqe)) throw new Mismatch(`Get Controller State of VF ${fn} (D24: allowed in any state)`, 'Successful Completion', cqe === null ? 'no completion' : describePosted(cqe));
    const length = decodeControllerState(bytes.length >= 48 ? bytes : new Uint8Array(48)).length;
    if (bytes.length > length) throw new Mismatch(`Get Controller State of VF ${fn}: the transfer is the state's length (D24)`, `${length} bytes`, `${bytes.length} bytes written`);
    return { bytes: bytes.slice(0, length), csup: decodeGetStateDw0(cqe.dw0).csup };
  }

  async reported(fn: number, vendor: boolean): Promise<Uint8Array> {
    return (await this.reportedWithCsup(fn, vendor)).bytes;
  }

  async suspended(fn: number): Promise<boolean> {
    return (await this.reportedWithCsup(fn, false)).csup;
  }

  /** Get Features 21h of `cdqid`: its status, and HP/TPT when it succeeds. */
  async cdqFeature(cdqid: number): Promise<{ cqe: Posted | null; hp?: number; tpt?: number }> {
    const buf = this.pf.driver.plan.scratch;
    await this.adapter.memWrite(buf, new Uint8Array(8));
    const { cqe } = await this.pf.send((cid) => this.getCdqFeature(cid, cdqid));
    if (cqe === null || !isOk(cqe)) return { cqe };
    return { cqe, ...decodeCdqFeatureData(await this.adapter.memRead(buf, 8)) };
  }

  getCdqFeature(cid: number, cdqid: number): Tp4159Command {
    return { kind: 'getCdqFeature', cid, gsel: 0, cdqid, uidx: 0, prp1: this.pf.driver.plan.scratch, prp2: 0n };
  }

  /** The plan's I/O queue pair 1 of VF `fn`, zeroed: what a state to set names. */
  async statePair(fn: number): Promise<{ sq: bigint; cq: bigint }> {
    const pair = bulkQueuePair(fn, 1);
    await this.adapter.memWrite(pair.sq, new Uint8Array(2 * PAGE));
    return pair;
  }

  /** Everything a rejected command must leave as it was (I3, I9, I13): both VFs' state and registers, every UDMQ. */
  async fingerprint(vendor: boolean): Promise<string[]> {
    const out: string[] = [];
    for (const fn of [TARGET_VF, BYSTANDER_VF]) {
      const cc = await this.adapter.regRead(fn, REG.CC, 4);
      const csts = await this.adapter.regRead(fn, REG.CSTS, 4);
      const { bytes, csup } = await this.reportedWithCsup(fn, vendor);
      out.push(`VF ${fn}: CC 0x${cc.toString(16)}, CSTS 0x${csts.toString(16)}, suspended ${csup}, state ${toHex(bytes)}`);
    }
    for (const cdqid of this.cdqids) {
      const f = await this.cdqFeature(cdqid);
      out.push(`UDMQ ${cdqid}: ${f.cqe === null ? 'no completion' : isOk(f.cqe) ? `HP ${f.hp}, TPT ${f.tpt}` : describeStatus(f.cqe)}`);
    }
    return out;
  }
}

/** The UDMQ entry count as CDQSIZE (dwords). */
export function cdqsizeOf(entries: number): number {
  return (entries * UDMQ_ENTRY_SIZE) / 4;
}
