// What a QEMU binary's NVMe device offers, asked once per binary: the
// properties `-device nvme,help` lists. TP4159 (host-managed live migration)
// needs the PF property `hmlms`; a QEMU without it refuses `hmlms=on`, so the
// target asks before starting one rather than reading QEMU's refusal.
import { execFile } from 'node:child_process';
import { IDENTIFY_CONTROLLER_LAYOUT } from '../../wire/identify.ts';
import { getUint } from '../../wire/layout.ts';
import type { Tp4159Capabilities } from '../../target/adapter.ts';

/** The device property that turns on TP4159 on QEMU's NVMe PF. */
export const HMLMS_PROPERTY = 'hmlms';

/** How long `-device nvme,help` may take (it starts no machine; well under a second). */
const HELP_TIMEOUT_MS = 20_000;

const cache = new Map<string, Promise<ReadonlySet<string>>>();

/** Property names in `-device nvme,help` output: lines such as `  hmlms=<bool>  - on/off (default: false)`. */
export function parseDeviceHelp(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s+([A-Za-z0-9_.-]+)=/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** The properties of `binary`'s nvme device (cached per binary path). */
export function nvmeDeviceProperties(binary: string): Promise<ReadonlySet<string>> {
  let p = cache.get(binary);
  if (p === undefined) {
    p = new Promise((resolve, reject) => {
      execFile(binary, ['-device', 'nvme,help'], { timeout: HELP_TIMEOUT_MS }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${binary} -device nvme,help failed: ${(stderr || err.message).trim()}`));
        else resolve(parseDeviceHelp(`${stdout}\n${stderr}`));
      });
    });
    cache.set(binary, p);
    p.catch(() => cache.delete(binary)); // a failed probe is asked again next time
  }
  return p;
}

const oacsHmlms = IDENTIFY_CONTROLLER_LAYOUT.fields.find((f) => f.name === 'oacsHmlms')!;

/** OACS bit 11 (HMLMS, D21) of an Identify Controller data structure. */
export function identifiesHmlms(identify: Uint8Array): boolean {
  return getUint(identify, oacsHmlms) === 1n;
}

/**
 * The choices the standard leaves a device (D25, D26, D28), as the hmlms
 * build makes them: Identify CNS 20h lists format 0000h alone (no vendor
 * state UUID), Set Controller State takes SEQIND 3 only (others are refused),
 * and Controller Data Queue Create takes PC = 0 (docs/qemu-tp4159-deviations.md
 * says what it then does). A suite asking for exactly these choices runs.
 */
export const QEMU_TP4159_CHOICES: Required<Tp4159Capabilities> = { vendorState: false, seqind: 'whole-only', nonContiguousCdq: true };

/** The choices `asked` names that this build does not make, as `name asked (QEMU: its own)`; empty when it can be what is asked. */
export function choicesQemuLacks(asked: Tp4159Capabilities | undefined): string[] {
  if (asked === undefined) return [];
  return (Object.keys(QEMU_TP4159_CHOICES) as Array<keyof Tp4159Capabilities>)
    .filter((k) => asked[k] !== undefined && asked[k] !== QEMU_TP4159_CHOICES[k])
    .map((k) => `${k} ${String(asked[k])} (QEMU: ${String(QEMU_TP4159_CHOICES[k])})`);
}
