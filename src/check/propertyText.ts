// One line per property the checker proves, as the working specification
// (docs/spec/lm.md, docs/spec/tp4159.md) states it: what `check` prints next to
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
  // the standard profile tp4159
  I9: "No management command on a VF's admin queue changes any state (D19)",
  I10: 'Nothing unlogged: every change completed while logging was on has its entry before the entry that ends the log (D30, D31)',
  I11: 'Set Controller State is atomic (D26)',
  I12: 'Round trip: Get State after Set State gives identical bytes; every pending SQ entry is fetched once and gets one completion (D15, D25)',
  I13: 'Isolation for the standard: a command naming VF i never changes VF j or the PF; a UDMQ holds entries of its own controller only (D14, D20)',
  I14: 'Queue discipline: the controller never overwrites an unconsumed UDMQ entry, and every phase tag is right for its pass (D31)',
  I15: 'Interoperable state: a state saved by one implementation, loaded by another, gives it the same queues, heads, tails and phases (D25)',
  D22: 'Suspend completes only after the commands it fetched complete; a suspended VF latches doorbells, never loses them',
  D24: 'Get Controller State is allowed in any state, changes nothing, and CSUP says whether the VF was suspended',
  D25: "The guest's admin queue continues on the destination: every admin command it submits is seen completed",
  L5: 'Suspend completes: once the commands fetched before it complete, every Suspend completes (D22)',
  L6: 'Resume restarts: every SQ whose tail was written while suspended is fetched after Resume, the admin SQ included (D23)',
  L7: 'A One-Shot event raised while an Asynchronous Event Request is outstanding completes it (D33)',
};
