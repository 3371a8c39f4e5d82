import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { U8ImageSource } from '../data/u8-image-source.js';
import { fitGreyImages } from '../data/fit-grey.js';
import { loadMnistDigits } from '../data/mnist.js';
import { MnistFeatureNet } from './fid-classifier.js';
import { classifierAccuracy, crossEntropy, trainFidClassifier } from './fid-classifier-training.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** `perClass` digits of classes 0 and 1 from the mnist package, at 32x32, with labels. */
function zerosAndOnes(perClass: number, offset: number): { images: U8ImageSource; labels: Uint8Array } {
  const digits = loadMnistDigits();
  const picked: number[] = [];
  for (const digit of [0, 1]) picked.push(...Array.from(digits.labels.keys()).filter((i) => digits.labels[i] === digit).slice(offset, offset + perClass));
  const raw = new Uint8Array(picked.length * 784);
  picked.forEach((index, i) => raw.set(digits.pixels.subarray(index * 784, (index + 1) * 784), i * 784));
  const pixels = fitGreyImages(raw, picked.length, 28, 28, { height: 32, width: 32, channels: 1 }, 'resize', 'test');
  return { images: new U8ImageSource('zeros-and-ones', { height: 32, width: 32, channels: 1 }, pixels), labels: Uint8Array.from(picked, (i) => digits.labels[i]!) };
}

describe('MNIST feature network', () => {
  it('computes softmax cross-entropy as -log p(label)', () => {
    const logits = tf.tensor2d([[2, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]]);
    const labels = tf.tensor1d([0, 5]);
    const z0 = Math.exp(2) + 9;
    const z1 = Math.exp(1) + 9;
    const expected = (-(2 - Math.log(z0)) - (0 - Math.log(z1))) / 2;
    expect(crossEntropy(logits, labels).dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([logits, labels]);
  });

  it('learns to tell held-out zeros from ones, and gives 128 features per image', () => {
    const train = zerosAndOnes(60, 0);
    const test = zerosAndOnes(40, 60);
    const net = trainFidClassifier({ ...train, epochs: 2, batchSize: 20, shift: 1 });
    expect(classifierAccuracy(net, test.images, test.labels)).toBeGreaterThan(0.95);
    const features = tf.tidy(() => net.features(test.images.read([0, 1, 2])));
    expect(features.shape).toEqual([3, 128]);
    features.dispose();
    net.dispose();
  });

  it('rejects images of another shape and states of another layout, naming them', () => {
    const net = new MnistFeatureNet();
    expect(() => net.features(tf.zeros([1, 28, 28, 1]))).toThrow('fid: the MNIST feature network takes 32x32x1 images, got 28x28x1');
    const state = net.state();
    const bad = { ...state, 'fc1.weight': tf.zeros([10, 10]) };
    expect(() => net.loadState(bad)).toThrow("fid classifier: entry 'fc1.weight' has shape [10, 10]; expected [1024, 128]");
    tf.dispose([...Object.values(state), bad['fc1.weight']]);
    net.dispose();
  });
});
