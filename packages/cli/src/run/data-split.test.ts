import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng, type EvaluateRunResult, type RunManifest } from '@attrib/core';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import Evaluate from '../commands/evaluate.js';
import Import from '../commands/import.js';
import KeysInit from '../commands/keys/init.js';

// A CycleGAN run reads its inputs from trainA and its real data from trainB of one unaligned
// data set. trainA holds 6 pictures and trainB 5, so the number of real images the
// distinguishability metric reads tells which folder the run took as real data.
const SMALL = join(CLI_ROOT, '..', 'adapter-cyclegan', 'fixtures', 'small.pth');
const SIDE = 16;

let tmp: string;
let dataset: string;
let root: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'attrib-split-'));
  dataset = join(tmp, 'cityscapes');
  for (const [split, count] of [['trainA', 6], ['trainB', 5]] as const) {
    mkdirSync(join(dataset, split), { recursive: true });
    for (let i = 0; i < count; i++) {
      const data = Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, j) => (j * 7 + i * 31 + (split === 'trainB' ? 100 : 0)) % 256);
      await writePng(join(dataset, split, `${i}.png`), { width: SIDE, height: SIDE, channels: 3, data });
    }
  }
  root = join(tmp, 'root.ckpt');
  const imported = await runCommand(Import, ['--adapter', 'cyclegan', '--option', `height=${SIDE}`, '--option', `width=${SIDE}`, '--out', root, '--backend', 'wasm', SMALL]);
  expect(imported.error).toBeUndefined();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = ['--epochs', '1', '--steps-per-epoch', '1', '--batch-size', '1', '--check-samples', '2', '--backend', 'wasm'];

async function realImagesRead(run: string): Promise<number> {
  const evaluated = await runCommand<EvaluateRunResult>(Evaluate, [run, '--metrics', 'distinguishability', '--samples', '20', '--backend', 'wasm', '--json']);
  expect(evaluated.error).toBeUndefined();
  return (evaluated.result!.record.results.distinguishability!.details as { realSamples: number }).realSamples;
}

describe('keys init --data-split / --inputs-split', () => {
  it('takes the real data from the named split of an unaligned set and records it in the manifest', async () => {
    const run = join(tmp, 'run-b');
    const init = await runCommand(KeysInit, [
      run, '--adapter', 'cyclegan', '--root', root, '--inputs', `unaligned:${dataset}`, '--inputs-split', 'A',
      '--data', `unaligned:${dataset}`, '--data-split', 'B', ...tiny,
    ]);
    expect(init.error).toBeUndefined();
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest & { inputs?: unknown };
    expect(manifest.data).toEqual({ source: 'unaligned', path: dataset, split: 'B' });
    expect(manifest.inputs).toEqual({ source: 'unaligned', path: dataset, split: 'A' });
    expect(await realImagesRead(run)).toBe(5);

    // Without --data-split the unaligned source gives its default split A as real data.
    const runA = join(tmp, 'run-a');
    expect((await runCommand(KeysInit, [runA, '--adapter', 'cyclegan', '--root', root, '--inputs', `unaligned:${dataset}`, '--data', `unaligned:${dataset}`, ...tiny])).error).toBeUndefined();
    expect(await realImagesRead(runA)).toBe(6);
  });

  it('refuses an unknown split and --inputs-split without --inputs in one line, creating nothing', async () => {
    const run = join(tmp, 'run-bad');
    const badSplit = await runCommand(KeysInit, [run, '--adapter', 'cyclegan', '--root', root, '--inputs', `unaligned:${dataset}`, '--data', `unaligned:${dataset}`, '--data-split', 'C', ...tiny]);
    expect(badSplit.stderr).toBe('Error: unaligned: split must be one of A, B, trainA, trainB, testA, testB, got "C"\n');
    const noInputs = await runCommand(KeysInit, [run, '--adapter', 'cyclegan', '--root', root, '--inputs-split', 'A', ...tiny]);
    expect(noInputs.stderr).toBe('Error: --inputs-split needs --inputs\n');
    expect(existsSync(run)).toBe(false);
  });
});
