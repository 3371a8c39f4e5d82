import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import Evaluate from '../commands/evaluate.js';
import GeneratorsTrain from '../commands/generators/train.js';
import KeysAdd from '../commands/keys/add.js';
import KeysInit from '../commands/keys/init.js';

// One config file holding the settings of every stage, as the README's reference settings are
// given: sections named after the stages, read by every command of the run.
let fixture: RunFixture;
let run: string;
let config: string;
let common: string[];
beforeAll(async () => {
  await useBackend('cpu');
  fixture = await writeRunFixture(64);
  run = join(fixture.dir, 'run');
  config = join(fixture.dir, 'paper.yaml');
  writeFileSync(config, [
    'adapter: test-dense',
    'first:',
    '  epochs: 1',
    '  stepsPerEpoch: 2',
    '  batchSize: 8',
    '  checkSamples: 10',
    'keys:',
    '  epochs: 1',
    '  stepsPerEpoch: 1',
    '  batchSize: 8',
    '  angle: cosine',
    '  cosineTarget: 0.6',
    'generators:',
    '  epochs: 2',
    '  stepsPerEpoch: 1',
    '  batchSize: 4',
    '  alpha: 100',
    '  earlyStop: false',
    '  checkSamples: 10',
    '',
  ].join('\n'));
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder(), '--config', config];
});

const manifest = (): RunManifest => JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;

describe('a config file with a section per stage', () => {
  it('sections named keys and generators are sections, not the --keys and --generators settings of other commands', async () => {
    const init = await runCommand(KeysInit, [run, '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`, ...common]);
    expect(init.error).toBeUndefined();
    const added = await runCommand(KeysAdd, [run, '--count', '1', ...common]);
    expect(added.error).toBeUndefined();
    // generators train has a --keys flag (a list of key ids) and reads the `generators` section.
    const trained = await runCommand(GeneratorsTrain, [run, ...common, '--json']);
    expect(trained.error).toBeUndefined();
    expect(JSON.parse(trained.stdout).trained).toEqual(['key-2']);
    expect(manifest().config.generators).toMatchObject({ epochs: 2, batchSize: 4, alpha: 100 });
    // evaluate has a --generators flag (auto, plain or robust).
    const evaluated = await runCommand(Evaluate, [run, '--metrics', 'distinguishability', '--samples', '10', ...common, '--json']);
    expect(evaluated.error).toBeUndefined();
    expect(JSON.parse(evaluated.stdout).record.generators).toBe('plain');
  });

  it('takes an option under its flag name too (angle for --angle, earlyStop for --early-stop)', () => {
    expect(manifest().config.keys).toMatchObject({ angleTerm: 'cosine', cosineTarget: 0.6 });
    expect(manifest().config.generators).toMatchObject({ shift: { stopWhenDistinguishable: false } });
  });
});
