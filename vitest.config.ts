import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Run every package's tests against its TypeScript source, never a stale build.
    conditions: ['source'],
  },
  // Vite 6+ applies top-level resolve.conditions to the client only; tests run in the SSR
  // environment, where `@attrib/core` imported from another package would not resolve without this.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // tfjs backends are process-global state: isolate test files in forks. Vitest's default is
    // one fork fewer than the cores, a single fork on the 2-core CI machine: use at least two.
    pool: 'forks',
    poolOptions: { forks: { maxForks: Math.max(2, availableParallelism() - 1), minForks: 1 } },
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
    // Tiny test runs would spend more time starting generator worker threads than training;
    // the tests of the workers ask for them explicitly.
    env: { ATTRIB_WORKERS: '1' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
