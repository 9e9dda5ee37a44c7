// A probed driver over a FakePf, for the VFIO tests.
import { AdminChannel } from '../../src/host/channel.ts';
import { probe } from '../../src/host/probe.ts';
import { VfioMigration } from '../../src/host/vfio/migration.ts';
import { FakePf, type FakePfOptions } from './fakePf.ts';

export async function probedVf(options: FakePfOptions & { flags?: number; vfId?: number } = {}): Promise<{ pf: FakePf; channel: AdminChannel; m: VfioMigration }> {
  const pf = new FakePf(options);
  const channel = new AdminChannel(pf);
  const r = await probe(channel);
  if (!r.supported) throw new Error(`fake PF refused: ${r.message}`);
  return { pf, channel, m: new VfioMigration(channel, options.vfId ?? 1, options.flags ?? 1) };
}

export const OPCODE_NAME: Record<number, string> = { 0xc4: 'QUERY', 0xc8: 'SUSPEND', 0xcc: 'RESUME', 0xd2: 'SAVE', 0xd5: 'LOAD' };
