// Every subcommand registers itself here: one import and one list entry each.
import type { Command } from 'commander';
import { registerVfio } from './vfio.ts';
import { registerCodec } from './codec.ts';
import { registerServe } from './serve.ts';

export type Register = (program: Command) => void;

export const commands: Register[] = [registerVfio, registerCodec, registerServe];
