import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearKey, saveKey, createRng, type RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { expectCommandFailsUnchanged, runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import Evaluate from '../commands/evaluate.js';
import GeneratorsTrain from '../commands/generators/train.js';
import KeysAdd from '../commands/keys/add.js';
import KeysInit from '../commands/keys/init.js';
import RobustTrain from '../commands/robust/train.js';

let fixture: RunFixture;
let run: string;
let common: string[];
const tiny = ['--epochs', '2', '--steps-per-epoch', '3', '--batch-size', '8'];
beforeAll(async () => {
  await useBackend('cpu');
  fixture = await writeRunFixture(128);
  run = join(fixture.dir, 'run');
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()];
});

const manifest = (): RunManifest => JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;

describe('run commands over one run folder', () => {
  it('keys init creates the run and trains key-1 with its generator, showing progress lines', async () => {
    const outcome = await runCommand(KeysInit, [
      run, '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`, '--seed', '3',
      ...tiny, '--check-samples', '20', '--lr-key', '0.01', ...common,
    ]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe(`${run}: key-1 and its generator trained\n`);
    expect(outcome.stderr).toMatch(/first epoch 1\/2: keyedShare \d/);
    expect(outcome.stderr).toMatch(/first epoch 2\/2: [^\n]*\(loss key /);
    const m = manifest();
    expect(m.keys).toEqual(['key-1']);
    expect(m.config.first).toMatchObject({ epochs: 2, stepsPerEpoch: 3, batchSize: 8, lrKey: 0.01, lr: 5e-4, alpha: 10 });
  });

  it('keys add takes options from flags over the config file over the defaults', async () => {
    const config = join(fixture.dir, 'attrib.yaml');
    writeFileSync(config, 'keys:\n  epochs: 1\n  batchSize: 16\n  stepsPerEpoch: 2\n');
    const outcome = await runCommand(KeysAdd, [run, '--count', '2', '--epochs', '2', '--config', config, ...common, '--json']);
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(outcome.stdout)).toMatchObject({ added: ['key-2', 'key-3'], keys: ['key-1', 'key-2', 'key-3'] });
    expect(manifest().config.keys).toMatchObject({ epochs: 2, batchSize: 16, stepsPerEpoch: 2, lrKey: 1e-3, angleTerm: 'orthogonal' });
  });

  it('generators train, robust train and evaluate complete the run', async () => {
    const generators = await runCommand(GeneratorsTrain, [run, ...tiny, '--check-samples', '20', '--objective', 'shift', '--no-early-stop', ...common, '--json']);
    expect(generators.error).toBeUndefined();
    expect(JSON.parse(generators.stdout).trained).toEqual(['key-2', 'key-3']);
    expect(manifest().config.generators).toMatchObject({ objective: 'shift', shift: { stopWhenDistinguishable: false, delta: 0.01 } });

    const robust = await runCommand(RobustTrain, [run, '--postprocess', 'test-contrast', '--keys', 'key-1,key-3', ...tiny, '--check-samples', '20', ...common]);
    expect(robust.error).toBeUndefined();
    expect(robust.stdout).toBe('robust generators: test-contrast/key-1, test-contrast/key-3\n');

    const evaluate = await runCommand(Evaluate, [run, '--samples', '40', '--metrics', 'distinguishability,attributability', ...common]);
    expect(evaluate.error).toBeUndefined();
    expect(evaluate.stdout).toMatch(/^plain \(plain generators of key-1, key-2, key-3\):\nMETRIC +VALUE\ndistinguishability +mean +\d\.\d{4}\n/);
    const attacked = await runCommand(Evaluate, [run, '--samples', '40', '--metrics', 'distinguishability', '--postprocess', 'test-contrast', '--param', 'min=0.8', ...common, '--json']);
    expect(attacked.error).toBeUndefined();
    // key-2 has no generator robust to test-contrast, so the plain generators are measured.
    expect(JSON.parse(attacked.stdout)).toMatchObject({ label: 'plain+test-contrast', record: { postProcess: { name: 'test-contrast', params: { min: 0.8 } } } });
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics)).toEqual(['plain', 'plain+test-contrast']);
  });
});

describe('bad input: one line on stderr, nothing changed on disk', () => {
  const fails = (command: Parameters<typeof runCommand>[0], argv: string[], message: RegExp) =>
    expectCommandFailsUnchanged(fixture.dir, command, [...argv, ...common], message);

  it('a missing run folder', async () => {
    await fails(KeysAdd, [join(fixture.dir, 'missing'), '--count', '1'], /run folder \S*missing does not exist; create it with `attrib keys init`/);
    await fails(Evaluate, [join(fixture.dir, 'missing')], /run folder \S*missing does not exist; create it with `attrib keys init`/);
  });

  it('negative or malformed counts and numbers', async () => {
    await fails(KeysAdd, [run, '--count=-2'], /--count -2: expected a positive integer/);
    await fails(KeysAdd, [run, '--count', 'three'], /--count "three": expected a number/);
    await fails(GeneratorsTrain, [run, '--epochs', '-1'], /generators option epochs: got -1, expected a non-negative integer/);
    await fails(Evaluate, [run, '--samples', '0'], /samples 0: expected a positive integer/);
  });

  it('an unknown or non-differentiable post-process', async () => {
    await fails(RobustTrain, [run, '--postprocess', 'blurr'], /Unknown post-process "blurr"; available: [^\n]*test-contrast[^\n]*/);
    await fails(RobustTrain, [run, '--postprocess', 'test-posterize'], /post-process test-posterize is not differentiable; robust training needs one that gradients can flow through/);
    await fails(Evaluate, [run, '--postprocess', 'nope'], /Unknown post-process "nope"; available: [^\n]*/);
  });

  it('a key of the wrong size for the generator', async () => {
    const file = join(run, 'keys/key-2.json');
    const original = readFileSync(file);
    const small = LinearKey.random('key-2', { height: 8, width: 8, channels: 1 }, createRng(4));
    await saveKey(file, small);
    small.dispose();
    try {
      await fails(Evaluate, [run, '--samples', '10'], /\S*keys\/key-2\.json: key of 8x8x1 images; the run's generators make 16x16x1/);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('an unreadable checkpoint', async () => {
    const bad = join(fixture.dir, 'corrupt.ckpt');
    writeFileSync(bad, 'ATTRIBCK\u00ff\u00ff\u00ff\u007fgarbage');
    try {
      await fails(KeysInit, [join(fixture.dir, 'new-run'), '--adapter', 'test-dense', '--root', bad, '--data', `test-json:${fixture.dataFile}`],
        /\S*corrupt\.ckpt: not an attrib checkpoint \(truncated header\)/);
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(bad);
    }
    const generator = join(run, 'generators/key-3/generator.ckpt');
    const original = readFileSync(generator);
    writeFileSync(generator, original.subarray(0, 40));
    try {
      await fails(RobustTrain, [run, '--postprocess', 'test-contrast', '--keys', 'key-3', ...tiny], /\S*generators\/key-3\/generator\.ckpt: not an attrib checkpoint \(truncated header\)/);
      await fails(Evaluate, [run, '--samples', '10'], /\S*generators\/key-3\/generator\.ckpt: not an attrib checkpoint \(truncated header\)/);
    } finally {
      writeFileSync(generator, original);
    }
  });

  it('an existing run without --resume, and a missing --root', async () => {
    await fails(KeysInit, [run, '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`], /run folder \S+ already holds a run \(manifest\.json\); pass --resume to finish its first stage/);
    await fails(KeysInit, [join(fixture.dir, 'new-run'), '--adapter', 'test-dense'], /--root is required \(the root generator: an attrib checkpoint, a \.pth file, or pretrained\[:NAME\]\)/);
  });
});
