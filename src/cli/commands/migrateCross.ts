// `nvme-lm migrate --profile tp4159 --from X --to Y`: the CLI's half of the
// cross-implementation run (I15): parse the two ends, build an Adapter for
// each (the emulator, or QEMU over qtest), run, print.
import { crossMigrate, formatCrossReport, IMPLEMENTATIONS, type CrossSide, type Implementation } from '../../migrate/cross/crossMigrate.ts';
import { CROSS_COPY_DEFAULTS, crossStorageCopy, formatCrossCopy } from '../../migrate/cross/crossStorageCopy.ts';
import type { MigrateOptions } from '../../migrate/options.ts';
import { EmulatorAdapter } from '../../verify/emulatorAdapter.ts';
import { QemuAdapter } from '../../verify/qemu/qemuAdapter.ts';
import { NAMESPACE_BYTES } from '../../verify/qemu/qemuArgs.ts';
import { UsageError } from '../usageError.ts';

const CROSS_DEFAULT_IO = 32;

export interface CrossCliOptions {
  from?: string;
  to?: string;
  qemuBinary?: string;
  json: boolean;
}

/** True when the command line asks for a cross-implementation run. */
export function asksCross(o: CrossCliOptions): boolean {
  return o.from !== undefined || o.to !== undefined;
}

function implementation(flag: string, value: string | undefined): Implementation {
  const v = value ?? 'emulator';
  if (!(IMPLEMENTATIONS as readonly string[]).includes(v)) throw new UsageError(`${flag} "${v}" is not an implementation: use ${IMPLEMENTATIONS.join(' or ')}`);
  return v as Implementation;
}

export async function runCross(o: CrossCliOptions, options: MigrateOptions, other: { matrix: boolean; storage: string; ioGiven: boolean }): Promise<void> {
  if (options.profile !== 'tp4159') throw new UsageError('--from/--to need --profile tp4159: the standard\'s Get and Set Controller State are what two implementations share (I15)');
  if (other.matrix || options.faults.length > 0) throw new UsageError('--from/--to run without --fault and --matrix');
  if (other.storage !== 'shared' && other.storage !== 'copy') throw new UsageError(`--storage "${other.storage}" is not a mode: use shared or copy`);
  const from = implementation('--from', o.from);
  const to = implementation('--to', o.to);
  const binary = o.qemuBinary ?? (process.env.NVME_LM_QEMU || undefined);
  if ((from === 'qemu' || to === 'qemu') && binary === undefined) {
    throw new UsageError('a qemu end needs a QEMU built with host-managed live migration (nvme property hmlms): name it with --qemu-binary or NVME_LM_QEMU');
  }
  if (o.qemuBinary !== undefined && from !== 'qemu' && to !== 'qemu') throw new UsageError('--qemu-binary names the QEMU of a qemu end; give --from qemu or --to qemu');
  // --storage copy copies and compares every block: an emulator end gets a namespace of QEMU's size, so the two ends match
  const copy = other.storage === 'copy';
  const emulator = () => new EmulatorAdapter(copy ? { namespaceBlocks: NAMESPACE_BYTES / 512 } : {});
  const side = (impl: Implementation): CrossSide => ({ implementation: impl, target: impl === 'qemu' ? new QemuAdapter({ binary }) : emulator() });
  if (copy) {
    const r = await crossStorageCopy({ from: side(from), to: side(to), vfs: options.vfs, vf: options.vf, io: other.ioGiven ? options.io : CROSS_COPY_DEFAULTS.io });
    console.log(o.json ? JSON.stringify(r) : formatCrossCopy(r));
    process.exitCode = r.ok ? 0 : 1;
    return;
  }
  // the shared run's default workload is longer than the one I/O queue a cross run drives
  const io = other.ioGiven ? options.io : CROSS_DEFAULT_IO;
  const r = await crossMigrate({ from: side(from), to: side(to), vfs: options.vfs, vf: options.vf, io });
  console.log(o.json ? JSON.stringify(r) : formatCrossReport(r));
  process.exitCode = r.verdict === 'fail' ? 1 : 0;
}
