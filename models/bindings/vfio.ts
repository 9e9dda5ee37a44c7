// Byte binding of the vfioMigration machine: the implementation under test is
// the HOST DRIVER (src/host), judged against the Linux VFIO rules (I8, D13,
// D16), running over a device reached only through the Adapter's raw register
// and memory operations. Each SET_STATE takes the one arc the driver's own
// step function (nextState) picks, so one event is one arc as in the machine;
// then the binding compares the driver's VFIO state, the NVMe commands in its
// command log, its error and its data fds with the machine's prediction.
//
// Faults for ARC_FAILED are real device failures of the arc's first command:
// LOAD fails because user space wrote nothing to the resume fd (CDW11 = 0,
// D7); QUERY, SUSPEND and RESUME cannot fail on a healthy device (D5 accepts
// them in every state), so the binding corrupts that one SQE on its way to
// the PF (FUSE = 01b) and the PF rejects it (D9).
import type { EventObject } from 'xstate';
import { createVfioMigrationSpec, VFIO_FLAG_SETS, vfioStateOf, type VfioMigrationContext, type VfioMigrationEvent } from '../../machines/vfioMigration.ts';
import { LM_OPCODE, type LmCommand } from '../../machines/vfio/arcs.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import { exploreShared } from '../../src/check/sharedExploration.ts';
import type { Path, PathStep } from '../../src/paths/path.ts';
import { transitionCover } from '../../src/paths/transitionCover.ts';
import type { Implementation } from '../../src/paths/trie.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import type { Cqe } from '../../src/wire/cqe.ts';
import { adminOpcodeName, LM } from '../../src/wire/opcodes.ts';
import { describeStatus } from '../../src/wire/status.ts';
import { CC_ENABLE, REG } from '../../src/wire/registers.ts';
import type { PciId } from '../../src/host/device.ts';
import { ForwardingDevice } from '../../src/host/forwardingDevice.ts';
import { NvmeLmHost, LmRefusedError } from '../../src/host/driver.ts';
import { HostError } from '../../src/host/errors.ts';
import { DEFAULT_ALLOWLIST } from '../../src/host/probe.ts';
import { RegisterHostDevice, type RawNvmeBus } from '../../src/host/registerDevice.ts';
import { arcPlan } from '../../src/host/vfio/arcs.ts';
import { VfioArcError, type VfioMigration } from '../../src/host/vfio/migration.ts';
import { nextState } from '../../src/host/vfio/nextState.ts';
import type { VfioState } from '../../src/host/vfio/states.ts';
import { eventName, Mismatch, type Suite } from '../engine/suite.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { DRIVER_REGION, functionPlan } from '../host/hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { memoPaths } from '../engine/observe.ts';

/** The VF the suites migrate: the kernel's VF id 0, NVMe VF index 1, adapter function 1. */
const VF_ID = 0;
const VF_FN = VF_ID + 1;
const GUEST_ENTRIES = 16;

export interface VfioBindingOptions {
  /** how long the driver waits for a completion that may not come (default DEFAULT_TIMEOUT_MS); 0 whenever the target's reset says it is synchronous */
  timeoutMs?: number;
  /**
   * The PF's PCI vendor/device ID. The Adapter has no config-space read, so
   * the target's ID is taken as given (default: the `lm` profile's 8086:4c4d,
   * on the driver's allowlist); the probe still reads Identify byte 3072 (D2).
   */
  pciId?: PciId;
}

/** A transition cover of the machine (no length limit: the driver's arcs), once per suite id. */
const pathsOf = (spec: MachineSpec): Path[] => memoPaths('vfio', spec.id, () => transitionCover(exploreShared(spec)));

/** One suite per VFIO flag set (stop-copy, p2p, pre-copy, p2p+pre-copy), each on an `lm` PF with 2 VFs. */
export function vfioSuites(binding: VfioBindingOptions = {}): Suite[] {
  return VFIO_FLAG_SETS.map((flags) => vfioSuite(flags, binding));
}

export function vfioSuite(flags: number, binding: VfioBindingOptions = {}): Suite {
  const spec = createVfioMigrationSpec(flags);
  const reset: ResetOptions = { vfs: 2, profile: 'lm' };
  const timeoutMs = binding.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pciId = binding.pciId ?? DEFAULT_ALLOWLIST[0];
  return {
    id: spec.id,
    profile: 'lm',
    reset,
    spec,
    requires: {},
    paths: () => pathsOf(spec),
    // No snapshot/restore: the driver's admin queue, CIDs and buffers live in
    // objects that cannot be copied alongside the device, so branches replay from reset.
    implementation: (adapter) => {
      const b = new VfioBinding(adapter, flags, reset, timeoutMs, pciId);
      return { reset: () => b.reset(), step: (event, expected) => b.step(event, expected) } satisfies Implementation;
    },
  };
}

/** The driver's HostDevice with one fault switch: corrupt the next admin command's FUSE field. */
class FaultInjector extends ForwardingDevice<RegisterHostDevice> {
  corruptNext = false;

  override adminCommand(sqe: Uint8Array): Promise<Cqe | null> {
    if (!this.corruptNext) return this.inner.adminCommand(sqe);
    this.corruptNext = false;
    const bad = new Uint8Array(sqe);
    bad[1] |= 0x01; // CDW0 9:8 FUSE = 01b: the PF must answer Invalid Field in Command (D9)
    return this.inner.adminCommand(bad);
  }

}

const hex = (n: bigint): string => `0x${n.toString(16)}`;
const names = (opcodes: readonly number[]): string => (opcodes.length === 0 ? 'nothing' : opcodes.map(adminOpcodeName).join(', '));

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return null;
  } catch (e) {
    return e;
  }
}

class VfioBinding {
  private device: FaultInjector | undefined;
  private host: NvmeLmHost | undefined;
  /** a real SAVE of the VF, captured at reset: what user space writes to the resume fd before a LOAD */
  private image: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly adapter: Adapter,
    private readonly flags: number,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
    private readonly pciId: PciId,
  ) {}

  private get vf(): VfioMigration {
    if (!this.host) throw new Error('binding bug: step before reset');
    return this.host.vf(VF_ID);
  }

  /** Power-on, probe, the guest's controller on VF 1, and one migration out and back to capture an image (D6). */
  async reset(): Promise<void> {
    this.host?.detach();
    const wait = completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs);
    const adapter = this.adapter;
    const bus: RawNvmeBus = {
      regWrite: (fn, offset, width, value) => adapter.regWrite(fn, offset, width, value),
      regRead: (fn, offset, width) => adapter.regRead(fn, offset, width),
      memRead: (addr, len) => adapter.memRead(addr, len),
      memWrite: (addr, data) => adapter.memWrite(addr, data),
      pciId: () => this.pciId,
      flr: (fn) => adapter.flr(fn),
    };
    const regs = new RegisterHostDevice(bus, { memoryBase: DRIVER_REGION.base, memoryBytes: DRIVER_REGION.bytes, timeoutMs: wait });
    this.device = new FaultInjector(regs);
    try {
      this.host = await NvmeLmHost.attach(this.device, { flags: this.flags, allowlist: [this.pciId] });
    } catch (e) {
      if (e instanceof LmRefusedError) throw new Mismatch('the host driver\'s probe of an lm PF (D2, D3)', 'live migration accepted', e.message);
      throw e;
    }
    await this.enableGuest();
    const vf = this.vf;
    const what = `bring-up: the driver migrating VF ${VF_FN} to STOP_COPY and back to RUNNING (to capture an image for LOADs, D6)`;
    try {
      await vf.setState('STOP_COPY');
      this.image = await (vf.saveStream?.readAll() ?? Promise.resolve(new Uint8Array(0)));
      await vf.setState('RUNNING');
    } catch (e) {
      throw new Mismatch(what, 'success', e instanceof Error ? e.message : String(e));
    }
    if (this.image.length === 0) throw new Mismatch(what, 'migration data in the save stream', 'an empty stream');
  }

  /** The guest's driver on VF 1: its admin queue and CC.EN = 1 (D13 is observed on these registers). */
  private async enableGuest(): Promise<void> {
    const { asq, acq } = functionPlan(VF_FN);
    await this.adapter.memWrite(asq, new Uint8Array(2 * PAGE));
    await this.adapter.regWrite(VF_FN, REG.AQA, 4, BigInt(((GUEST_ENTRIES - 1) << 16) | (GUEST_ENTRIES - 1)));
    await this.adapter.regWrite(VF_FN, REG.ASQ, 8, asq);
    await this.adapter.regWrite(VF_FN, REG.ACQ, 8, acq);
    await this.adapter.regWrite(VF_FN, REG.CC, 4, CC_ENABLE);
    const deadline = Date.now() + Math.max(this.timeoutMs, 2000);
    while (((await this.adapter.regRead(VF_FN, REG.CSTS, 4)) & 1n) === 0n) {
      if (Date.now() >= deadline) throw new Error(`VF ${VF_FN} did not set CSTS.RDY after CC.EN = 1: check the VF's enable path`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private async guestRegisters(): Promise<string> {
    const cc = await this.adapter.regRead(VF_FN, REG.CC, 4);
    const csts = await this.adapter.regRead(VF_FN, REG.CSTS, 4);
    return `CC ${hex(cc)}, CSTS ${hex(csts)}`;
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    const e = event as VfioMigrationEvent;
    const host = this.host as NvmeLmHost;
    const vf = this.vf;
    const from = vf.state;
    const label = `${eventName(e)} in ${from}`;
    const mark = host.channel.log.length;
    const openBefore = vf.saveStream ?? vf.resumeStream;
    const guestBefore = await this.guestRegisters();
    const lateBefore = this.lateCompletions();

    let error: unknown = null;
    if (e.type === 'SET_STATE') error = await this.setState(e.target);
    else if (e.type === 'ARC_FAILED') error = await this.failArc(e.target);
    else await this.resetVf(label);

    const ctx = expected.snapshot.context as VfioMigrationContext;
    const want = vfioStateOf(expected.snapshot);
    if (vf.state !== want) throw new Mismatch(`${label}: the driver's VFIO state (I8)`, want, `${vf.state}${error ? ` (${(error as Error).message})` : ''}`);
    const sent = host.channel.log.slice(mark);
    const wantOps = ctx.sent.map((c: LmCommand) => LM_OPCODE[c]);
    const gotOps = sent.map((s) => s.opcode);
    if (names(wantOps) !== names(gotOps)) throw new Mismatch(`${label}: the NVMe commands the driver sent`, names(wantOps), names(gotOps));
    this.checkError(label, ctx, error, from);
    const fd = vf.saveStream && !vf.saveStream.isDisabled ? 'save' : vf.resumeStream && !vf.resumeStream.isDisabled ? 'resume' : 'none';
    if (fd !== ctx.dataFd) throw new Mismatch(`${label}: the open migration data fd`, ctx.dataFd, fd);
    if (openBefore && fd === 'none' && !openBefore.isDisabled) {
      throw new Mismatch(`${label}: the data fd that was open before (D13: closed fds refuse reads and writes)`, 'disabled', 'still usable');
    }
    this.checkNoStrays(label, lateBefore);
    if (e.type === 'ARC_FAILED') {
      const guestAfter = await this.guestRegisters();
      if (guestAfter !== guestBefore) throw new Mismatch(`${label}: VF ${VF_FN}'s registers after the rejected command (I3, D16)`, guestBefore, guestAfter);
    }
    if (error === null && from !== 'STOP_COPY' && want === 'STOP_COPY') {
      const query = sent.find((s) => s.opcode === LM.QUERY)?.outcome;
      const size = query && query !== 'timeout' ? query.dw0 >>> 0 : -1;
      if (vf.saveStream?.size !== size || size <= 0) {
        throw new Mismatch(`${label}: the STOP_COPY stream's length (D8: what QUERY said SAVE writes)`, `${size} bytes`, `${vf.saveStream?.size ?? 'no stream'}`);
      }
    }
  }

  /** One arc toward `target`, as the driver's step function picks it; a refused request is passed on whole. */
  private async setState(target: VfioState): Promise<unknown> {
    const vf = this.vf;
    const answer = nextState(vf.state, target, this.flags);
    if (answer.ok && vf.state === 'RESUMING' && answer.next === 'STOP') await this.writeImage();
    return outcome(() => vf.setState(answer.ok ? answer.next : target));
  }

  /** User space writes the saved image to the resume fd before asking for STOP (the LOAD). */
  private async writeImage(): Promise<void> {
    const rs = this.vf.resumeStream;
    if (!rs) return; // the driver lost its resume fd; the comparison reports it
    if (rs.bytesWritten !== 0) throw new Error(`binding bug: the resume fd already holds ${rs.bytesWritten} bytes`);
    await rs.write(this.image);
  }

  /** D16: the next arc's first command fails on the device; the driver must report it and stay where it was. */
  private async failArc(target: VfioState): Promise<unknown> {
    const vf = this.vf;
    const device = this.device as FaultInjector;
    const answer = nextState(vf.state, target, this.flags);
    const plan = answer.ok ? arcPlan(vf.state, answer.next) : undefined;
    if (!answer.ok || !plan || plan.commands.length === 0) return null; // nothing the device could fail: the machine ignores this event too
    if (plan.commands[0] === 'LOAD') {
      const written = vf.resumeStream?.bytesWritten ?? 0;
      if (written !== 0) throw new Error(`binding bug: the resume fd holds ${written} bytes, so LOAD would not fail on size 0`);
    } else {
      device.corruptNext = true;
    }
    const error = await outcome(() => vf.setState(answer.next));
    device.corruptNext = false;
    return error;
  }

  /** D13: FLR of the VF; the driver hears of it (reset_done) and the VF's controller is back at power-on. */
  private async resetVf(label: string): Promise<void> {
    await (this.device as FaultInjector).inner.flr(VF_FN);
    const en = (await this.adapter.regRead(VF_FN, REG.CC, 4)) & 1n;
    const rdy = (await this.adapter.regRead(VF_FN, REG.CSTS, 4)) & 1n;
    if (en !== 0n || rdy !== 0n) {
      throw new Mismatch(`${label}: VF ${VF_FN}'s controller after FLR (D13: power-on state, disabled)`, 'CC.EN 0, CSTS.RDY 0', await this.guestRegisters());
    }
    await this.enableGuest();
  }

  /** The driver's PF admin queue and the completions it read that answered no command waiting (AdminQueue.lateCompletions). */
  private lateCompletions(): { queue: unknown; count: number } {
    const queue = (this.device as FaultInjector).inner.adminQueue;
    return { queue, count: queue?.lateCompletions.length ?? 0 };
  }

  /** I2: no completion on the PF admin queue answered nothing the driver waited for (a duplicate, a stray) during the step. */
  private checkNoStrays(label: string, before: { queue: unknown; count: number }): void {
    const queue = (this.device as FaultInjector).inner.adminQueue;
    const late = queue?.lateCompletions ?? [];
    const fresh = late.slice(queue === before.queue ? before.count : 0);
    if (fresh.length > 0) {
      throw new Mismatch(`${label}: completions on the PF admin queue (I2)`, 'only the driver\'s own commands\' completions', fresh.map((c) => `CID ${c.cid} SQ ${c.sqid} (${describeStatus(c)})`).join('; '));
    }
  }

  private checkError(label: string, ctx: VfioMigrationContext, error: unknown, from: VfioState): void {
    const got = error === null ? 'success' : error instanceof HostError ? `${error.errno}: ${error.message}` : String(error);
    if (ctx.error === null) {
      if (error !== null) throw new Mismatch(`${label}: the driver's answer`, 'success', got);
      return;
    }
    if (ctx.error.code === 'EINVAL') {
      if (!(error instanceof HostError) || error.errno !== 'EINVAL') throw new Mismatch(`${label}: the driver's answer (I8)`, `EINVAL for ${ctx.error.requested}`, got);
      return;
    }
    const ok = error instanceof VfioArcError && error.errno === 'EIO' && error.state === from;
    if (!ok) throw new Mismatch(`${label}: the driver's answer (D16)`, `EIO: arc ${ctx.error.arc} failed at ${ctx.error.command}, state stays ${from}`, got);
  }
}
