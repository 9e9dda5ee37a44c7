// The fuzzer's defaults, apart from the fuzzer so that the CLI can parse its
// options and print its help without loading fast-check and the emulator.

export const DEFAULT_MAX_STEPS = 20;

/** What `nvme-lm fuzz --profile` fuzzes: the vendor LM profiles (lm, reserved, no-lm, foreign), or the standard's tp4159. */
export const FUZZ_PROFILES = ['lm', 'tp4159'] as const;
export type FuzzProfile = (typeof FUZZ_PROFILES)[number];

/** A fresh seed when the user gives none (printed, so any run can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fff_ffff);
}
