// Errors the driver raises. Each carries the errno a Linux driver would
// return, so a user of the simulation sees the same failure classes as a
// user of the VFIO uAPI, and a message that says what to do next.
import { describeStatus, type Status } from '../wire/status.ts';
import { adminOpcodeName } from '../wire/opcodes.ts';

type Errno =
  /** request not allowed (unsupported state, blocked arc, bad argument), or a read of a disabled save stream (as the RFC driver answers) */
  | 'EINVAL'
  /** no room: resume buffer full (D16), host region exhausted */
  | 'ENOMEM'
  /** an NVMe command failed or timed out */
  | 'EIO'
  /** a write to a resume stream the driver has disabled (arc or reset, D13), as the RFC driver answers */
  | 'ENODEV'
  /** the device may not receive live-migration commands (D2, D3) */
  | 'EPERM';

export class HostError extends Error {
  constructor(
    readonly errno: Errno,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/** An admin command completed with an error status, or not at all. */
export class NvmeCommandError extends HostError {
  constructor(
    readonly opcode: number,
    readonly cid: number,
    /** the completion's status; undefined when no completion arrived */
    readonly status: Status | undefined,
    /** the VF index the command carried, for LM commands */
    readonly vfIndex?: number,
  ) {
    const what = `${adminOpcodeName(opcode)} (${hex2(opcode)})${vfIndex === undefined ? '' : ` for VF index ${vfIndex}`}`;
    super(
      'EIO',
      status === undefined
        ? `${what} got no completion within the timeout (CID ${cid}); check that the PF is enabled and its admin queue is serviced`
        : `${what} completed with ${describeStatus(status)} (CID ${cid})`,
    );
    this.name = 'NvmeCommandError';
  }

  get timedOut(): boolean {
    return this.status === undefined;
  }
}

/** An internal contradiction in the driver itself; never caught and turned into an arc failure. */
export class DriverBugError extends Error {
  constructor(message: string) {
    super(`driver bug: ${message}`);
    this.name = 'DriverBugError';
  }
}
