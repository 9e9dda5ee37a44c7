// One line per property the checker proves, as the working specification
// (docs/spec/lm.md) states it: what `check` prints next to
// a verdict that merges many machines, and what the report shows. Each
// machine's own invariant keeps its more precise wording.
export const PROPERTY_TEXT: Readonly<Record<string, string>> = {
  I1: 'No LM command on a VF admin queue changes any state (D1)',
  I2: 'Every command gets exactly one completion, with its own CID and SQ id, and a status the specification lists',
  I3: 'A rejected command changes no state at all',
  I4: 'Isolation: a command aimed at VF i never changes VF j or the PF (D14)',
  I5: 'LOAD is all or nothing (D7)',
  I6: 'Exactly once: every submitted I/O gets one completion, every completed write stays readable (D15)',
  I8: "The host driver's VFIO steps agree with Linux's vfio_mig_get_next_state (2026 fix) for every (current, requested, flags)",
  D13: 'A VF reset (FLR or CC.EN 1->0) puts the VF at its power-on state and the VFIO state at RUNNING',
  D16: 'A failed NVMe command fails the VFIO arc and the VFIO state stays unchanged',
  L1: "Every VFIO state request reaches the requested state or an error within a bounded number of arcs",
  L2: 'Doorbells latched while a VF is suspended are fetched once it runs again (D11)',
  L3: 'Every submitted I/O gets its completion unless a reset of its VF intervenes (D12, D15)',
  L4: "A SAVE's drain ends: every command fetched before it completes (D12)",
};
