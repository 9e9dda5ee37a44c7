// The wire layer: byte layouts and codecs only, no dependencies.
export * from './layout.ts';
export * from './hex.ts';
export * from './sqe.ts';
export * from './cqe.ts';
export * from './status.ts';
export * from './opcodes.ts';
export * from './lmCommands.ts';
export * from './adminCommands.ts';
export * from './identify.ts';
export * from './registers.ts';
export * from './tp4159/index.ts';
