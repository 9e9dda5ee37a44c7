// The fuzzer's defaults, apart from the fuzzer so that the CLI can parse its
// options and print its help without loading fast-check and the emulator.

export const DEFAULT_MAX_STEPS = 20;

/** A fresh seed when the user gives none (printed, so any run can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fff_ffff);
}
