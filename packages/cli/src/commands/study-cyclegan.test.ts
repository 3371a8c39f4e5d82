import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng, type RunManifest, type StudyResult } from '@attrib/core';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import GeneratorsTrain from './generators/train.js';
import Import from './import.js';
import KeysAdd from './keys/add.js';
import KeysInit from './keys/init.js';
import Study from './study.js';

// A study over a CycleGAN run: the generator's inputs are pictures (trainA), its real data
// labels (trainB). Every cell forks the run, so the fork must keep the run's inputs for robust
// training and the metrics to translate pictures rather than draw latents.
const SMALL = join(CLI_ROOT, '..', 'adapter-cyclegan', 'fixtures', 'small.pth');
const SIDE = 16;
const short = ['--epochs', '1', '--steps-per-epoch', '1', '--batch-size', '1', '--backend', 'wasm'];
const tiny = [...short, '--check-samples', '2'];

let tmp: string;
let run: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'attrib-study-cyclegan-'));
  const dataset = join(tmp, 'cityscapes');
  for (const split of ['trainA', 'trainB']) {
    mkdirSync(join(dataset, split), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const data = Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, j) => (j * 7 + i * 31 + (split === 'trainB' ? 100 : 0)) % 256);
      await writePng(join(dataset, split, `${i}.png`), { width: SIDE, height: SIDE, channels: 3, data });
    }
  }
  const root = join(tmp, 'root.ckpt');
  expect((await runCommand(Import, ['--adapter', 'cyclegan', '--option', `height=${SIDE}`, '--option', `width=${SIDE}`, '--out', root, '--backend', 'wasm', SMALL])).error).toBeUndefined();
  run = join(tmp, 'run');
  const init = await runCommand(KeysInit, [
    run, '--adapter', 'cyclegan', '--root', root, '--inputs', `unaligned:${dataset}`, '--inputs-split', 'A',
    '--data', `unaligned:${dataset}`, '--data-split', 'B', ...tiny,
  ]);
  expect(init.error).toBeUndefined();
  expect((await runCommand(KeysAdd, [run, '--count', '1', ...short])).error).toBeUndefined();
  expect((await runCommand(GeneratorsTrain, [run, ...tiny])).error).toBeUndefined();
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('attrib study on a CycleGAN run', () => {
  it('runs plain and robust cells under blur, keeping the run\'s inputs in every fork; FID auto is off for non-MNIST data', async () => {
    const config = join(tmp, 'study.yaml');
    writeFileSync(config, `base: run
postprocesses:
  blur: { params: { sigma: 1, kernelSize: 5 } }
robust: [false, true]
alphas: [1000]
training:
  robust: { epochs: 1, stepsPerEpoch: 2, batchSize: 1, checkSamples: 2 }
evaluation: { samples: 6, fid: auto }
out: study
`);
    const outcome = await runCommand<StudyResult>(Study, [config, '--backend', 'wasm', '--json']);
    expect(outcome.error).toBeUndefined();
    const result = JSON.parse(outcome.stdout) as StudyResult;
    expect(result.rows.map((r) => [r.adapter, r.postprocess, r.robust, r.alpha])).toEqual([
      ['cyclegan', 'blur', false, null], ['cyclegan', 'blur', true, 1000],
    ]);
    for (const row of result.rows) {
      for (const share of [row.attributability, row.distinguishability]) {
        expect(share).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(1);
      }
      expect(row.l2).toBeGreaterThan(0);
      expect(Number.isFinite(row.psnr)).toBe(true);
      expect(row.ssim).toBeLessThanOrEqual(1);
      expect(row.fid).toBeNull();
      expect(row.keys).toBe(2);
    }

    const cells = join(tmp, 'study', 'cells');
    const robustCell = result.rows.find((r) => r.robust)!.cell;
    const forked = JSON.parse(readFileSync(join(cells, robustCell, 'manifest.json'), 'utf8')) as RunManifest & { inputs?: unknown };
    const base = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest & { inputs?: unknown };
    expect(forked.inputs).toEqual(base.inputs);
    expect(forked.data).toEqual(base.data);
    expect(forked.adapter).toBe('cyclegan');
    expect(forked.robust.blur).toEqual(['key-1', 'key-2']);
    expect(forked.config.robust).toMatchObject({ alpha: 1000, stepsPerEpoch: 2 });
    // Robust training wrote a new generator per key beside the keyed one, which stays as forked.
    for (const key of ['key-1', 'key-2']) {
      const folder = join(cells, robustCell, 'generators', key);
      const keyed = readFileSync(join(folder, 'generator.ckpt'));
      expect(keyed.equals(readFileSync(join(run, 'generators', key, 'generator.ckpt')))).toBe(true);
      expect(readFileSync(join(folder, 'robust-blur.ckpt')).equals(keyed)).toBe(false);
    }
    const plainCell = result.rows.find((r) => !r.robust)!.cell;
    expect(readdirSync(join(cells, plainCell, 'generators', 'key-1'))).toEqual(['generator.ckpt']);
  }, 300_000);
});
