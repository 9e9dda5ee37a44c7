// `nvme-lm migrate`: end-to-end live migration of a VF between two emulated
// devices, with fault injection.
export * from './faults.ts';
export * from './options.ts';
export * from './report.ts';
export * from './simulate.ts';
export * from './matrix.ts';
export { Guest, type GuestPlatform, type AdminRecord } from './guest.ts';
export { Ledger, type IoCounters, type IoRecord } from './ledger.ts';
export { Workload } from './workload.ts';
