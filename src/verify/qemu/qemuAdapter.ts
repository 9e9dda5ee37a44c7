// QEMU's emulated NVMe controller (hw/nvme, 7.2) with SR-IOV VFs as an
// implementation under test, driven through qtest with no guest OS. Profile
// no-lm on any QEMU; tp4159 on a QEMU whose PF takes `hmlms=on` and then
// identifies HMLMS (qemuFeatures.ts), else the profile is unsupported.
//
// A QEMU that crashes or hangs is a finding (TargetFault): the call fails
// with what happened, the session ends, and the next reset starts afresh.
//
// Power-on state (`reset`): a fresh QEMU process and a fresh sparse image per
// reset, PCI brought up, `vfs` VFs enabled and ONLINE, every VF controller
// disabled (CC.EN = 0). QEMU cannot have VFs online while the PF controller
// is disabled (any PF reset takes them offline, qemu-nvme.md), so the target
// keeps the PF enabled on a private admin queue at the top of guest memory
// (memoryMap.ts) and reports that honestly: PF CC.EN reads 1 after reset.
// When the tester enables the PF itself (CC.EN=1 with its own AQA/ASQ/ACQ),
// the target first resets the PF so it latches the tester's admin queue, and
// after every PF enable it brings the VFs online again through the PF's admin
// queue (Virtualization Management), as a host's PF driver would. A tester's
// CC.EN 1->0 on the PF is passed through: the VFs go offline until the PF is
// enabled again, which is what QEMU does (D18 asks for a VF reset there).
// A PF FLR likewise leaves the PF disabled (config space restored, as a host
// does) and the VFs offline until the tester enables the PF. `reset` says so
// (ResetInfo.vfsOfflineWhilePfDisabled): while the PF is disabled no host can
// bring a VF online, so a VF's power-on CSTS (RDY 0, CFS 0) is not realisable.
//
// No `batch`: verify drives this adapter in its own process, and each qtest
// command is a socket round trip of its own (qtest has no batch), so a loop
// here would save nothing. `nvme-lm serve --qemu` still answers the
// protocol's batch (the server performs it one request at a time), which
// saves the JSON-lines round trips a verify --exec client would make.
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Adapter, type ResetInfo, type ResetOptions } from '../../target/adapter.ts';
import { QueueTracker, type RawDeviceOps } from '../../target/queueTracker.ts';
import { bitsOf, CC_ENABLE, CSTS_FIELDS, REG } from '../../wire/registers.ts';
import {
  bringUpPci,
  functionLevelReset,
  NVME_BAR0_SIZE,
  restorePf,
  restoreVf,
  type FunctionInfo,
  type Topology,
} from './bringup.ts';
import { checkTesterRange, PRIVATE_ACQ, PRIVATE_ADMIN_ENTRIES, PRIVATE_ASQ, PRIVATE_BUFFER } from './memoryMap.ts';
import { PciConfig } from './pci.ts';
import { MAX_VFS, NAMESPACE_BYTES, qemuArgs, VI_PER_VF, VQ_PER_VF } from './qemuArgs.ts';
import { QemuProcess, resolveQemu } from './qemuProcess.ts';
import { provisionVfs, rewindAdminQueue, type AdminChannel } from './virtMgmt.ts';
import { TargetFault, UnsupportedProfileError, type FaultCommand } from '../../target/errors.ts';
import { choicesQemuLacks, HMLMS_PROPERTY, identifiesHmlms, nvmeDeviceProperties, QEMU_TP4159_CHOICES } from './qemuFeatures.ts';
import { sqeFor } from '../../wire/adminCommands.ts';
import { CQE_SIZE, decodeCqe } from '../../wire/cqe.ts';
import { SQE_SIZE } from '../../wire/sqe.ts';
import { PAGE_MASK } from '../../wire/page.ts';
import { CNS_CONTROLLER, IDENTIFY_SIZE } from '../../wire/identify.ts';

interface QemuAdapterOptions {
  /** Path of qemu-system-x86_64; default: found on PATH. */
  binary?: string;
  /** How long submit waits for a completion before returning null. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** How long a qtest request may go unanswered before QEMU counts as hung (qtest.ts's default). */
  answerTimeoutMs?: number;
}

/** The CID of the target's own Identify on the PF's private admin queue. */
const IDENTIFY_CID = 0xeffe;

/** Whose admin queue the PF controller runs on. */
type PfOwner = 'target' | 'tester';

interface Session {
  proc: QemuProcess;
  cfg: PciConfig;
  topo: Topology;
  tracker: QueueTracker;
  vfs: number;
  pfOwner: PfOwner;
}

/** Why no VF of this target is in its power-on state while the PF is disabled (ResetInfo). */
const VFS_OFFLINE_WHILE_PF_DISABLED =
  'QEMU takes every VF (secondary controller) offline on any PF reset, CC.EN 1->0 or FLR: it reads CSTS.CFS 1 and ignores CC ' +
  'until Virtualization Management brings it online, which goes through the PF\'s admin queue and so needs the PF enabled; ' +
  'the target does that at every PF enable, as a host\'s PF driver does';

/** How long a controller may take to set or clear CSTS.RDY (QEMU does it at once). */
const READY_TIMEOUT_MS = 500;

export class QemuAdapter implements Adapter {
  private session: Session | null = null;
  /** The crash or hang that ended the last session; thrown until the next reset. */
  private fault: TargetFault | null = null;

  constructor(private readonly options: QemuAdapterOptions = {}) {}

  async reset(options: ResetOptions): Promise<ResetInfo> {
    checkResetOptions(options);
    await this.close();
    this.fault = null;
    const binary = resolveQemu(this.options.binary);
    const tp4159 = options.profile === 'tp4159';
    if (tp4159) await requireHmlmsProperty(binary);

    const dir = QemuProcess.makeDir();
    const image = join(dir, 'namespace.img');
    writeFileSync(image, '');
    truncateSync(image, NAMESPACE_BYTES); // sparse: reads as zeros (namespace zeroed)
    let proc: QemuProcess | null = null;
    try {
      proc = await QemuProcess.start({ binary, args: qemuArgs(image, { hmlms: tp4159 }), dir, answerTimeoutMs: this.options.answerTimeoutMs });
      const cfg = new PciConfig(proc.qtest);
      await cfg.enableEcam();
      const topo = await bringUpPci(cfg, options.vfs);
      const session: Session = {
        proc,
        cfg,
        topo,
        vfs: options.vfs,
        pfOwner: 'target',
        tracker: new QueueTracker(rawOps(proc, topo), { timeoutMs: this.options.commandTimeoutMs }),
      };
      await enablePfForTarget(session);
      if (tp4159) await requireHmlmsIdentified(session);
      this.session = session;
      return { vfsOfflineWhilePfDisabled: VFS_OFFLINE_WHILE_PF_DISABLED };
    } catch (err) {
      const fault = proc ? await proc.fault(err) : null;
      if (proc) await proc.stop();
      throw fault ?? err;
    }
  }

  async regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    const s = this.live();
    checkRegister(s, fn, offset, width);
    const cc = ccDwordOf(offset, width, value);
    await this.guard(s, () => (fn !== 0 || cc === null ? s.tracker.regWrite(fn, offset, width, value) : writePfCc(s, offset, width, value, cc)));
  }

  async regRead(fn: number, offset: number, width: 4 | 8): Promise<bigint> {
    const s = this.live();
    checkRegister(s, fn, offset, width);
    return this.guard(s, () => rawOps(s.proc, s.topo).regRead(fn, offset, width));
  }

  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    checkTesterRange(addr, data.length);
    const s = this.live();
    await this.guard(s, () => s.proc.qtest.write(addr, data));
  }

  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    checkTesterRange(addr, len);
    const s = this.live();
    return this.guard(s, () => s.proc.qtest.read(addr, len));
  }

  async submit(fn: number, qid: number, sqe: Uint8Array): Promise<Uint8Array | null> {
    const s = this.live();
    functionOf(s, fn);
    if (fn === 0 && s.pfOwner === 'target') {
      // The PF runs on the target's private queue: for the tester it has none yet.
      throw new Error(
        `function 0 has no submission queue ${qid} of yours: the PF runs on the QEMU target's own admin queue ` +
          `until you enable it (AQA, ASQ, ACQ, then CC.EN=1)`,
      );
    }
    return this.guard(s, () => s.tracker.submit(fn, qid, sqe), { fn, qid, cid: sqe[2] | (sqe[3] << 8), sqe: Buffer.from(sqe).toString('hex') });
  }

  async reap(fn: number): Promise<Uint8Array[]> {
    const s = this.live();
    functionOf(s, fn);
    return this.guard(s, () => s.tracker.reap(fn));
  }

  async flr(fn: number): Promise<void> {
    const s = this.live();
    await this.guard(s, () => flrAndRestore(s, fn));
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.proc.stop();
  }

  /** Pid of the running QEMU, or null (for tests and diagnostics). */
  get pid(): number | null {
    return this.session?.proc.child.pid ?? null;
  }

  /** The qtest socket of the running QEMU, or null. */
  get socketPath(): string | null {
    return this.session?.proc.socketPath ?? null;
  }

  /** Who runs the PF's admin queue right now: the target (after reset / PF FLR) or the tester. */
  get pfOwner(): PfOwner | null {
    return this.session?.pfOwner ?? null;
  }

  private live(): Session {
    if (this.fault !== null) throw this.fault;
    if (this.session === null) throw new Error('the QEMU target is not running: call reset() first (or it was closed)');
    return this.session;
  }

  /**
   * Run `op` on the session; when it fails because QEMU crashed or hung, the
   * session ends (QEMU is gone or killed) and the fault, naming `command`,
   * is what this and every later call until the next reset throw.
   */
  private async guard<T>(s: Session, op: () => Promise<T>, command?: FaultCommand): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const fault = await s.proc.fault(err);
      if (fault === null) throw err;
      this.fault = command ? fault.withCommand(command) : fault;
      this.session = null;
      throw this.fault;
    }
  }
}

async function flrAndRestore(s: Session, fn: number): Promise<void> {
  await functionLevelReset(s.cfg, functionOf(s, fn));
  if (fn === 0) {
    // A PF FLR destroys the VFs and their controllers: a host restores the
    // PF's and the VFs' config space, and the PF stays disabled (D18, D34),
    // its VFs offline until the PF is enabled again, as after CC.EN 1->0.
    for (let k = 0; k <= s.vfs; k++) s.tracker.forgetFunction(k);
    await restorePf(s.cfg, s.topo);
    s.pfOwner = 'tester';
  } else {
    s.tracker.forgetFunction(fn);
    await restoreVf(s.cfg, fn);
  }
}

/** The reset options QEMU can honour; a refusal says why (the message is the suite's "unsupported" reason). */
function checkResetOptions(options: ResetOptions): void {
  const { profile } = options;
  if (profile !== 'no-lm' && profile !== 'tp4159') {
    throw new UnsupportedProfileError(
      profile,
      'QEMU NVMe has no live-migration commands of this project\'s RFC, so it is only the "no-lm" device (D17); use --profile no-lm ' +
        '(or --profile tp4159 with a QEMU built with host-managed live migration, the nvme property hmlms)',
    );
  }
  if (options.strict === true) {
    throw new UnsupportedProfileError(`${profile} (strict)`, 'QEMU ignores reserved fields, so it cannot act as a strict device (D10)');
  }
  if (options.vfQueuePolicy === 'drop') {
    throw new UnsupportedProfileError(`${profile} (vfQueuePolicy drop)`, 'QEMU completes every command, it never drops one (D1)');
  }
  const lacks = choicesQemuLacks(options.tp4159);
  if (lacks.length > 0) {
    throw new UnsupportedProfileError(
      `${profile} (capability choices)`,
      `QEMU's device is what it is (${JSON.stringify(QEMU_TP4159_CHOICES)}): it cannot be asked for ${lacks.join(', ')} at reset`,
    );
  }
  if (options.ioCompletion === 'deferred') {
    throw new UnsupportedProfileError(
      `${profile} (ioCompletion deferred)`,
      'QEMU completes every I/O command it fetches on its own; nothing can hold one in flight until completeIo, so suites with deferred I/O cannot run on it',
    );
  }
  if (!Number.isInteger(options.vfs) || options.vfs < 0 || options.vfs > MAX_VFS) {
    throw new RangeError(`vfs must be an integer from 0 to ${MAX_VFS} for the QEMU target, got ${options.vfs}`);
  }
}

/** tp4159 needs a QEMU whose nvme device has the hmlms property (qemuFeatures.ts). */
async function requireHmlmsProperty(binary: string): Promise<void> {
  const properties = await nvmeDeviceProperties(binary);
  if (!properties.has(HMLMS_PROPERTY)) {
    throw new UnsupportedProfileError(
      'tp4159',
      `${binary} has no "${HMLMS_PROPERTY}" property on its nvme device (-device nvme,help does not list it), so it has no ` +
        'host-managed live migration (TP4159); name a QEMU built with it with --qemu-binary or NVME_LM_QEMU',
    );
  }
}

/** With hmlms=on the PF must identify HMLMS (OACS bit 11, D21); a QEMU that does not has no TP4159 to verify. */
async function requireHmlmsIdentified(s: Session): Promise<void> {
  const channel = pfAdminChannel(s);
  const cqe = await channel.submitAdmin(sqeFor.identify(IDENTIFY_CID, CNS_CONTROLLER, channel.bufferAddress));
  if (cqe === null || decodeCqe(cqe).sc !== 0 || decodeCqe(cqe).sct !== 0) {
    throw new Error('Identify Controller on the PF failed while checking HMLMS: the QEMU target could not read OACS');
  }
  if (!identifiesHmlms(await channel.readBuffer(IDENTIFY_SIZE))) {
    throw new UnsupportedProfileError('tp4159', 'the PF started with hmlms=on, but its Identify Controller OACS bit 11 (HMLMS, D21) reads 0: this QEMU offers no host-managed live migration');
  }
}

function functionOf(s: Session, fn: number): FunctionInfo {
  if (!Number.isInteger(fn) || fn < 0 || fn > s.vfs) {
    throw new RangeError(`function ${fn} does not exist: 0 is the PF and 1..${s.vfs} the VFs enabled by the last reset`);
  }
  return fn === 0 ? s.topo.pf : s.topo.vfs[fn - 1];
}

function checkRegister(s: Session, fn: number, offset: number, width: 4 | 8): void {
  functionOf(s, fn);
  if (width !== 4 && width !== 8) throw new RangeError(`register width must be 4 or 8, got ${width}`);
  if (!Number.isInteger(offset) || offset < 0 || offset + width > Number(NVME_BAR0_SIZE) || offset % width !== 0) {
    throw new RangeError(`register offset 0x${offset.toString(16)} (width ${width}) is not an aligned offset inside the 16 KiB BAR0`);
  }
}

/** The CC dword a write carries, if it touches CC (0x14, or the upper half of an 8-byte write at 0x10). */
function ccDwordOf(offset: number, width: 4 | 8, value: bigint): number | null {
  if (offset === REG.CC && width === 4) return Number(value & 0xffff_ffffn);
  if (offset === REG.CC - 4 && width === 8) return Number((value >> 32n) & 0xffff_ffffn);
  return null;
}

function rawOps(proc: QemuProcess, topo: Topology): RawDeviceOps {
  const qt = proc.qtest;
  const bar = (fn: number): bigint => (fn === 0 ? topo.pf.bar0 : topo.vfs[fn - 1].bar0);
  return {
    regWrite: (fn, offset, width, value) =>
      width === 4 ? qt.writel(bar(fn) + BigInt(offset), Number(value & 0xffff_ffffn)) : qt.writeq(bar(fn) + BigInt(offset), value),
    regRead: async (fn, offset, width) =>
      width === 4 ? BigInt(await qt.readl(bar(fn) + BigInt(offset))) : qt.readq(bar(fn) + BigInt(offset)),
    memWrite: (addr, data) => qt.write(addr, data),
    memRead: (addr, len) => qt.read(addr, len),
  };
}

async function waitReady(s: Session, fn: number, ready: boolean): Promise<boolean> {
  const ops = rawOps(s.proc, s.topo);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const csts = await ops.regRead(fn, REG.CSTS, 4);
    if (bitsOf(csts, CSTS_FIELDS.CFS) === 1) return false;
    if ((bitsOf(csts, CSTS_FIELDS.RDY) === 1) === ready) return true;
    if (Date.now() > deadline) return false;
  }
}

function pfAdminChannel(s: Session): AdminChannel {
  return {
    submitAdmin: (sqe) => s.tracker.submit(0, 0, sqe),
    readBuffer: (len) => s.proc.qtest.read(PRIVATE_BUFFER, len),
    bufferAddress: PRIVATE_BUFFER,
  };
}

/** Enable the PF on the target's private admin queue and bring every VF online. */
async function enablePfForTarget(s: Session): Promise<void> {
  const t = s.tracker;
  const ops = rawOps(s.proc, s.topo);
  if (((await ops.regRead(0, REG.CC, 4)) & 1n) === 1n) {
    await t.regWrite(0, REG.CC, 4, 0n);
    await waitReady(s, 0, false);
  }
  const n = PRIVATE_ADMIN_ENTRIES - 1;
  await t.regWrite(0, REG.AQA, 4, BigInt((n << 16) | n));
  await t.regWrite(0, REG.ASQ, 8, PRIVATE_ASQ);
  await t.regWrite(0, REG.ACQ, 8, PRIVATE_ACQ);
  await t.regWrite(0, REG.CC, 4, CC_ENABLE);
  if (!(await waitReady(s, 0, true))) {
    throw new Error(`QEMU's PF controller did not become ready on the target's admin queue: ${s.proc.stderrText().trim() || 'no message'}`);
  }
  s.pfOwner = 'target';
  await provisionVfs(pfAdminChannel(s), s.vfs, VQ_PER_VF, VI_PER_VF);
}

/**
 * Bring the VFs online through the tester's freshly enabled PF admin queue;
 * when that wrapped it, leave it where a fresh one starts, its memory zeroed
 * as the enable left it (rewindAdminQueue).
 */
async function provisionOnTesterQueue(s: Session): Promise<void> {
  const ops = rawOps(s.proc, s.topo);
  const sent = await provisionVfs(pfAdminChannel(s), s.vfs, VQ_PER_VF, VI_PER_VF);
  const aqa = Number(await ops.regRead(0, REG.AQA, 4));
  const [sqEntries, cqEntries] = [(aqa & 0xfff) + 1, ((aqa >>> 16) & 0xfff) + 1];
  if (!(await rewindAdminQueue(pfAdminChannel(s), sent, sqEntries, cqEntries))) return;
  await ops.memWrite((await ops.regRead(0, REG.ASQ, 8)) & PAGE_MASK, new Uint8Array(sqEntries * SQE_SIZE));
  await ops.memWrite((await ops.regRead(0, REG.ACQ, 8)) & PAGE_MASK, new Uint8Array(cqEntries * CQE_SIZE));
}

/**
 * A tester's write to the PF's CC. Enabling a PF that runs on the target's
 * queue first resets it (so it latches the tester's AQA/ASQ/ACQ); every PF
 * enable is followed by bringing the VFs online through the tester's queue,
 * which is left where a fresh one starts when those commands wrapped it.
 */
async function writePfCc(s: Session, offset: number, width: 4 | 8, value: bigint, cc: number): Promise<void> {
  const ops = rawOps(s.proc, s.topo);
  const enabledNow = ((await ops.regRead(0, REG.CC, 4)) & 1n) === 1n;
  const enable = (cc & 1) === 1;
  let starts = enable && !enabledNow;
  if (enable && enabledNow && s.pfOwner === 'target') {
    await s.tracker.regWrite(0, REG.CC, 4, 0n);
    await waitReady(s, 0, false);
    starts = true;
  }
  if (enabledNow && !enable) s.pfOwner = 'tester';
  await s.tracker.regWrite(0, offset, width, value);
  if (!starts) return;
  s.pfOwner = 'tester';
  if (await waitReady(s, 0, true)) {
    try {
      await provisionOnTesterQueue(s);
    } catch (err) {
      throw new Error(
        `the PF was enabled on the tester's admin queue, but bringing the VFs online through it failed ` +
          `(${(err as Error).message}); give the PF an admin queue of at least 2 entries in plain RAM`,
      );
    }
  }
}
