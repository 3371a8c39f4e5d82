import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleganAdapter, cycleganPaperProfile } from '@attrib/adapter-cyclegan';
import { pganAdapter } from '@attrib/adapter-pgan';
import { writePng, type RunManifest } from '@attrib/core';
import { parse } from 'yaml';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import GeneratorsTrain from '../commands/generators/train.js';
import Import from '../commands/import.js';
import KeysAdd from '../commands/keys/add.js';
import KeysInit from '../commands/keys/init.js';

// examples/*-paper.yaml hold the release's settings for the PGAN and CycleGAN setups, and the
// adapters name the same settings as their `paper` profile. Each is run through keys init, keys
// add and generators train on a small root of its adapter, with only the epoch length cut on the
// command line; the manifest records what every stage ran with.
const EXAMPLES = join(CLI_ROOT, '..', '..', 'examples');
const FIXTURES = join(CLI_ROOT, '..');
const SIDE = 16;
const short = ['--epochs', '1', '--steps-per-epoch', '1', '--backend', 'wasm'];

let tmp: string;
let images: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'attrib-paper-'));
  images = join(tmp, 'data');
  for (const split of ['trainA', 'trainB']) {
    mkdirSync(join(images, split), { recursive: true });
    for (let i = 0; i < 4; i++) {
      const data = Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, j) => (j * 13 + i * 57 + split.length) % 256);
      await writePng(join(images, split, `${i}.png`), { width: SIDE, height: SIDE, channels: 3, data });
    }
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The epochs each stage of a config file asks for (cut on the command line in the runs below). */
function epochsOf(config: string): Record<string, number> {
  const sections = parse(readFileSync(config, 'utf8')) as Record<string, { epochs: number }>;
  return { first: sections.first!.epochs, keys: sections.keys!.epochs, generators: sections.generators!.epochs };
}

/**
 * `settings`: where the settings come from, `--config FILE` or `--profile paper`. An `--adapter`
 * among them goes to keys init alone: the later commands read the run's adapter from its manifest.
 */
async function runStages(run: string, settings: readonly string[], init: string[]): Promise<RunManifest> {
  const adapterAt = settings.indexOf('--adapter');
  const common = [...(adapterAt < 0 ? settings : settings.filter((_, i) => i !== adapterAt && i !== adapterAt + 1)), ...short];
  const first = await runCommand(KeysInit, [run, ...settings, ...init, '--check-samples', '2', ...short]);
  expect(first.error).toBeUndefined();
  expect((await runCommand(KeysAdd, [run, '--count', '1', ...common])).error).toBeUndefined();
  expect((await runCommand(GeneratorsTrain, [run, '--check-samples', '2', ...common])).error).toBeUndefined();
  return JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
}

describe('the paper settings as config files and as --profile paper', () => {
  const pganSettings = [
    ['examples/pgan-celeba-paper.yaml', ['--config', join(EXAMPLES, 'pgan-celeba-paper.yaml')]],
    ["the pgan adapter's --profile paper", ['--profile', 'paper', '--adapter', 'pgan']],
  ] as const;
  it.each(pganSettings)('%s: alpha 100, beta1 0, batch 16, 5 epochs; keys batch 32, 10 epochs, cosine 0.7', async (name, settings) => {
    const m = await runStages(join(tmp, name.startsWith('examples') ? 'pgan' : 'pgan-profile'), settings, [
      '--root', join(FIXTURES, 'adapter-pgan', 'fixtures', 'pgan_small.pth'), '--data', `folder:${join(images, 'trainB')}`,
    ]);
    expect(m.adapter).toBe('pgan');
    const generator = { lr: 5e-4, beta1: 0, beta2: 0.99, alpha: 100, batchSize: 16, stepsPerEpoch: 1, epochs: 1 };
    expect(m.config.first).toMatchObject({ ...generator, lrKey: 1e-3 });
    expect(m.config.keys).toMatchObject({ lrKey: 1e-3, batchSize: 32, angleTerm: 'cosine', cosineTarget: 0.7, cosineWeight: 20, epochs: 1 });
    expect(m.config.generators).toMatchObject(generator);
    expect(epochsOf(join(EXAMPLES, 'pgan-celeba-paper.yaml'))).toEqual({ first: 5, keys: 10, generators: 5 });
    expect(pganAdapter.profiles?.paper?.stages).toMatchObject({ first: { epochs: 5 }, keys: { epochs: 10 }, generators: { epochs: 5 } });
  });

  const cycleganSettings = [
    ['examples/cyclegan-cityscapes-paper.yaml', ['--config', join(EXAMPLES, 'cyclegan-cityscapes-paper.yaml')]],
    ["the cyclegan adapter's --profile paper", ['--profile', 'paper', '--adapter', 'cyclegan']],
  ] as const;
  it.each(cycleganSettings)("%s: the adapter's paper profile, inputs from trainA and real data from trainB", async (name, settings) => {
    const profile = !name.startsWith('examples');
    const root = join(tmp, profile ? 'cyclegan-profile.ckpt' : 'cyclegan.ckpt');
    const imported = await runCommand(Import, [
      join(FIXTURES, 'adapter-cyclegan', 'fixtures', 'small.pth'), '--adapter', 'cyclegan', '--option', `height=${SIDE}`, '--option', `width=${SIDE}`, '--out', root, '--backend', 'wasm',
    ]);
    expect(imported.error).toBeUndefined();
    const m = await runStages(join(tmp, profile ? 'cyclegan-profile' : 'cyclegan'), settings, [
      '--root', root, '--inputs', `unaligned:${images}`, '--data', `unaligned:${images}`, '--data-split', 'B',
    ]);
    expect(m.adapter).toBe('cyclegan');
    expect(m.data).toEqual({ source: 'unaligned', path: images, split: 'B' });
    const cut = { epochs: 1, stepsPerEpoch: 1 };
    expect(m.config.first).toMatchObject({ ...cycleganPaperProfile.stages.first, ...cut });
    expect(m.config.keys).toMatchObject({ ...cycleganPaperProfile.stages.keys, ...cut });
    expect(m.config.generators).toMatchObject({ ...cycleganPaperProfile.stages.generators, ...cut });
    const { first, keys, generators } = cycleganPaperProfile.stages;
    expect(epochsOf(join(EXAMPLES, 'cyclegan-cityscapes-paper.yaml'))).toEqual({ first: first.epochs, keys: keys.epochs, generators: generators.epochs });
    expect(cycleganAdapter.profiles?.paper?.stages).toEqual(cycleganPaperProfile.stages);
  });
});
