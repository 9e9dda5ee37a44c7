// What the standard profile's completions and small data buffers carry
// (tp4159 section 2): Get Controller State's DW0 (CSUP), Controller Data
// Queue Create's DW0 (CDQID), the 8 bytes Get Features FID 21h returns, and
// the One-Shot asynchronous event (type 4h) in an AER completion's DW0/DW1.
import { decodeUints, encodeUints, WireError, type Layout } from '../layout.ts';

function dwordOf(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}
function dwordBytes(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(`${v} is not a dword`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

export const GET_STATE_DW0_LAYOUT: Layout = {
  name: 'Get Controller State completion DW0',
  size: 4,
  fields: [
    { name: 'csup', offset: 0, width: 4, bits: [0, 0], doc: 'bit 0 CSUP: the controller is suspended (D24)' },
    { name: 'rsvd', offset: 0, width: 4, bits: [31, 1], doc: 'bits 31:1 reserved' },
  ],
};

export const CDQ_CREATE_DW0_LAYOUT: Layout = {
  name: 'Controller Data Queue Create completion DW0',
  size: 4,
  fields: [
    { name: 'cdqid', offset: 0, width: 4, bits: [15, 0], doc: 'bits 15:0 CDQID of the new queue (D28)' },
    { name: 'rsvd', offset: 0, width: 4, bits: [31, 16], doc: 'bits 31:16 reserved' },
  ],
};

export const CDQ_FEATURE_DATA_LAYOUT: Layout = {
  name: 'Get Features FID 21h data',
  size: 8,
  fields: [
    { name: 'hp', offset: 0, width: 4, doc: 'HP head pointer, in entries' },
    { name: 'tpt', offset: 4, width: 4, doc: 'TPT tail pointer trigger, in entries' },
  ],
};

export const ASYNC_EVENT_LAYOUT: Layout = {
  name: 'Asynchronous Event Request completion DW0/DW1',
  size: 8,
  fields: [
    { name: 'type', offset: 0, width: 1, bits: [2, 0], doc: 'DW0 2:0 asynchronous event type (4h One-Shot)' },
    { name: 'rsvdType', offset: 0, width: 1, bits: [7, 3], doc: 'DW0 7:3 reserved' },
    { name: 'info', offset: 1, width: 1, doc: 'DW0 15:8 asynchronous event information (see ONE_SHOT_INFO)' },
    { name: 'lid', offset: 2, width: 1, doc: 'DW0 23:16 log page identifier (none for One-Shot, D33)' },
    { name: 'rsvdDw0', offset: 3, width: 1, doc: 'DW0 31:24 reserved' },
    { name: 'param', offset: 4, width: 4, doc: 'DW1 event specific (One-Shot: the CDQID)' },
  ],
};

export const ASYNC_EVENT_TYPE_ONE_SHOT = 0x4;
export const ONE_SHOT_INFO = { TAIL_POINTER_TRIGGER: 0, CDQ_FULL: 1 } as const;

export function encodeGetStateDw0(csup: boolean): number {
  return dwordOf(encodeUints(GET_STATE_DW0_LAYOUT, { csup: csup ? 1 : 0 }));
}
export function decodeGetStateDw0(dw0: number): { csup: boolean } {
  return { csup: decodeUints(GET_STATE_DW0_LAYOUT, dwordBytes(dw0)).csup === 1n };
}

export function encodeCdqCreateDw0(cdqid: number): number {
  return dwordOf(encodeUints(CDQ_CREATE_DW0_LAYOUT, { cdqid }));
}
export function decodeCdqCreateDw0(dw0: number): { cdqid: number } {
  return { cdqid: Number(decodeUints(CDQ_CREATE_DW0_LAYOUT, dwordBytes(dw0)).cdqid) };
}

interface CdqFeatureData {
  hp: number;
  tpt: number;
}
export function encodeCdqFeatureData(d: CdqFeatureData): Uint8Array {
  return encodeUints(CDQ_FEATURE_DATA_LAYOUT, { hp: d.hp, tpt: d.tpt });
}
export function decodeCdqFeatureData(b: Uint8Array): CdqFeatureData {
  const v = decodeUints(CDQ_FEATURE_DATA_LAYOUT, b);
  return { hp: Number(v.hp), tpt: Number(v.tpt) };
}

interface AsyncEvent {
  type: number;
  info: number;
  lid: number;
  /** DW1 */
  param: number;
}

/** A One-Shot event (D33): info 0 tail reached the trigger, 1 queue full; DW1 the CDQID. */
export function encodeOneShotEvent(info: number, cdqid: number): { dw0: number; dw1: number } {
  if (cdqid > 0xffff) throw new WireError(`CDQID ${cdqid} does not fit 16 bits`);
  return encodeAsyncEvent({ type: ASYNC_EVENT_TYPE_ONE_SHOT, info, lid: 0, param: cdqid });
}

export function encodeAsyncEvent(e: AsyncEvent): { dw0: number; dw1: number } {
  const b = encodeUints(ASYNC_EVENT_LAYOUT, { ...e });
  return { dw0: dwordOf(b.subarray(0, 4)), dw1: dwordOf(b.subarray(4, 8)) };
}

export function decodeAsyncEvent(dw0: number, dw1: number): AsyncEvent {
  const b = new Uint8Array(8);
  b.set(dwordBytes(dw0), 0);
  b.set(dwordBytes(dw1), 4);
  const v = decodeUints(ASYNC_EVENT_LAYOUT, b);
  return { type: Number(v.type), info: Number(v.info), lid: Number(v.lid), param: Number(v.param) };
}
