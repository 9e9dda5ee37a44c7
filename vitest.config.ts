import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/slowFirst.ts';

// Every core runs test files: vitest's default leaves one core idle, which on
// the project's two-core machine runs the whole suite on one worker. Most of
// the slow files wait on a child process (verify --exec, QEMU) rather than
// compute, so the two workers still share two cores well.
// Files that take longest start first (test/slowFirst.ts), so the workers end
// together; `vitest --shard=i/n` still splits the files by their path's hash,
// the same way on every CI machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: availableParallelism(),
    sequence: { shuffle: false, sequencer: SlowFirstSequencer },
  },
});
