import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy, readTorchFile, stateDictTensors } from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import type { CycleganGenerator } from './generator.js';
import { filterToTorch } from './layers.js';
import { fixture } from '@attrib/testing/cyclegan';
import { maxAbs, maxAbsDiff, useBackend } from '@attrib/testing/backend';

/** An NCHW fixture array as an NHWC tensor. */
async function nhwc(name: string): Promise<tf.Tensor4D> {
  const array = await readNpy(fixture(name));
  return tf.tidy(() => tf.transpose(tf.tensor4d(array.values, array.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

async function values(name: string): Promise<Float32Array> {
  return (await readNpy(fixture(name))).values as Float32Array;
}

/** NHWC tensor to NCHW values, to compare with PyTorch's arrays. */
const nchwValues = (t: tf.Tensor4D): Float32Array => tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync() as Float32Array);

async function importFixture(file: string, size: { height: number; width: number }): Promise<CycleganGenerator> {
  return (await cycleganAdapter.importReference!(fixture(file), undefined, size)) as CycleganGenerator;
}

describe.each(['cpu', 'wasm'] as const)('parity with PyTorch on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    ['small', 'small.pth', { height: 16, width: 24 }, { inputChannels: 3, outputChannels: 3, ngf: 4, blocks: 2 }],
    ['legacy6', 'legacy6.pth', { height: 20, width: 20 }, { inputChannels: 3, outputChannels: 1, ngf: 3, blocks: 6 }],
    ['nine', 'nine.pth', { height: 16, width: 16 }, { inputChannels: 1, outputChannels: 3, ngf: 2, blocks: 9 }],
  ] as const)('%s: importReference reads the architecture and matches the outputs to 1e-4', async (name, file, size, arch) => {
    const generator = await importFixture(file, size);
    expect(generator.config).toMatchObject({ ...arch, ...size });
    expect(generator.mode).toBe('eval');
    const input = await nhwc(`${name}_input.npy`);
    const output = generator.generate(input);
    const expected = await values(`${name}_output.npy`);
    expect(maxAbsDiff(nchwValues(output), expected)).toBeLessThan(1e-4);
    // Train mode computes the same function: instance statistics either way, no dropout.
    generator.setMode('train');
    const trained = generator.generate(input);
    expect(maxAbsDiff(nchwValues(trained), expected)).toBeLessThan(1e-4);
    tf.dispose([input, output, trained]);
    generator.dispose();
  });

  it('legacy6: running statistics of the old file are dropped, and state() gives back every other tensor unchanged', async () => {
    const file = fixture('legacy6.pth');
    const tensors = stateDictTensors(await readTorchFile(file), file);
    const legacy = [...tensors.keys()].filter((k) => /running_mean|running_var|num_batches_tracked/.test(k));
    expect(legacy.length).toBe(3 * (3 + 2 * 6 + 2));
    const generator = await importFixture('legacy6.pth', { height: 20, width: 20 });
    const state = generator.state();
    const kept = [...tensors.keys()].filter((k) => !legacy.includes(k));
    expect(Object.keys(state)).toEqual(kept);
    for (const name of kept) {
      const reference = tensors.get(name)!.toTf(name);
      expect(state[name]!.shape).toEqual(reference.shape);
      expect(maxAbsDiff(state[name]!.dataSync(), reference.dataSync())).toBe(0);
      reference.dispose();
    }
    tf.dispose(Object.values(state));
    generator.dispose();
  });

  it('small: gradients of sum(R * G(x)) with respect to the input and the weights match PyTorch', async () => {
    const generator = await importFixture('small.pth', { height: 16, width: 24 });
    const input = await nhwc('small_input.npy');
    const probe = await nhwc('small_probe.npy');
    const loss = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(generator.generate(x), probe));
    const inputGrad = tf.tidy(() => tf.grad(loss)(input) as tf.Tensor4D);
    const expectedInput = await values('small_grad_input.npy');
    expect(maxAbsDiff(nchwValues(inputGrad), expectedInput) / maxAbs(expectedInput)).toBeLessThan(1e-4);

    const { grads } = tf.variableGrads(() => loss(input), [...generator.trainableVariables]);
    const byName = new Map(Object.entries(grads).map(([name, g]) => [name.replace(/^cyclegan\/\d+\//, ''), g]));
    const compared = ['model.1.weight', 'model.4.weight', 'model.10.conv_block.1.weight', 'model.12.weight',
      'model.15.weight', 'model.19.weight', 'model.19.bias'];
    const gradOf = async (name: string): Promise<{ ours: Float32Array; expected: Float32Array }> => {
      const grad = byName.get(name);
      expect(grad, name).toBeDefined();
      const ours = tf.tidy(() => (grad!.rank === 4 ? filterToTorch(grad!) : grad!.clone()).dataSync() as Float32Array);
      return { ours, expected: await values(`small_grad_${name.replaceAll('.', '_')}.npy`) };
    };
    for (const name of compared) {
      const { ours, expected } = await gradOf(name);
      expect(maxAbsDiff(ours, expected) / maxAbs(expected), name).toBeLessThan(1e-4);
    }
    // A bias right before an instance norm is subtracted out with the mean: its gradient is zero
    // in closed form (PyTorch's is rounding noise, ~1e-6), so both must be tiny.
    for (const name of ['model.11.conv_block.5.bias', 'model.15.bias']) {
      const { ours, expected } = await gradOf(name);
      expect(maxAbs(expected), name).toBeLessThan(1e-4);
      expect(maxAbs(ours), name).toBeLessThan(1e-4);
    }
    tf.dispose([input, probe, inputGrad, ...Object.values(grads)]);
    generator.dispose();
  });
});
