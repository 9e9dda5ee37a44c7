// A HostDevice that can lose or delay the PF's asynchronous events: the
// faults event-lost and event-late of `migrate --storage copy`. It sits
// between the driver and the register-level device and watches the
// Asynchronous Event Requests the driver posts (D33); the first completion of
// one is dropped (the event never reaches the host: a lost interrupt and its
// entry) or handed over only after the driver has looked for it LATE_BY more
// times (a late interrupt). Everything else passes unchanged.
import type { Cqe } from '../wire/cqe.ts';
import { ASYNC_EVENT_REQUEST } from '../wire/opcodes.ts';
import { sqeCid } from '../target/ring.ts';
import { ForwardingDevice } from '../host/forwardingDevice.ts';
import { PATIENCE } from '../host/userDataLog.ts';

export type EventFault = 'lost' | 'late';

/** Looks for a late event before it is handed over: more than the driver's patience (PATIENCE), so it polls first. */
export const LATE_BY = PATIENCE + 4;

export class EventFaultDevice extends ForwardingDevice {
  private fault: EventFault | undefined;
  private readonly aers = new Set<number>();
  /** the completion being held back, and how many more looks until it is handed over */
  private held: { cid: number; cqe: Cqe; looks: number } | undefined;
  /** events dropped (lost) or handed over late */
  lost = 0;
  delayed = 0;

  /** The next event is lost, or late. */
  arm(fault: EventFault): void {
    this.fault = fault;
  }

  async postAdminCommand(sqe: Uint8Array): Promise<void> {
    if (!this.inner.postAdminCommand) throw new Error('the device under the event fault cannot post commands');
    if (sqe[0] === ASYNC_EVENT_REQUEST) this.aers.add(sqeCid(sqe));
    await this.inner.postAdminCommand(sqe);
  }

  async postedCompletion(cid: number): Promise<Cqe | undefined> {
    if (this.held?.cid === cid) return --this.held.looks > 0 ? undefined : this.release();
    const cqe = await this.inner.postedCompletion?.(cid);
    if (!cqe || !this.aers.delete(cid) || this.fault === undefined) return cqe;
    const fault = this.fault;
    this.fault = undefined;
    if (fault === 'lost') {
      this.lost++;
      return undefined; // and never: the driver looks for it in vain
    }
    this.held = { cid, cqe, looks: LATE_BY };
    return undefined;
  }

  private release(): Cqe {
    const cqe = this.held!.cqe;
    this.held = undefined;
    this.delayed++;
    return cqe;
  }
}
