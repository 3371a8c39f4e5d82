import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvaluateRunResult, RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';
import Evaluate from '../commands/evaluate.js';
import GeneratorsTrain from '../commands/generators/train.js';
import KeysAdd from '../commands/keys/add.js';
import KeysInit from '../commands/keys/init.js';
import RobustTrain from '../commands/robust/train.js';


/** Differentiable post-processes of @attrib/postprocess and of the third-party plugin. */
const DIFFERENTIABLE = [
  'blur', 'crop', 'noise', 'jpeg', 'combination', 'rotate', 'resized-crop', 'erase', 'brightness', 'contrast', 'resize', 'invert', 'scale',
];
/** The real codecs: evaluation only. */
const CODECS = ['jpeg-codec', 'combination-codec'];

let fixture: RunFixture;
let run: string;
let common: string[];
const tiny = ['--epochs', '1', '--steps-per-epoch', '2', '--batch-size', '8', '--check-samples', '10'];

beforeAll(async () => {
  await useBackend('cpu');
  fixture = await writeRunFixture(64);
  run = join(fixture.dir, 'run');
  const plugins = writeTestDoublesFolder();
  writeThirdPartyPlugin(plugins);
  common = ['--backend', 'cpu', '--plugins-dir', plugins];
  for (const [command, argv] of [
    [KeysInit, [run, '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`, '--seed', '5', ...tiny]],
    [KeysAdd, [run, '--count', '1', '--epochs', '1', '--steps-per-epoch', '2']],
    [GeneratorsTrain, [run, ...tiny]],
  ] as const) {
    const outcome = await runCommand(command, [...argv, ...common]);
    expect(outcome.error).toBeUndefined();
  }
});

describe('robust train and evaluate take every post-process, ours or a plugin folder\'s', () => {
  it('robust train --postprocess with all differentiable ones at once writes a robust generator per post-process and key', async () => {
    const outcome = await runCommand(RobustTrain, [run, '--postprocess', DIFFERENTIABLE.join(','), ...tiny, ...common]);
    expect(outcome.error).toBeUndefined();
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    for (const name of DIFFERENTIABLE) expect(manifest.robust[name]).toEqual(['key-1', 'key-2']);
  });

  it('robust train --param with other values than the robust generators were trained with is refused; --label keeps a second variant', async () => {
    const refused = await runCommand(RobustTrain, [run, '--postprocess', 'scale', '--param', 'factor=0.5', '--keys', 'key-1', ...tiny, ...common]);
    expect(refused.stderr).toMatch(/^Error: run \S+: the generator of key-1 robust to scale was trained with scale \{"factor":1\}, not scale \{"factor":0\.5\}; give this variant its own label \(--label NAME\)\n$/);
    const outcome = await runCommand(RobustTrain, [run, '--postprocess', 'scale', '--param', 'factor=0.5', '--label', 'scale-half', '--keys', 'key-1,key-2', ...tiny, ...common, '--json']);
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(outcome.stdout)).toMatchObject({ trained: ['scale-half/key-1', 'scale-half/key-2'] });
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.robust).toMatchObject({ scale: ['key-1', 'key-2'], 'scale-half': ['key-1', 'key-2'] });
    const evaluated = await runCommand<EvaluateRunResult>(Evaluate, [
      run, '--postprocess', 'scale', '--param', 'factor=0.5', '--label', 'scale-half', '--samples', '20', '--metrics', 'distinguishability', ...common, '--json',
    ]);
    expect(evaluated.error).toBeUndefined();
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ label: 'robust-scale-half+scale', record: { generators: 'robust-scale-half' } });
  });

  it('evaluate --postprocess measures the robust generators of each, and the plain ones through the codecs', async () => {
    for (const name of [...DIFFERENTIABLE, ...CODECS]) {
      const outcome = await runCommand<EvaluateRunResult>(Evaluate, [run, '--postprocess', name, '--samples', '20', '--metrics', 'distinguishability,attributability', ...common, '--json']);
      expect(outcome.error, name).toBeUndefined();
      const result = JSON.parse(outcome.stdout) as EvaluateRunResult;
      const variant = CODECS.includes(name) ? 'plain' : `robust-${name}`;
      expect(result.label).toBe(`${variant}+${name}`);
      expect(result.record.postProcess?.name).toBe(name);
      for (const metric of ['distinguishability', 'attributability']) {
        const mean = result.record.results[metric]!.summary.mean!;
        expect(mean, `${name} ${metric}`).toBeGreaterThanOrEqual(0);
        expect(mean, `${name} ${metric}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('evaluate --param reaches a third-party post-process', async () => {
    const outcome = await runCommand<EvaluateRunResult>(Evaluate, [run, '--postprocess', 'scale', '--param', 'factor=0.25', '--samples', '20', '--metrics', 'distinguishability', ...common, '--json']);
    expect(outcome.error).toBeUndefined();
    expect((JSON.parse(outcome.stdout) as EvaluateRunResult).record.postProcess).toEqual({ name: 'scale', params: { factor: 0.25 } });
  });
});
