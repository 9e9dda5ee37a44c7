// Reading a UDMQ snapshot: its context, its identity without the observation,
// and whether a step took an edge.
import type { AnyMachineSnapshot } from 'xstate';
import type { Step } from '../../spec.ts';
import type { UdmqContext } from './types.ts';

export function udmqContextOf(s: AnyMachineSnapshot): UdmqContext {
  return s.context as UdmqContext;
}

/** e.g. `active q[110] t2/1 h0/1 u2 log trig@0 aer1 ev:tail` */
export function udmqStateKey(s: AnyMachineSnapshot): string {
  const c = udmqContextOf(s);
  const ring = c.cdq ? `q[${c.slots.join('')}] t${c.tail}/${c.ctrlPhase} h${c.head}/${c.hostPhase} u${c.used}` : 'no-cdq';
  return [String(s.value), ring, c.logging ? 'log' : 'nolog', c.etpt ? `trig@${c.tpt}` : 'notrig', `aer${c.aers}`, `ev:${c.queued.join(',') || '-'}`].join(' ');
}

export function udmqTookEdge(step: Step): boolean {
  return step.after !== step.before && udmqContextOf(step.after).last !== udmqContextOf(step.before).last;
}
