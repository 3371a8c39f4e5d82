import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { denseTestAdapter } from '@attrib/testing/dense-generator';
import { snapshot, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import GeneratorsTrain from '../commands/generators/train.js';
import KeysAdd from '../commands/keys/add.js';
import KeysInit from '../commands/keys/init.js';
import RobustTrain from '../commands/robust/train.js';

// --profile NAME takes stage options from the run's adapter (test-dense's profile `tiny`), under
// the config file and the flags: flags > config file > profile > engine defaults.
const tiny = denseTestAdapter.profiles!.tiny!.stages;

let fixture: RunFixture;
let run: string;
let common: string[];
beforeAll(async () => {
  await useBackend('cpu');
  fixture = await writeRunFixture(64);
  run = join(fixture.dir, 'run');
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()];
});

const manifest = (): RunManifest => JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;

function configFile(name: string, yaml: string): string {
  const file = join(fixture.dir, name);
  writeFileSync(file, yaml);
  return file;
}

describe('--profile NAME: the adapter\'s stage options, under the config file and the flags', () => {
  it('keys init --profile tiny records the profile\'s first-stage options; the config file and a flag override one each', async () => {
    const config = configFile('first.yaml', 'first:\n  batchSize: 4\n  alpha: 5\n');
    const outcome = await runCommand(KeysInit, [
      run, '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`,
      '--profile', 'tiny', '--config', config, '--alpha', '9', ...common,
    ]);
    expect(outcome.error).toBeUndefined();
    // From the profile: epochs, stepsPerEpoch, checkSamples, lrKey; from the config: batchSize;
    // from the flag (over the config's 5 and the profile's 7): alpha; the rest the engine's defaults.
    expect(manifest().config.first).toMatchObject({ epochs: 1, stepsPerEpoch: 2, checkSamples: 20, lrKey: 0.02, batchSize: 4, alpha: 9, lr: 5e-4, beta1: 0.5 });
    expect(tiny.first).toMatchObject({ batchSize: 8, alpha: 7 });
  });

  it('keys add: the profile is the run\'s adapter\'s; the config\'s `angle` (a flag name) overrides the profile\'s angleTerm', async () => {
    const config = configFile('keys.yaml', 'keys:\n  angle: orthogonal\n');
    const outcome = await runCommand(KeysAdd, [run, '--count', '1', '--profile', 'tiny', '--config', config, ...common]);
    expect(outcome.error).toBeUndefined();
    expect(manifest().config.keys).toMatchObject({ epochs: 1, stepsPerEpoch: 2, batchSize: 16, angleTerm: 'orthogonal', cosineTarget: 0.5, lrKey: 1e-3 });
    expect(tiny.keys).toMatchObject({ angleTerm: 'cosine' });
  });

  it('generators train: a shift flag merges into the profile\'s shift options', async () => {
    const outcome = await runCommand(GeneratorsTrain, [run, '--profile', 'tiny', '--delta', '0.02', '--no-early-stop', '--workers', '1', ...common]);
    expect(outcome.error).toBeUndefined();
    expect(manifest().config.generators).toMatchObject({
      epochs: 1, stepsPerEpoch: 2, alpha: 3, objective: 'shift', shift: { delta: 0.02, growth: 1.2, stopWhenDistinguishable: false },
    });
  });

  it('robust train: the profile named in the config file (`profile: tiny`)', async () => {
    const config = configFile('robust.yaml', 'profile: tiny\n');
    const outcome = await runCommand(RobustTrain, [run, '--postprocess', 'test-contrast', '--keys', 'key-2', '--config', config, ...common]);
    expect(outcome.error).toBeUndefined();
    expect(manifest().config.robust).toMatchObject({ epochs: 1, stepsPerEpoch: 2, batchSize: 8, probability: 0.25 });
  });

  it('an unknown profile is a one-line error listing the adapter\'s profiles; nothing is written', async () => {
    const before = await snapshot(fixture.dir);
    for (const [command, argv] of [
      [KeysAdd, [run, '--count', '1', '--profile', 'paper']],
      [GeneratorsTrain, [run, '--profile', 'paper']],
      [RobustTrain, [run, '--postprocess', 'test-contrast', '--profile', 'paper']],
      [KeysInit, [join(fixture.dir, 'new-run'), '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`, '--profile', 'paper']],
    ] as const) {
      const outcome = await runCommand(command, [...argv, ...common]);
      expect(outcome.error).toBeDefined();
      expect(outcome.stderr).toBe('Error: --profile "paper": adapter test-dense has the profiles tiny\n');
    }
    expect(await snapshot(fixture.dir)).toEqual(before);
  });
});
