/**
 * A run in a child process, for the kill-and-resume test:
 *   node --import tsx --conditions=source run-child.ts FIXTURE_DIR RUN_DIR STEP_DELAY_MS [--resume]
 * Runs `keys init` on the fixture's root and data (cpu backend), printing `step <epoch> <step>`
 * after every training step and then sleeping STEP_DELAY_MS, so the parent can kill it mid-epoch.
 */
import { join } from 'node:path';
import { initRun } from '@attrib/core';
import { useBackend } from './backend.js';
import { CHILD_RUN_OPTIONS, testHost } from './run-fixture.js';

const [fixtureDir, runDir, delay, flag] = process.argv.slice(2);
await useBackend('cpu');
const host = await testHost();
const pause = new Int32Array(new SharedArrayBuffer(4));
await initRun(host, {
  dir: runDir!, adapter: 'test-dense', root: join(fixtureDir!, 'root.ckpt'), data: { source: 'test-json', path: join(fixtureDir!, 'data.json') },
  seed: 3, options: CHILD_RUN_OPTIONS, resume: flag === '--resume',
}, {
  onEvent: (event) => {
    if (event.type !== 'step') return;
    process.stdout.write(`step ${event.epoch} ${event.step}\n`);
    Atomics.wait(pause, 0, 0, Number(delay));
  },
});
process.stdout.write('done\n');
