import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the run's closing line in the plain form other tools read: `N passed, N failed`
 * (and `, N skipped` when any were), after vitest's own summary.
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    let passed = 0, failed = 0, skipped = 0;
    for (const module of modules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed outside its tests (an import, a beforeAll) leaves its tests skipped or
      // has none: the file's own error is a failure.
      if (module.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // The default reporter prints its summary after this hook; print ours last of all.
    process.once('exit', () => process.stdout.write(`\n${line}\n`));
  }
}
