import { defineConfig } from 'vitest/config';

// Files run in a fixed (alphabetical) order so `vitest --shard=i/n` splits the
// generated suites the same way on every CI machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { shuffle: false },
  },
});
