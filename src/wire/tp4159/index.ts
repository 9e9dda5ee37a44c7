// The standard profile's wire layer (TP4159, NVMe Base 2.1): commands, the
// controller state, the UDMQ entry, Identify, completions, nvme-cli lines.
export * from './commands.ts';
export * from './commandCodec.ts';
export * from './state.ts';
export * from './vendorState.ts';
export * from './udmq.ts';
export * from './identify.ts';
export * from './completions.ts';
export * from './stateDoc.ts';
export * from './sizes.ts';
export * from './nvmeCli.ts';
export * from './describe.ts';
