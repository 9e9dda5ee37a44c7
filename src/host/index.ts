// The host-side driver: capability guard, VFIO arcs -> NVMe commands.
export * from './device.ts';
export * from './errors.ts';
export * from './allocator.ts';
export * from './prp.ts';
export * from './channel.ts';
export * from './probe.ts';
export * from './adminQueue.ts';
export * from './registerDevice.ts';
export * from './driver.ts';
export * from './vfio/states.ts';
export * from './vfio/nextState.ts';
export * from './vfio/arcs.ts';
export * from './vfio/streams.ts';
export * from './vfio/migration.ts';
