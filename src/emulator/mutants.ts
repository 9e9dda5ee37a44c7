// The deliberately broken variants (options.ts MUTANTS), all of them here:
// each wraps one step of the correct LM steps (migration.ts) from outside,
// a broken route or acceptance before, a broken effect or outcome after, so
// the correct acceptance and executors carry no mutant check at all. Only
// suites proving they catch bugs ask for these (`--mutant`).
import type { Controller } from './controller.ts';
import type { DeviceConfig, Mutant } from './options.ts';
import type { LmView } from './acceptance.ts';
import type { LmSteps } from './migration.ts';
import { LM } from '../wire/opcodes.ts';
import { savedDataSize } from './savedData.ts';
import { captureSave } from './saveDrain.ts';
import { succeeded } from './outcome.ts';

const BREAK: Readonly<Record<Mutant, (s: LmSteps) => LmSteps>> = {
  // D1, I1: a VF's own admin queue executes LM commands instead of rejecting or dropping them.
  acceptLmOnVfQueue: (s) => ({
    ...s,
    route: (config, fn, opcode) => {
      const r = s.route(config, fn, opcode);
      const vfQueueRule = r === 'drop' || (typeof r === 'object' && r.decision === 'D1');
      return fn !== 0 && vfQueueRule ? 'execute' : r;
    },
  }),
  // D5, D12: SAVE of a running VF is accepted and captured at once, fetched I/O not drained, the VF left running.
  saveWhileRunning: (s) => ({
    ...s,
    accept: (v, o, view) => s.accept(v, o, v.getUint8(o) === LM.SAVE ? runningLooksStopped(view) : view),
    execute: (c, a, cid) => {
      if (a.op !== 'save' || c.ctx.controller(a.vf).lmState !== 'running') return s.execute(c, a, cid);
      captureSave(c, c.ctx.controller(a.vf), a.segments, a.length);
      return succeeded(0, 'D5');
    },
  }),
  // D7, I5: a LOAD whose data is bad has already torn the VF down and applied registers before it checked.
  partialLoad: (s) => ({
    ...s,
    refuse: (c, r) => {
      if (r.defect !== undefined && r.vf !== undefined) tearDownBeforeChecking(c.ctx.controller(r.vf));
      return s.refuse(c, r);
    },
  }),
  // D8: QUERY counts the admin queue as an I/O queue.
  queryOffByOneQueue: (s) => ({
    ...s,
    execute: (c, a, cid) => {
      const out = s.execute(c, a, cid);
      return a.op === 'query' ? succeeded(savedDataSize(c.ctx.controller(a.vf).ioQueueCount() + 1), out.decision) : out;
    },
  }),
  // D17: the LM commands run on every profile, whatever its capability says.
  ignoreCapability: (s) => ({ ...s, route: (config, fn, opcode) => s.route(withLmCommands(config), fn, opcode) }),
};

/** The steps `s` broken as `mutant` says. */
export function mutateLmSteps(s: LmSteps, mutant: Mutant): LmSteps {
  return BREAK[mutant](s);
}

/** The device state as saveWhileRunning's acceptance sees it: a running VF passes for a suspended one. */
function runningLooksStopped(view: LmView): LmView {
  return {
    config: view.config,
    memory: view.memory,
    lmState: (vf) => {
      const state = view.lmState(vf);
      return state === 'running' ? 'suspended' : state;
    },
    ioQueueCount: (vf) => view.ioQueueCount(vf),
    maxIoQueues: (vf) => view.maxIoQueues(vf),
  };
}

function withLmCommands(config: DeviceConfig): DeviceConfig {
  return { ...config, profile: { ...config.profile, lmCommands: true } };
}

/** partialLoad: what a LOAD does to the VF before checking its data. */
function tearDownBeforeChecking(vf: Controller): void {
  vf.clearQueues();
  vf.regs.cc = 0;
  vf.regs.csts = 0;
  vf.lmState = 'loaded';
}
