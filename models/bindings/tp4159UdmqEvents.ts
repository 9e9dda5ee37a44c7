// What an Asynchronous Event Request may complete with, for each event the
// tp4159Udmq machine reports (D33): a One-Shot event, its information (tail
// pointer trigger or queue full) and the CDQID in DW1. A pure function of
// the machine's report and what the controller sent, so the binding's check
// is tested without a device.
import { encodeOneShotEvent, ONE_SHOT_INFO } from '../../src/wire/tp4159/completions.ts';
import type { OneShot, OneShotReport } from '../../machines/tp4159Udmq.ts';

/** The DW0 values one AER may complete with, its DW1, and the kind a pair's first report turned out to be. */
export interface WantedEvent {
  dw0: number[];
  dw1: number;
  /** after an 'either': the kind the controller sent first (null if it sent neither); else unchanged */
  pairFirst: OneShot | null;
}

const PAIR: readonly OneShot[] = ['tail', 'full'];

export const oneShotDw0 = (k: OneShot, cdqid: number): number =>
  encodeOneShotEvent(k === 'tail' ? ONE_SHOT_INFO.TAIL_POINTER_TRIGGER : ONE_SHOT_INFO.CDQ_FULL, cdqid).dw0 >>> 0;

/**
 * The event `e` as an AER must carry it. The two events one entry raises
 * (it reaches the trigger and fills the queue) come in the order the
 * controller chooses, D33 orders them not: 'either' takes tail or full and
 * remembers which (`sent`, the DW0 the controller sent), 'other' wants the
 * one of the pair not yet reported (`pairFirst`).
 */
export function wantedEvent(e: OneShotReport, cdqid: number, sent: number | undefined, pairFirst: OneShot | null): WantedEvent {
  if (e === 'either') {
    return { dw0: PAIR.map((k) => oneShotDw0(k, cdqid)), dw1: cdqid, pairFirst: PAIR.find((k) => oneShotDw0(k, cdqid) === sent) ?? null };
  }
  if (e === 'other') {
    if (pairFirst === null) throw new Error('the machine reports the second event of a pair whose first was never reported (binding out of step)');
    return { dw0: [oneShotDw0(pairFirst === 'tail' ? 'full' : 'tail', cdqid)], dw1: cdqid, pairFirst: null };
  }
  return { dw0: [oneShotDw0(e, cdqid)], dw1: cdqid, pairFirst };
}
