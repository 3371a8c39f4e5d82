import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunFolder, type RunManifest } from '../../io/run-folder.js';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { initRun } from './init-run.js';
import { trainRobust } from './train-robust.js';

let host: PluginHost;
let fixture: RunFixture;
let run: string;
beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(64);
  run = join(fixture.dir, 'run');
  await initRun(host, { dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 5, options: TINY_OPTIONS.first });
});

const manifest = async (): Promise<RunManifest> => JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;

describe('two commands on one run folder', () => {
  it('each change to the manifest is made to the manifest on disk: one opened earlier does not undo another\'s', async () => {
    const first = await RunFolder.open(run);
    const second = await RunFolder.open(run);
    await first.update((m) => { m.progress['robust/x/key-1'] = { stage: 'robust', epochs: 1, epochsDone: 1, done: true, updatedAt: 'a' }; });
    await second.update((m) => { m.progress['robust/y/key-1'] = { stage: 'robust', epochs: 1, epochsDone: 1, done: true, updatedAt: 'b' }; });
    const progress = (await manifest()).progress;
    expect(progress['robust/x/key-1']).toMatchObject({ updatedAt: 'a' });
    expect(progress['robust/y/key-1']).toMatchObject({ updatedAt: 'b' });
    await first.update((m) => { delete m.progress['robust/x/key-1']; delete m.progress['robust/y/key-1']; });
  });

  it('robust training started twice at once: one runs, the other stops at once saying another command started a job, and the run records the first', async () => {
    const started = [
      trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast', label: 'first' }], options: TINY_OPTIONS.robust }),
      trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast', label: 'second' }], options: TINY_OPTIONS.robust }),
    ];
    const outcomes = await Promise.allSettled(started);
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(String(refused[0]!.reason)).toMatch(new RegExp(`run ${run} has an unfinished robust job \\(key-1\\) that another command started`));
    const m = await manifest();
    expect(m.pending).toBeUndefined();
    expect(Object.keys(m.robust)).toHaveLength(1);
    expect(m.robust[Object.keys(m.robust)[0]!]).toEqual(['key-1']);
  });
});
