import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the run's closing line in the plain form other tools read: `N passed, N failed`
 * (and `, N skipped` when any were), after vitest's own summary.
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    let passed = 0, failed = 0, skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // The default reporter prints its summary after this hook; print ours last of all.
    process.once('exit', () => process.stdout.write(`\n${line}\n`));
  }
}
