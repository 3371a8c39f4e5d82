import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKey, saveGenerator, writePng, type RunManifest } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { syntheticSetup } from '@attrib/testing/synthetic';
import { writeTestImages } from '@attrib/testing/test-plugin';
import { CLI_ROOT, expectCommandFailsUnchanged, runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import type { IdentifyResult } from '../identify.js';
import Evaluate from '../evaluate.js';
import GeneratorsTrain from '../generators/train.js';
import Identify from '../identify.js';
import KeysImport from './import.js';
import KeysInit from './init.js';

// The reference key fixture of core (made by packages/core/src/torch/fixtures/make_fixtures.py
// with PyTorch: torch.save(torch.randn(3*4*5), 'key_1.pth')), its values in expected.json.
const TORCH_FIXTURES = join(CLI_ROOT, '..', 'core', 'src', 'torch', 'fixtures');
const KEY_FILE = join(TORCH_FIXTURES, 'key_1.pth');
const reference = JSON.parse(readFileSync(join(TORCH_FIXTURES, 'expected.json'), 'utf8')) as { key: { chw: number[]; values: number[] } };
const [C, H, W] = reference.key.chw as [number, number, number];

/** The reference's CHW vector in HWC order, transposed entry by entry. */
function hwcByHand(chw: readonly number[]): number[] {
  const out: number[] = [];
  for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) out.push(chw[c * H * W + h * W + w]!);
  return out;
}

let dir: string;
let run: string;
let common: string[];
beforeAll(async () => {
  await useBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'attrib-keys-import-'));
  run = join(dir, 'run');
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()];
  // A test-dense root of the key's image shape (4x5 RGB) and real data it imitates.
  const setup = syntheticSetup(64, { latent: 4, height: H, width: W, channels: C, batchNorm: true, seed: 7, weightScale: 0.2, biasScale: 1 });
  try {
    await saveGenerator(join(dir, 'root.ckpt'), setup.root);
    const images = setup.data.read(Array.from({ length: 64 }, (_, i) => i));
    await writeTestImages(join(dir, 'data.json'), images);
    images.dispose();
  } finally {
    setup.dispose();
  }
  const init = await runCommand(KeysInit, [
    run, '--adapter', 'test-dense', '--root', join(dir, 'root.ckpt'), '--data', `test-json:${join(dir, 'data.json')}`,
    '--epochs', '1', '--steps-per-epoch', '2', '--batch-size', '8', '--check-samples', '16', ...common,
  ]);
  expect(init.error).toBeUndefined();
});

const manifest = (folder = run): RunManifest => JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as RunManifest;

describe('keys import RUN FILE...: reference keys (key_N.pth, CHW) into a run', () => {
  it('adds the key as the next key-N, its vector in HWC order, and records it in the manifest', async () => {
    const outcome = await runCommand<{ imported: { id: string; file: string }[]; keys: string[] }>(KeysImport, [run, KEY_FILE, ...common, '--json']);
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(outcome.stdout)).toMatchObject({ imported: [{ id: 'key-2', file: KEY_FILE }], keys: ['key-1', 'key-2'] });
    expect(manifest().keys).toEqual(['key-1', 'key-2']);
    const key = await loadKey(join(run, 'keys', 'key-2.json'));
    try {
      expect(key.shape).toEqual({ height: H, width: W, channels: C });
      expect(key.order).toBe('HWC');
      const stored = Array.from(await key.vector.data());
      const expected = hwcByHand(reference.key.values);
      expect(stored.length).toBe(expected.length);
      stored.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    } finally {
      key.dispose();
    }
  });

  it('--id names the key; generators train, evaluate and identify --run take it', async () => {
    const outcome = await runCommand(KeysImport, [run, KEY_FILE, '--id', 'ref-1', ...common]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe(`imported ref-1 (${KEY_FILE}) (keys: key-1, key-2, ref-1)\n`);

    const generators = await runCommand<{ trained: string[] }>(GeneratorsTrain, [
      run, '--epochs', '1', '--steps-per-epoch', '2', '--batch-size', '8', '--check-samples', '16', '--workers', '1', ...common, '--json',
    ]);
    expect(generators.error).toBeUndefined();
    expect(JSON.parse(generators.stdout).trained).toEqual(['key-2', 'ref-1']);

    const evaluate = await runCommand(Evaluate, [run, '--samples', '16', '--metrics', 'distinguishability', ...common, '--json']);
    expect(evaluate.error).toBeUndefined();
    expect(JSON.parse(evaluate.stdout)).toMatchObject({ record: { keys: ['key-1', 'key-2', 'ref-1'] } });

    // identify scores an image with the imported key as the reference does: phi . x over NCHW.
    const data = Uint8Array.from({ length: H * W * C }, (_, i) => (i * 37 + 11) % 256);
    const image = join(dir, 'image.png');
    await writePng(image, { width: W, height: H, channels: C as 1 | 3, data });
    const identified = await runCommand<IdentifyResult>(Identify, ['--run', run, image, ...common, '--json']);
    expect(identified.error).toBeUndefined();
    const scores = (JSON.parse(identified.stdout) as IdentifyResult).images[0]!.scores;
    let dot = 0;
    for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      dot += (data[(h * W + w) * C + c]! / 127.5 - 1) * reference.key.values[c * H * W + h * W + w]!;
    }
    expect(scores.find((s) => s.key === 'ref-1')!.score).toBeCloseTo(dot, 4);
    expect(scores.find((s) => s.key === 'key-2')!.score).toBeCloseTo(dot, 4);
  });

  describe('bad input: one line naming the file or id, nothing written', () => {
    const fails = (argv: string[], message: RegExp, folder = run) => expectCommandFailsUnchanged(folder, KeysImport, [...argv, ...common], message);

    it('a key of another size than the run\'s images, naming the file and both shapes', async () => {
      const other = join(dir, 'other-run');
      cpSync(run, other, { recursive: true });
      const m = manifest(other);
      writeFileSync(join(other, 'manifest.json'), JSON.stringify({ ...m, imageShape: { height: 4, width: 4, channels: 3 } }));
      await fails([other, KEY_FILE], /\S*key_1\.pth: key has 60 entries \(shape \[60\]\); images of 4x4x3 need 48/, other);
    });

    it('one bad file among good ones: nothing is imported', async () => {
      const notAKey = join(TORCH_FIXTURES, 'module_state_zip.pth');
      await fails([run, KEY_FILE, notAKey], /\S*module_state_zip\.pth: holds a dict, expected one key tensor/);
      await fails([run, KEY_FILE, join(dir, 'missing.pth')], /\S*missing\.pth: cannot read PyTorch file \(ENOENT\)/);
    });

    it('an id the run has, --id with several files, a bad id, a missing run', async () => {
      await fails([run, KEY_FILE, '--id', 'key-1'], /key id key-1: run \S+ already has a key key-1/);
      await fails([run, KEY_FILE, KEY_FILE, '--id', 'ref-9'], /--id ref-9: names one key; 2 key files given/);
      await fails([run, KEY_FILE, '--id', '../x'], /key id "\.\.\/x": expected letters, digits, '\.', '_' or '-'/);
      await fails([join(dir, 'missing-run'), KEY_FILE], /run folder \S*missing-run does not exist; create it with `attrib keys init`/, dir);
    });
  });
});
