import { describe, expect, it } from 'vitest';
import { LM_OPCODE, VFIO_ARCS, arcName, vfioArcsFor, type LmCommand } from '../../../machines/vfio/arcs.ts';
import { vfioNextState } from '../../../machines/vfio/nextState.ts';
import { VFIO_FLAG_SETS, formatVfioFeatures, type VfioState } from '../../../machines/vfio/states.ts';
import { ALL_PAIRS } from './uapiOracle.ts';

// The VF's own LM state machine as D5 states it, written here from the spec
// text: the arcs' command lists must never hit a Command Sequence Error.
type VfLm = 'running' | 'suspended' | 'saved' | 'loaded';
function d5(lm: VfLm, cmd: LmCommand): VfLm | 'COMMAND_SEQUENCE_ERROR' {
  switch (cmd) {
    case 'SUSPEND':
      return lm === 'running' ? 'suspended' : lm;
    case 'RESUME':
      return 'running';
    case 'QUERY_DATA_SIZE':
      return lm;
    case 'SAVE_DATA':
      return lm === 'running' ? 'COMMAND_SEQUENCE_ERROR' : 'saved';
    case 'LOAD_DATA':
      return lm === 'running' ? 'COMMAND_SEQUENCE_ERROR' : 'loaded';
  }
}

/** VFIO states in which the uAPI says the device runs normally (it may DMA); in every other one the VF must be stopped. */
const VF_RUNS: ReadonlySet<VfioState> = new Set(['RUNNING', 'PRE_COPY']);

describe('the opcodes', () => {
  it('D3: the five LM opcodes are 0xC4, 0xC8, 0xCC, 0xD2, 0xD5', () => {
    expect(LM_OPCODE).toEqual({ QUERY_DATA_SIZE: 0xc4, SUSPEND: 0xc8, RESUME: 0xcc, SAVE_DATA: 0xd2, LOAD_DATA: 0xd5 });
  });
});

describe.each(VFIO_FLAG_SETS.map((f) => [formatVfioFeatures(f), f] as const))('features %s', (_name, flags) => {
  it('I8: the command table has exactly the arcs the kernel function takes for these features', () => {
    const kernel = new Set<string>();
    for (const [cur, req] of ALL_PAIRS) {
      const next = vfioNextState(cur, req, flags);
      if (next !== 'EINVAL' && next !== cur) kernel.add(arcName(cur, next));
    }
    expect(vfioArcsFor(flags).map((a) => arcName(a.from, a.to)).sort()).toEqual([...kernel].sort());
  });

  it('D5: from (RUNNING, VF running) every reachable arc sends commands the VF accepts, and the VF runs exactly in RUNNING and PRE_COPY', () => {
    const arcs = vfioArcsFor(flags);
    const seen = new Set<string>();
    const queue: [VfioState, VfLm][] = [['RUNNING', 'running']];
    while (queue.length > 0) {
      const [state, lm] = queue.shift() as [VfioState, VfLm];
      const key = `${state}/${lm}`;
      if (seen.has(key)) continue;
      seen.add(key);
      expect(lm === 'running', `VF is ${lm} in ${state}`).toBe(VF_RUNS.has(state));
      for (const a of arcs.filter((x) => x.from === state)) {
        let after: VfLm = lm;
        for (const cmd of a.commands) {
          const r = d5(after, cmd);
          expect(r, `${arcName(a.from, a.to)} sends ${cmd} to a ${after} VF`).not.toBe('COMMAND_SEQUENCE_ERROR');
          after = r as VfLm;
        }
        queue.push([a.to, after]);
      }
    }
    // every arc of the device is exercised by this exploration
    const from = new Set([...seen].map((k) => k.split('/')[0]));
    for (const a of arcs) expect(from.has(a.from), arcName(a.from, a.to)).toBe(true);
  });
});

describe('the project decision per arc', () => {
  it('D5: every SAVE_DATA comes right after a QUERY_DATA_SIZE and only on arcs into STOP_COPY; LOAD_DATA only on RESUMING -> STOP', () => {
    for (const a of VFIO_ARCS) {
      a.commands.forEach((c, i) => {
        if (c === 'SAVE_DATA') {
          expect(a.commands[i - 1], arcName(a.from, a.to)).toBe('QUERY_DATA_SIZE');
          expect(a.to).toBe('STOP_COPY');
        }
        if (c === 'LOAD_DATA') expect(arcName(a.from, a.to)).toBe('RESUMING->STOP');
      });
      if (a.to === 'STOP_COPY') expect(a.commands.at(-1), arcName(a.from, a.to)).toBe('SAVE_DATA');
    }
  });

  it('spec section 1 (RFC host driver): the STOP_COPY arcs send what the RFC driver sends (SUSPEND, QUERY then SAVE, LOAD, RESUME; none to release or allocate)', () => {
    const byName = new Map(vfioArcsFor(1).map((a) => [arcName(a.from, a.to), a.commands]));
    expect(Object.fromEntries(byName)).toEqual({
      'RUNNING->STOP': ['SUSPEND'],
      'STOP->RUNNING': ['RESUME'],
      'STOP->STOP_COPY': ['QUERY_DATA_SIZE', 'SAVE_DATA'],
      'STOP_COPY->STOP': [],
      'STOP->RESUMING': [],
      'RESUMING->STOP': ['LOAD_DATA'],
    });
  });
});
