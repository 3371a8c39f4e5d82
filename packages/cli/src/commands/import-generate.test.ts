import { readNpy, writeNpy } from '@attrib/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import Generate, { type GenerateResult } from './generate.js';
import Import, { type ImportResult } from './import.js';

// PyTorch's own outputs: packages/adapter-pgan/scripts/make_parity_fixtures.py built a small GAN
// zoo PGAN generator, saved it in the zoo's checkpoint layout and ran it on latents.npy.
const PGAN = join(CLI_ROOT, '..', 'adapter-pgan', 'fixtures');
// The same for CycleGAN ResnetGenerators (packages/adapter-cyclegan/scripts/make_parity_fixtures.py).
const CYCLEGAN = join(CLI_ROOT, '..', 'adapter-cyclegan', 'fixtures');
// And for the reference DCGANs (packages/adapter-dcgan/scripts/make_parity_fixtures.py).
const DCGAN = join(CLI_ROOT, '..', 'adapter-dcgan', 'fixtures');

async function maxAbsDiffToReference(ours: string, reference: string): Promise<number> {
  const [a, b] = await Promise.all([readNpy(ours), readNpy(reference)]);
  expect(a.shape).toEqual(b.shape);
  let max = 0;
  for (let i = 0; i < a.values.length; i++) max = Math.max(max, Math.abs(a.values[i]! - b.values[i]!));
  return max;
}

describe('attrib import and attrib generate', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'attrib-import-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('imports a GAN zoo checkpoint, then generates from our checkpoint what PyTorch generated (1e-4)', async () => {
    const ckpt = join(tmp, 'pgan.ckpt');
    const imported = await runCommand<ImportResult>(Import, ['--adapter', 'pgan', '--backend', 'cpu', '--out', ckpt, join(PGAN, 'pgan_small.pth')]);
    expect(imported.error).toBeUndefined();
    expect(imported.result).toMatchObject({ adapter: 'pgan', out: ckpt, imageShape: { height: 16, width: 16, channels: 3 } });
    expect(imported.stdout).toBe(`imported ${join(PGAN, 'pgan_small.pth')} (pgan, 16x16x3) to ${ckpt}\n`);

    const out = join(tmp, 'from-ckpt.npy');
    const generated = await runCommand<GenerateResult>(Generate, [
      '--checkpoint', ckpt, '--inputs', join(PGAN, 'latents.npy'), '--out', out, '--backend', 'cpu', '--batch-size', '3', '--json',
    ]);
    expect(generated.error).toBeUndefined();
    expect(JSON.parse(generated.stdout)).toMatchObject({ adapter: 'pgan', checkpointFormat: 'attrib', inputShape: [4, 12], outputShape: [4, 3, 16, 16] });
    expect(await maxAbsDiffToReference(out, join(PGAN, 'out_netG.npy'))).toBeLessThan(1e-4);
  });

  it('generates straight from the reference checkpoint, with the avgG option', async () => {
    const out = join(tmp, 'avg.npy');
    const run = await runCommand<GenerateResult>(Generate, [
      '--adapter', 'pgan', '--checkpoint', join(PGAN, 'pgan_small.pth'), '--option', 'weights=avgG',
      '--inputs', join(PGAN, 'latents.npy'), '--out', out, '--backend', 'cpu',
    ]);
    expect(run.error).toBeUndefined();
    expect(run.result?.checkpointFormat).toBe('reference');
    expect(await maxAbsDiffToReference(out, join(PGAN, 'out_avgG.npy'))).toBeLessThan(1e-4);
  });

  it('runs a CycleGAN reference checkpoint on NCHW images of their own size, as PyTorch did (1e-4)', async () => {
    // latest_net_G_A.pth does not record the image size: it comes from the input images.
    for (const [name, shape] of [['nine', [1, 3, 16, 16]], ['legacy6', [2, 1, 20, 20]]] as const) {
      const out = join(tmp, `${name}.npy`);
      const run = await runCommand<GenerateResult>(Generate, [
        '--adapter', 'cyclegan', '--checkpoint', join(CYCLEGAN, `${name}.pth`), '--inputs', join(CYCLEGAN, `${name}_input.npy`), '--out', out, '--backend', 'cpu',
      ]);
      expect(run.error).toBeUndefined();
      expect(run.result).toMatchObject({ adapter: 'cyclegan', checkpointFormat: 'reference', outputShape: shape });
      expect(await maxAbsDiffToReference(out, join(CYCLEGAN, `${name}_output.npy`))).toBeLessThan(1e-4);
    }
  });

  it('runs DCGAN reference checkpoints on [N, nz, 1, 1] latents, as PyTorch did (1e-4)', async () => {
    for (const [name, shape] of [['dcgan32_c1', [2, 1, 32, 32]], ['dcgan64_c3', [2, 3, 64, 64]]] as const) {
      const out = join(tmp, `${name}.npy`);
      const run = await runCommand<GenerateResult>(Generate, [
        '--adapter', 'dcgan', '--checkpoint', join(DCGAN, `${name}.pth`), '--inputs', join(DCGAN, `${name}_latents.npy`), '--out', out, '--backend', 'cpu',
      ]);
      expect(run.error).toBeUndefined();
      expect(run.result).toMatchObject({ adapter: 'dcgan', checkpointFormat: 'reference', outputShape: shape });
      expect(await maxAbsDiffToReference(out, join(DCGAN, `${name}_out.npy`))).toBeLessThan(1e-4);
    }
  });

  it('fails in one line naming the file and what was expected', async () => {
    const badLatents = join(tmp, 'bad.npy');
    await writeNpy(badLatents, { shape: [2, 5], dtype: 'float32', values: new Float32Array(10) });
    const wrongShape = await runCommand(Generate, [
      '--adapter', 'pgan', '--checkpoint', join(PGAN, 'pgan_small.pth'), '--inputs', badLatents, '--out', join(tmp, 'x.npy'), '--backend', 'cpu',
    ]);
    // The last stderr line (progress lines may precede it).
    expect(wrongShape.stderr.trim().split('\n').at(-1)).toBe(`Error: ${badLatents}: pgan: latents of shape [2, 5]; expected [N, 12] or [N, 12, 1, 1]`);

    const noAdapter = await runCommand(Generate, ['--checkpoint', join(PGAN, 'pgan_small.pth'), '--inputs', badLatents, '--out', join(tmp, 'x.npy')]);
    expect(noAdapter.stderr).toContain('--adapter is required to read');

    const unknownOption = await runCommand(Import, ['--adapter', 'pgan', '--option', 'weights=emaG', '--backend', 'cpu', join(PGAN, 'pgan_small.pth'), '--out', join(tmp, 'y.ckpt')]);
    expect(unknownOption.stderr).toBe('Error: pgan: import option \'weights\' must be netG or avgG, got "emaG"\n');

    const notPgan = await runCommand(Import, ['--adapter', 'pgan', '--backend', 'cpu', join(PGAN, 'latents.npy'), '--out', join(tmp, 'z.ckpt')]);
    expect(notPgan.stderr).toBe(`Error: ${join(PGAN, 'latents.npy')}: not a PyTorch checkpoint (neither a zip archive nor a pickle)\n`);
  });
});
