// Byte binding of the tp4159Acceptance machine (D19-D29): every way the PF's
// admin command path of profile tp4159 accepts or rejects ONE management
// command, played in bytes (as pfAcceptance.ts does for the lm profile). The
// machine's events classify the command stage by stage, so `step` only
// records until the path reaches a final state; then the binding brings VF 1
// (the target) into the state the path names with real commands (Suspend, an
// I/O queue pair, UDMQs, a first Set State part), builds the command
// (tp4159AcceptanceCommand.ts), submits it on the PF's or VF 1's admin queue
// and compares:
// - the completion with the final state's meta (status, SCT, SC, DNR);
// - what must not change (I3, I9, I11, I13): both VFs' Get State bytes,
//   suspension, CC and CSTS, and every UDMQ's Get Features 21h, before and
//   after; an execution may change only what its meta's `changes` names,
//   and only of VF 1;
// - the execution's own effect: the suspension (D22, D23), DW0 CSUP (D24),
//   the state applied (D26), the UDMQ created, deleted, its head or its
//   first entry (D28, D29, D31).
import type { EventObject } from 'xstate';
import { type AnyMachineSnapshot } from 'xstate';
import { machineInitial } from '../../src/check/machineStep.ts';
import {
  TP_ACCEPTANCE_OPTION_SETS,
  TP_FINALS,
  tpAcceptanceSpec,
  type TpAcceptanceContext,
  type TpAcceptanceOptions,
  type TpCommandClass,
  type TpFinalMeta,
  type TpFinalName,
} from '../../machines/tp4159Acceptance.ts';
import type { HostState, Implementation } from '../../src/paths/trie.ts';
import type { PathStep } from '../../src/paths/path.ts';
import { asksTp4159Choices, type Adapter, type ResetOptions } from '../../src/target/adapter.ts';
import { decodeCdqCreateDw0, decodeGetStateDw0 } from '../../src/wire/tp4159/completions.ts';
import { decodeControllerState } from '../../src/wire/tp4159/state.ts';
import { decodeUdmqEntries, UDMQ_ENTRY_SIZE } from '../../src/wire/tp4159/udmq.ts';
import { toHex } from '../../src/wire/hex.ts';
import { migrationBuffers, prpListBytes, prpsFor, udmqRing } from '../host/hostPlan.ts';
import { describePosted, isOk, type Posted } from '../host/guest.ts';
import { GET_STATE_BYTES } from '../host/tp4159Host.ts';
import { TARGET_VF, TpAcceptanceHost, type TpAcceptanceHostState } from '../host/tp4159AcceptanceHost.ts';
import { expectOwn, machineSuite, nextState, SUCCESS_STATUS } from '../engine/observe.ts';
import { completionWait, DEFAULT_TIMEOUT_MS } from '../engine/completionWait.ts';
import { deviceSnapshots, type DeviceSnapshot } from '../engine/snapshots.ts';
import { Mismatch, type Suite } from '../engine/suite.ts';
import { commandBytes, formatFor, type CommandInputs } from './tp4159AcceptanceCommand.ts';
import { setStatePlan, stateToSet, type TpDataEvent } from './tp4159AcceptanceData.ts';
import type { TpBindingOptions } from './tp4159Lifecycle.ts';
import { requireVendorOffer } from './tp4159VendorOffer.ts';

interface Saved {
  machine: AnyMachineSnapshot;
  events: string[];
  host: TpAcceptanceHostState;
}

/** What the binding set up before the command, for building it and judging its effect. */
interface Prepared {
  inputs: CommandInputs;
  /** Set State: the whole state the command (with the part before it) carries */
  whole?: Uint8Array;
}

class TpAcceptanceBinding implements Implementation<DeviceSnapshot<Saved>> {
  private host: TpAcceptanceHost;
  private events: string[] = [];
  private machine: AnyMachineSnapshot;
  readonly snapshot?: () => Promise<DeviceSnapshot<Saved>>;
  readonly restore?: (s: DeviceSnapshot<Saved>) => Promise<void>;
  readonly release?: (s: DeviceSnapshot<Saved>) => void;
  readonly hostState?: HostState;

  constructor(
    private readonly adapter: Adapter,
    private readonly spec: ReturnType<typeof tpAcceptanceSpec>,
    private readonly o: TpAcceptanceOptions,
    private readonly resetOptions: ResetOptions,
    private readonly timeoutMs: number,
  ) {
    this.host = new TpAcceptanceHost(adapter, timeoutMs);
    this.machine = machineInitial(spec.machine);
    ({ snapshot: this.snapshot, restore: this.restore, release: this.release, hostState: this.hostState } = deviceSnapshots(adapter, {
      save: (): Saved => ({ machine: this.machine, events: [...this.events], host: this.host.save() }),
      restore: (s: Saved) => {
        this.machine = s.machine;
        this.events = [...s.events];
        this.host.restore(s.host);
      },
    }));
  }

  async reset(): Promise<void> {
    const wait = completionWait(await this.adapter.reset(this.resetOptions), this.timeoutMs);
    this.host = new TpAcceptanceHost(this.adapter, wait);
    this.events = [];
    this.machine = machineInitial(this.spec.machine);
    await this.host.bringUp();
    const offer = this.host.offer;
    requireVendorOffer(this.spec.id, this.o.vendorState, offer.csuuidi !== 0);
  }

  async step(event: EventObject, expected: PathStep): Promise<void> {
    this.machine = nextState(this.spec, this.machine, event, expected);
    this.events.push(event.type);
    if (this.machine.status !== 'done') return; // a stage classification: the command is not complete yet
    const name = String(this.machine.value) as TpFinalName;
    const { cmd } = this.machine.context as TpAcceptanceContext;
    await this.play(name, TP_FINALS[name], cmd);
  }

  private async play(name: TpFinalName, meta: TpFinalMeta, cmd: TpCommandClass): Promise<void> {
    const e = new Set(this.events);
    const p = await this.prepare(cmd, e);
    // a command on VF 1's own admin queue moves that queue, which the vendor section carries: compare format 0 there
    const vendor = this.o.vendorState && cmd.queue === 'pfAdmin';
    const before = await this.host.fingerprint(vendor);
    const fn = cmd.queue === 'vfAdmin' ? TARGET_VF : 0;
    const driver = fn === 0 ? this.host.pf.driver : this.host.vf(fn);
    const sqe = commandBytes(cmd, e, p.inputs, driver.cid());
    const cqe = await driver.submit(0, sqe);
    const what = `${name} (${this.events.join(' ')}: SQE ${toHex(sqe)} on function ${fn}'s admin queue)`;
    const decision = meta.decision === 'none' ? '' : `, ${meta.decision}`;
    if (meta.kind === 'outOfScope') {
      if (cqe === null) throw new Mismatch(what, 'one completion', 'no completion');
      return;
    }
    const status = meta.status ?? SUCCESS_STATUS;
    expectOwn(`${what}${decision}`, { status: 'name' in status ? status.name : 'SUCCESS', sct: status.sct, sc: status.sc, dnr: status.dnr }, cqe);
    const after = await this.host.fingerprint(vendor);
    await this.checkEffect(what, meta, cmd, e, p, before, after, cqe as Posted);
  }

  /** VF 1 (and the UDMQs) as the path's classifications say, with real commands; the inputs the command names. */
  private async prepare(cmd: TpCommandClass, e: ReadonlySet<string>): Promise<Prepared> {
    const h = this.host;
    const offer = h.offer;
    const onPf = cmd.queue === 'pfAdmin';
    // a UDMQ of VF 1 for every path that names one (an unknown CDQID is one past it), and MCUDMQ of them at the limit
    const namesCdq = onPf && (e.has('CDQID_KNOWN') || e.has('CDQID_UNKNOWN') || e.has('LACT_RESERVED'));
    let cdqid = 1;
    if (namesCdq) cdqid = (await h.createCdq(TARGET_VF)) + (e.has('CDQID_UNKNOWN') ? 1 : 0);
    if (e.has('UDMQS_AT_LIMIT')) for (let k = 0; k < offer.mcudmq; k++) await h.createCdq(TARGET_VF);
    const ring = await h.nextRing();
    if (e.has('VF_HAS_IO_QUEUES')) await h.ioPair(TARGET_VF);
    if (e.has('VF_SUSPENDED')) await h.suspend(TARGET_VF);
    const { save } = migrationBuffers(TARGET_VF);
    const get = prpsFor(save, GET_STATE_BYTES);
    const inputs: CommandInputs = {
      offer,
      vfCntlid: h.pf.cntlidOf(TARGET_VF),
      cdqid,
      ring,
      ringList: await h.ringList(ring),
      // an offset at the end of the state Get State would return (D24)
      stateLength: e.has('OFFSET_PAST_END') ? (await h.reported(TARGET_VF, formatFor(e, offer).csuuidi !== 0)).length : 0,
      getPrps: { prp1: get.prp1, prp2: get.prp2 },
      featureBuffer: h.pf.driver.plan.scratch,
    };
    if (!onPf || cmd.operation !== 'setState') return { inputs };
    return this.prepareSetState(cmd, e, inputs);
  }

  /** Set State: the whole state, the part before (sent now, in order) and the command's part in VF 1's load buffer. */
  private async prepareSetState(cmd: TpCommandClass, e: ReadonlySet<string>, inputs: CommandInputs): Promise<Prepared> {
    const h = this.host;
    const vendorNamed = e.has('CSUUIDI_VENDOR');
    const reported = decodeControllerState(await h.reported(TARGET_VF, vendorNamed && this.o.vendorState)).state;
    const data = (Object.keys(DATA_EVENTS) as TpDataEvent[]).find((d) => e.has(d)) ?? 'DATA_VALID';
    const whole = stateToSet(reported, await h.statePair(TARGET_VF), data, vendorNamed, h.offer);
    const plan = setStatePlan(whole, cmd.seqind ?? 'whole', !e.has('PART_OUT_OF_ORDER'));
    const { csvi, csuuidi } = { csvi: h.offer.csvi, csuuidi: vendorNamed ? h.offer.csuuidi : 0 };
    // the part before goes in only where the path found VF 1 able to take it (suspended, no I/O queues)
    if (plan.before && e.has('VF_NO_IO_QUEUES')) {
      const first = await this.place(plan.before);
      await h.must('Set State SEQIND 1, the first part (D26)', h.pf.send((cid) => ({ kind: 'setState', cid, seqind: 1, cntlid: inputs.vfCntlid, csvi, csuuidi, offset: 0n, uidx: 0, numd: first.numd, prp1: first.prp1, prp2: first.prp2 })));
    }
    const part = await this.place(plan.part);
    return { inputs: { ...inputs, set: { part: plan.part, offset: plan.offset, prp1: part.prp1, prp2: part.prp2 } }, whole };
  }

  /** Bytes in VF 1's load buffer; their PRPs and 0-based NUMD. */
  private async place(bytes: Uint8Array): Promise<{ prp1: bigint; prp2: bigint; numd: number }> {
    const { load } = migrationBuffers(TARGET_VF);
    await this.adapter.memWrite(load.start, bytes);
    const p = prpsFor(load, bytes.length);
    if (p.listEntries.length > 0) await this.adapter.memWrite(load.list, prpListBytes(p.listEntries));
    return { prp1: p.prp1, prp2: p.prp2, numd: bytes.length / 4 - 1 };
  }

  private async checkEffect(what: string, meta: TpFinalMeta, cmd: TpCommandClass, e: ReadonlySet<string>, p: Prepared, before: string[], after: string[], cqe: Posted): Promise<void> {
    const changesVf1 = meta.changes === 'vfSuspension' || meta.changes === 'vfState';
    const changesUdmq = meta.changes === 'cdqCreated' || meta.changes === 'cdqDeleted' || meta.changes === 'cdqHead' || meta.changes === 'logging';
    // I3, I9, I11, I13: the bystander always; VF 1 unless the execution changes it; the UDMQs unless it changes one
    before.forEach((b, i) => {
      const isVf1 = b.startsWith(`VF ${TARGET_VF}:`);
      const isUdmq = b.startsWith('UDMQ');
      if ((isVf1 && changesVf1) || (isUdmq && changesUdmq)) return;
      if (after[i] !== b) throw new Mismatch(`${what}: ${meta.kind === 'rejected' ? 'a rejection changes nothing (I3, I9)' : `it changes ${meta.changes} only (I11, I13)`}`, b, after[i]);
    });
    const h = this.host;
    switch (meta.changes) {
      case 'vfSuspension': {
        const want = cmd.operation === 'suspend';
        if ((await h.suspended(TARGET_VF)) !== want) throw new Mismatch(`${what}: VF ${TARGET_VF} afterwards (Get State CSUP, D22/D23)`, want ? 'suspended' : 'active', want ? 'active' : 'suspended');
        return;
      }
      case 'vfState': {
        const got = await h.reported(TARGET_VF, e.has('CSUUIDI_VENDOR') && this.o.vendorState);
        const want = p.whole === undefined ? new Uint8Array(0) : p.whole.slice(0, decodeControllerState(p.whole).length);
        if (toHex(got) !== toHex(want)) throw new Mismatch(`${what}: Get State of VF ${TARGET_VF} afterwards gives the state set (D26)`, toHex(want), toHex(got));
        return;
      }
      case 'cdqCreated':
        return this.checkCreated(what, cqe);
      case 'cdqDeleted': {
        const f = await h.cdqFeature(p.inputs.cdqid);
        if (f.cqe === null || isOk(f.cqe)) throw new Mismatch(`${what}: Get Features 21h of the deleted CDQID ${p.inputs.cdqid} (D28)`, 'Invalid Controller Data Queue', f.cqe === null ? 'no completion' : describePosted(f.cqe));
        return;
      }
      case 'logging':
        return this.checkLogging(what, e);
      default:
        break;
    }
    if (meta.dw0 === 'csup') {
      const want = e.has('VF_SUSPENDED');
      if (decodeGetStateDw0(cqe.dw0).csup !== want) throw new Mismatch(`${what}: CQE DW0 CSUP (D24)`, String(want), String(!want));
    }
  }

  /** DW0 names the new queue: Get Features 21h of it succeeds with HP 0 (D28). */
  private async checkCreated(what: string, cqe: Posted): Promise<void> {
    const { cdqid } = decodeCdqCreateDw0(cqe.dw0);
    const f = await this.host.cdqFeature(cdqid);
    if (f.cqe === null || !isOk(f.cqe) || f.hp !== 0) throw new Mismatch(`${what}: Get Features 21h of the CDQID in DW0 (${cdqid}, D28)`, 'Successful Completion, HP 0', f.cqe === null ? 'no completion' : `${describePosted(f.cqe)}, HP ${f.hp}`);
  }

  /** LACT 1 posts ESA 1 at slot 0 (phase 1); LACT 0 with logging off posts nothing (D29). */
  private async checkLogging(what: string, e: ReadonlySet<string>): Promise<void> {
    const [slot0] = decodeUdmqEntries(await this.adapter.memRead(udmqRing(1), UDMQ_ENTRY_SIZE));
    const start = e.has('LACT_START');
    const got = `phase ${slot0.phase}, ESA ${slot0.esa}`;
    const want = start ? 'phase 1, ESA 1' : 'phase 0, ESA 0';
    if (got !== want) throw new Mismatch(`${what}: the UDMQ's slot 0 (D29: ${start ? 'logging starts with ESA 1' : 'stopping while off posts nothing'})`, want, got);
  }
}

/** The data events, for finding the one a path names. */
const DATA_EVENTS: Readonly<Record<TpDataEvent, true>> = {
  DATA_VALID: true,
  DATA_LONGER_BY_A_DWORD: true,
  DATA_SHORTER_THAN_HEADER_SAYS: true,
  DATA_VER_NONZERO: true,
  DATA_NVMECSS_ZERO: true,
  DATA_LENGTH_DISAGREES: true,
  DATA_VSS_WITHOUT_SECTION: true,
  DATA_VENDOR_SECTION_BAD: true,
  DATA_QID_OUT_OF_RANGE_OR_DUPLICATE: true,
  DATA_CQID_NOT_IN_STATE: true,
  DATA_QSIZE_OVER_MQES: true,
  DATA_PC_ZERO_UNSUPPORTED: true,
  DATA_HEAD_OR_TAIL_OVER_SIZE: true,
};

/** What a reset asks of the device: VF 1 the target, VF 2 a bystander, VF 3 to take offline; the option set's choices (D25, D26, D28). */
function resetFor(o: TpAcceptanceOptions): ResetOptions {
  const reset: ResetOptions = { vfs: 3, profile: 'tp4159' };
  return asksTp4159Choices(o) ? { ...reset, tp4159: { vendorState: o.vendorState, seqind: o.seqind, nonContiguousCdq: o.nonContiguousCdq } } : reset;
}

/** One suite per option set of TP_ACCEPTANCE_OPTION_SETS (the project's device, and one without vendor state, parts or PC = 1 only). */
export function tpAcceptanceSuites(options: TpBindingOptions = {}): Suite[] {
  return TP_ACCEPTANCE_OPTION_SETS.map((o) => {
    const reset = resetFor(o);
    const spec = tpAcceptanceSpec(o);
    return machineSuite(spec, reset, {}, (adapter: Adapter) => new TpAcceptanceBinding(adapter, spec, o, reset, options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  });
}
