// What the standard profile (tp4159) keeps per function besides queues and
// registers: on the PF (the management controller) its Controller Data
// Queues, each a User Data Migration Queue logging one VF's changes (D28-D33);
// on a VF the Set Controller State parts accumulated so far (D26).

/** One User Data Migration Queue (QT 0) in host memory, written by the controller. */
export interface Cdq {
  cdqid: number;
  /** the migratable controller whose changes it logs (CQS) */
  cntlid: number;
  /** its pages in host memory, in order (contiguous, or a PRP list's, D28) */
  pages: number[];
  /** entries of 32 bytes (CDQSIZE dwords / 8) */
  entries: number;
  /** next slot the controller writes */
  tail: number;
  /** phase tag of the current pass: 1 on the first, inverted on each wrap (I14) */
  phase: number;
  /** the host's consumer index (Set Features 21h HP): slots before it are free again (D31) */
  hp: number;
  /** tail pointer trigger and whether it is enabled (D33) */
  tpt: number;
  etpt: boolean;
  logging: boolean;
}

/** Set Controller State parts (SEQIND 1, then 0s) waiting for their "last" (D26). */
export interface StateParts {
  data: Uint8Array;
  csvi: number;
  csuuidi: number;
}

/** An asynchronous event's completion dwords (D33). */
export interface AsyncEventWords {
  dw0: number;
  dw1: number;
}

export class HmlmState {
  /** PF only: CDQs by CDQID */
  cdqs = new Map<number, Cdq>();
  /** VF only: parts accumulated by SEQIND 1 and 0 */
  parts: StateParts | undefined = undefined;
  /** VF only: the secondary controller is online (Virtualization Management, hmlmVirt.ts); an offline one is never a management target (D20) */
  online = true;

  /** The queue logging controller `cntlid`'s changes, if logging is on. */
  loggingFor(cntlid: number): Cdq | undefined {
    for (const q of this.cdqs.values()) if (q.cntlid === cntlid && q.logging) return q;
    return undefined;
  }

  /** D34: a reset of VF `cntlid` stops its logging (its queue stays, the PF owns it). */
  stopLogging(cntlid: number): void {
    for (const q of this.cdqs.values()) if (q.cntlid === cntlid) q.logging = false;
  }

  clone(): HmlmState {
    const s = new HmlmState();
    // a copy, then the changed field: `{ ...q, pages }` costs several times as much on Node 20's V8 (src/target/queueState.ts)
    for (const [id, q] of this.cdqs) {
      const c = { ...q };
      c.pages = [...q.pages];
      s.cdqs.set(id, c);
    }
    if (this.parts) {
      s.parts = { ...this.parts };
      s.parts.data = this.parts.data.slice();
    } else s.parts = this.parts;
    s.online = this.online;
    return s;
  }
}
