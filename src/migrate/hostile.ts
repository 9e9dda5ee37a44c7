// What a hostile guest sends on its own VF admin queue, aimed at the
// migrating VF: the profile's migration commands. lm: the five LM opcodes
// (D1); tp4159: the standard's management commands (Suspend, Resume, Get and
// Set Controller State, Controller Data Queue Create, Track Send) naming the
// migrating VF's CNTLID (D19). Each must be Invalid Command Opcode and change
// nothing.
import type { Profile } from '../emulator/profiles.ts';
import { encodeLmCommand } from '../wire/lmCommands.ts';
import { LM } from '../wire/opcodes.ts';
import { encodeTp4159 } from '../wire/tp4159/commandCodec.ts';
import { SEQIND, tp4159Commands as cmd } from '../wire/tp4159/hostCommands.ts';

/** One hostile command: its SQE for a CID, with a data buffer at prp1/prp2 where it moves data. */
export type HostileCommand = (cid: number, prp1: bigint, prp2: bigint) => Uint8Array;

const LOAD_BYTES = 120;

function lmCommands(vfIndex: number): HostileCommand[] {
  const plain = (opcode: number): HostileCommand => (cid) => encodeLmCommand({ opcode, cid, vfIndex });
  return [
    plain(LM.QUERY),
    plain(LM.SUSPEND),
    plain(LM.RESUME),
    (cid, prp1, prp2) => encodeLmCommand({ opcode: LM.SAVE, cid, vfIndex, prp1, prp2 }),
    (cid, prp1, prp2) => encodeLmCommand({ opcode: LM.LOAD, cid, vfIndex, prp1, prp2, size: LOAD_BYTES }),
  ];
}

function tp4159Commands(cntlid: number): HostileCommand[] {
  const format = { csvi: 1, csuuidi: 0 };
  const state = (prp1: bigint, prp2: bigint) => ({ cntlid, format, vendor: false, offset: 0, bytes: LOAD_BYTES, prp1, prp2 });
  return [
    (cid) => encodeTp4159(cmd.suspend(cid, cntlid, 1)),
    (cid) => encodeTp4159(cmd.resume(cid, cntlid)),
    (cid, prp1, prp2) => encodeTp4159(cmd.getState(cid, state(prp1, prp2))),
    (cid, prp1, prp2) => encodeTp4159(cmd.setState(cid, SEQIND.WHOLE, state(prp1, prp2))),
    (cid, prp1) => encodeTp4159(cmd.cdqCreate(cid, cntlid, prp1, 2)),
    (cid) => encodeTp4159(cmd.track(cid, 1, 1)),
  ];
}

/** The hostile commands for a device of `profile`, aimed at VF `vf` (its VF index; the emulator's CNTLID of a VF is its index). */
export function hostileCommands(profile: Profile, vf: number): HostileCommand[] {
  return profile === 'tp4159' ? tp4159Commands(vf) : lmCommands(vf);
}
