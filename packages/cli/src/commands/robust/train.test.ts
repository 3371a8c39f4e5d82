import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { snapshot, type RunFixture } from '@attrib/testing/run-fixture';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTinyRun } from '@attrib/testing/cli/tiny-run';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';
import RobustTrain from './train.js';

let fixture: RunFixture;
let run: string;
let common: string[];
const tiny = ['--epochs', '2', '--steps-per-epoch', '3', '--batch-size', '8', '--check-samples', '20'];
beforeAll(async () => {
  await useBackend('cpu');
  ({ fixture, run } = await writeTinyRun({ seed: 4, keys: 1, generators: true }));
  const plugins = writeTestDoublesFolder();
  writeThirdPartyPlugin(plugins);
  common = ['--backend', 'cpu', '--plugins-dir', plugins];
});

describe('attrib robust train --workers', () => {
  it('a worker count below 1, from the flag or the config file, is a one-line error that changes nothing', async () => {
    const before = await snapshot(run);
    const flag = await runCommand(RobustTrain, [run, '--postprocess', 'scale', '--workers', '0', ...common]);
    expect(flag.error?.message).toMatch(/Expected an integer greater than or equal to 1/);
    const config = join(fixture.dir, 'attrib.yaml');
    writeFileSync(config, 'robust:\n  workers: 0\n');
    const fromConfig = await runCommand(RobustTrain, [run, '--postprocess', 'scale', '--config', config, ...common]);
    expect(fromConfig.error?.message).toBe('workers 0: expected a positive whole number of worker threads');
    expect(await snapshot(run)).toEqual(before);
  });

  it("fine-tunes against a third party's post-process in two worker threads, showing each unit's epochs", async () => {
    const outcome = await runCommand(RobustTrain, [run, '--postprocess', 'scale', '--param', 'factor=0.8', '--workers', '2', ...tiny, ...common]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe('robust generators: scale/key-1, scale/key-2\n');
    for (const id of ['key-1', 'key-2']) expect(outcome.stderr).toMatch(new RegExp(`robust/scale/${id} epoch 2/2: keyedShare `));
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.robust).toEqual({ scale: ['key-1', 'key-2'] });
    expect(manifest.pending).toBeUndefined();
  });
});

describe('attrib robust train --objective projected (issue 21)', () => {
  it('fine-tunes toward the floor under a linear post-process, recording the objective; refuses a post-process without a linear part in one line', async () => {
    const outcome = await runCommand(RobustTrain, [run, '--postprocess', 'crop', '--objective', 'projected', '--train-mode', 'eval', '--projection-margin', '1.5', ...tiny, ...common]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe('robust generators: crop/key-1, crop/key-2\n');
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.config.robust).toMatchObject({ objective: 'projected', trainMode: 'eval', projectionMargin: 1.5 });
    const before = await snapshot(run);
    const refused = await runCommand(RobustTrain, [run, '--postprocess', 'scale', '--label', 'scale-projected', '--objective', 'projected', ...tiny, ...common]);
    expect(refused.error?.message).toMatch(/^robust objective projected: post-process scale has no linear part/);
    expect(refused.error?.message).not.toContain('\n');
    expect(await snapshot(run)).toEqual(before);
  });
});
