// The host's tp4159 commands, built once for every host that sends them (the
// VFIO driver in src/host, the suites' host in models/host): which state
// format a host names (D21), and the typed commands of the migration arcs
// and of logging (D22-D29, D31), with the counts the spec fixes (NUMD
// 0-based, D27; CDQSIZE in dwords, D28).
import type { Tp4159Command } from './commandCodec.ts';
import { numdFor } from './commandCodec.ts';
import { STATE_FORMAT_VERSION_0 } from './identify.ts';
import { UDMQ_ENTRY_SIZE } from './udmq.ts';
import { NVME_LM_STATE_UUID } from './vendorState.ts';

/** Which SEQIND a Set State part carries (D26). */
export const SEQIND = { MIDDLE: 0, FIRST: 1, LAST: 2, WHOLE: 3 } as const;

/** How a host names the state it reads and writes: indexes into CNS 20h (1-based; 0 = none). */
export interface StateFormat {
  /** CSVI of format 0000h */
  csvi: number;
  /** CSUUIDI of this project's vendor section (D25), 0 when the PF does not list it */
  csuuidi: number;
}

/** D21: the format a host can read, from CNS 20h's lists; undefined when version 0000h is not listed. */
export function chooseStateFormat(formats: { versions: readonly number[]; uuids: readonly string[] }): StateFormat | undefined {
  const v0 = formats.versions.indexOf(STATE_FORMAT_VERSION_0);
  if (v0 < 0) return undefined;
  return { csvi: v0 + 1, csuuidi: formats.uuids.indexOf(NVME_LM_STATE_UUID) + 1 };
}

/** A state transfer: the controller, the format, where in the state and how many bytes, and the PRPs. */
interface StateTransfer {
  cntlid: number;
  format: StateFormat;
  /** use the vendor section (CSUUIDI) or not */
  vendor: boolean;
  offset: number;
  bytes: number;
  prp1: bigint;
  prp2: bigint;
}

export const tp4159Commands = {
  /** Migration Send / Suspend (D22); DUDMQ deletes the UDMQ with it (D32). */
  suspend: (cid: number, cntlid: number, stype: number, dudmq = false): Tp4159Command => ({ kind: 'suspend', cid, cntlid, stype, dudmq }),
  /** Migration Send / Resume (D23). */
  resume: (cid: number, cntlid: number): Tp4159Command => ({ kind: 'resume', cid, cntlid }),
  /** Migration Receive / Get Controller State (D24): `bytes` from `offset`, NUMD 0-based. */
  getState: (cid: number, t: StateTransfer): Tp4159Command => ({
    kind: 'getState', cid, csvi: t.format.csvi, cntlid: t.cntlid, csuuidi: t.vendor ? t.format.csuuidi : 0, csuidxp: 0,
    offset: BigInt(t.offset), uidx: 0, numd: numdFor(t.bytes), prp1: t.prp1, prp2: t.prp2,
  }),
  /** Migration Send / Set Controller State (D26), NUMD 0-based as this project's host sends it (D27). */
  setState: (cid: number, seqind: number, t: StateTransfer): Tp4159Command => ({
    kind: 'setState', cid, seqind, cntlid: t.cntlid, csvi: t.format.csvi, csuuidi: t.vendor ? t.format.csuuidi : 0,
    offset: BigInt(t.offset), uidx: 0, numd: numdFor(t.bytes), prp1: t.prp1, prp2: t.prp2,
  }),
  /** Controller Data Queue Create, QT 0 (a UDMQ), physically contiguous, CQS = the VF's CNTLID, `entries` of 32 bytes at `ring` (D28). */
  cdqCreate: (cid: number, cntlid: number, ring: bigint, entries: number): Tp4159Command => ({ kind: 'cdqCreate', cid, qt: 0, pc: true, cqs: cntlid, cdqsize: (entries * UDMQ_ENTRY_SIZE) / 4, prp1: ring }),
  cdqDelete: (cid: number, cdqid: number): Tp4159Command => ({ kind: 'cdqDelete', cid, cdqid }),
  /** Track Send SEL 0: LACT 1 starts logging into the queue, 0 stops (D29). */
  track: (cid: number, cdqid: number, lact: number): Tp4159Command => ({ kind: 'trackSend', cid, lact, cdqid }),
  /** Set Features FID 21h: the host's head (HP, in entries, D31) and the tail-pointer trigger (D33). */
  setCdq: (cid: number, cdqid: number, hp: number, trigger: { etpt: boolean; tpt: number }): Tp4159Command => ({
    kind: 'setCdqFeature', cid, sv: false, cdqid, etpt: trigger.etpt, hp, tpt: trigger.tpt, uidx: 0,
  }),
} as const;
