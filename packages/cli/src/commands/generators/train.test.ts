import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { snapshot, type RunFixture } from '@attrib/testing/run-fixture';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTinyRun } from '@attrib/testing/cli/tiny-run';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import GeneratorsTrain from './train.js';

let fixture: RunFixture;
let run: string;
let common: string[];
const tiny = ['--epochs', '2', '--steps-per-epoch', '3', '--batch-size', '8', '--check-samples', '20'];
beforeAll(async () => {
  await useBackend('cpu');
  ({ fixture, run } = await writeTinyRun({ seed: 2, keys: 2, generators: false }));
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()];
});

describe('attrib generators train --workers', () => {
  it('a worker count below 1, from the flag or the config file, is a one-line error that changes nothing', async () => {
    const before = await snapshot(run);
    const flag = await runCommand(GeneratorsTrain, [run, '--workers', '0', ...common]);
    expect(flag.error?.message).toMatch(/Expected an integer greater than or equal to 1/);
    const config = join(fixture.dir, 'attrib.yaml');
    writeFileSync(config, 'generators:\n  workers: 0\n');
    const fromConfig = await runCommand(GeneratorsTrain, [run, '--config', config, ...common]);
    expect(fromConfig.error?.message).toBe('workers 0: expected a positive whole number of worker threads');
    expect(await snapshot(run)).toEqual(before);
  });

  it('trains the generators in two worker threads, showing each unit\'s epochs', async () => {
    const outcome = await runCommand(GeneratorsTrain, [run, '--workers', '2', ...tiny, ...common]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe('trained generators of key-2, key-3\n');
    for (const id of ['key-2', 'key-3']) {
      expect(outcome.stderr).toMatch(new RegExp(`generators/${id} epoch 2/2: keyedShare [^\\n]*\\(loss total [^\\n]*hinge `));
    }
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.generators).toEqual(['key-1', 'key-2', 'key-3']);
  });
});
