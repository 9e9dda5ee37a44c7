// One VF's local relation inside the tp4159 system, as a function of its
// local state and an event aimed at it: what a command naming that VF (its
// CNTLID, or its UDMQ's CDQID) does to it. Every VF region is built from this
// one table (machine.ts), so the product explorer can learn it once.
//
// A local state is the VF's suspension, its UDMQ (none, logging off, logging
// on: MCUDMQ = 1) and whether that queue holds entries the host has not
// released. Entry counts, full and phase tags are the tp4159Udmq machine's;
// queues and state contents are tp4159Lifecycle's. What is left is what
// matters across VFs: whose queue an entry lands in, and whose state a
// command changes (I13).
import type { TpDecision, TpStatusName } from '../status.ts';

type TpSuspension = 'active' | 'suspended';
type TpQueueState = 'none' | 'off' | 'on';

interface TpLocal {
  lm: TpSuspension;
  q: TpQueueState;
  /** the VF's UDMQ holds entries not yet released (always false without a queue) */
  entries: boolean;
}

export const TP_SYSTEM_VF_EVENT_TYPES = [
  'SUSPEND',
  'RESUME',
  'GET_STATE',
  /** Set State SEQIND 3 of a valid state (its content is tp4159Lifecycle's) */
  'SET_STATE',
  /** Create CDQ with CQS = this VF */
  'CREATE_CDQ',
  'DELETE_CDQ',
  'TRACK_START',
  'TRACK_STOP',
  /** a user-data change completes on this VF (D30) */
  'WRITE',
  /** the host reads and releases this VF's queue's entries (Set Features 21h) */
  'RELEASE',
  'FLR',
  /** a management opcode on this VF's own admin queue (D19) */
  'VF_MANAGEMENT',
] as const;
export type TpSystemVfEventType = (typeof TP_SYSTEM_VF_EVENT_TYPES)[number];

export interface TpLocalRow {
  to: TpLocal;
  status: TpStatusName | 'none';
  decision: TpDecision;
}

export function localName(l: TpLocal): string {
  return `${l.lm}_${l.q}${l.q === 'none' ? '' : l.entries ? '1' : '0'}`;
}

export const TP_LOCAL_STATES: readonly TpLocal[] = (['active', 'suspended'] as const).flatMap((lm) => [
  { lm, q: 'none' as const, entries: false },
  ...(['off', 'on'] as const).flatMap((q) => [false, true].map((entries) => ({ lm, q, entries }))),
]);

const same = (l: TpLocal, status: TpStatusName | 'none', decision: TpDecision): TpLocalRow => ({ to: l, status, decision });
const move = (to: TpLocal, decision: TpDecision): TpLocalRow => ({ to, status: 'SUCCESS', decision });

/** The row for `event` aimed at a VF in local state `l`, or undefined when the environment never sends it there. */
export function localRow(l: TpLocal, event: TpSystemVfEventType): TpLocalRow | undefined {
  const active = l.lm === 'active';
  const hasQ = l.q !== 'none';
  switch (event) {
    case 'SUSPEND':
      // D32: Suspend posts ESA 3 into a logging VF's queue
      return active ? move({ ...l, lm: 'suspended', entries: l.entries || l.q === 'on' }, 'D22') : same(l, 'SUCCESS', 'D22');
    case 'RESUME':
      return active ? same(l, 'CONTROLLER_NOT_SUSPENDED', 'D23') : move({ ...l, lm: 'active', entries: l.entries || l.q === 'on' }, 'D23');
    case 'GET_STATE':
      return same(l, 'SUCCESS', 'D24');
    case 'SET_STATE':
      return active ? same(l, 'CONTROLLER_NOT_SUSPENDED', 'D26') : same(l, 'SUCCESS', 'D26');
    case 'CREATE_CDQ':
      return hasQ ? same(l, 'NOT_ENOUGH_RESOURCES', 'D28') : move({ ...l, q: 'off', entries: false }, 'D28');
    case 'DELETE_CDQ':
      return hasQ ? move({ ...l, q: 'none', entries: false }, 'D28') : same(l, 'INVALID_CDQ', 'D28');
    case 'TRACK_START':
    case 'TRACK_STOP':
      if (!hasQ) return same(l, 'INVALID_CDQ', 'D29');
      if (!active) return same(l, 'CONTROLLER_SUSPENDED', 'D29');
      if ((event === 'TRACK_START') === (l.q === 'on')) return same(l, 'SUCCESS', 'D29');
      // ESA 1 on start, ESA 2 on stop: an entry either way (D29)
      return move({ ...l, q: event === 'TRACK_START' ? 'on' : 'off', entries: true }, 'D29');
    case 'WRITE':
      // a suspended VF fetches nothing, so no change completes on it
      return active ? { to: { ...l, entries: l.entries || l.q === 'on' }, status: 'none', decision: 'D30' } : undefined;
    case 'RELEASE':
      return l.entries ? move({ ...l, entries: false }, 'D31') : undefined;
    case 'FLR':
      // D34: the suspension clears and logging stops; the queue is the PF's and stays
      return { to: { lm: 'active', q: hasQ ? 'off' : 'none', entries: l.entries }, status: 'none', decision: 'D34' };
    case 'VF_MANAGEMENT':
      // modelled where the VF fetches it at once; a latched one is rejected alike after Resume
      return active ? same(l, 'INVALID_OPCODE', 'D19') : undefined;
  }
}
