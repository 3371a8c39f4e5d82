import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@attrib/testing/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { convRef, convTransposeRef, fromNhwc } from '@attrib/testing/dcgan-reference-ops';
import { maxAbsDiff } from '@attrib/testing/backend';
import { conv2d, convTranspose2d, convTransposeWeightFromTorch, convTransposeWeightToTorch, convWeightFromTorch, convWeightToTorch } from './conv.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function randomArray(size: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([size], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

describe('convTranspose2d matches PyTorch ConvTranspose2d (direct loop)', () => {
  const cases = [
    { name: 'k4 s1 p0 from 1x1 (first DCGAN layer)', n: 2, h: 1, inC: 5, outC: 3, k: 4, s: 1, p: 0 },
    { name: 'k4 s2 p1 (DCGAN upsampling, same-padding path)', n: 2, h: 4, inC: 3, outC: 4, k: 4, s: 2, p: 1 },
    { name: 'k5 s2 p2 (slice path)', n: 1, h: 3, inC: 2, outC: 3, k: 5, s: 2, p: 2 },
    { name: 'k3 s1 p1 on odd size', n: 3, h: 5, inC: 2, outC: 2, k: 3, s: 1, p: 1 },
    { name: 'k4 s2 p0', n: 1, h: 3, inC: 2, outC: 2, k: 4, s: 2, p: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const x = randomArray(c.n * c.h * c.h * c.inC, 1);
      const wTorch = randomArray(c.inC * c.outC * c.k * c.k, 2);
      const actual = tf.tidy(() => {
        const filter = convTransposeWeightFromTorch(tf.tensor4d(wTorch, [c.inC, c.outC, c.k, c.k]));
        return convTranspose2d(tf.tensor4d(x, [c.n, c.h, c.h, c.inC]), filter, { inChannels: c.inC, outChannels: c.outC, kernel: c.k, stride: c.s, padding: c.p });
      });
      const expected = convTransposeRef(fromNhwc(x, c.n, c.h, c.h, c.inC), wTorch, c.outC, c.k, c.s, c.p);
      expect(actual.shape).toEqual([c.n, expected.h, expected.w, c.outC]);
      const got = fromNhwc(actual.dataSync(), c.n, expected.h, expected.w, c.outC);
      actual.dispose();
      expect(maxAbsDiff(got.data, expected.data)).toBeLessThan(1e-4);
    });
  }
});

describe('conv2d matches PyTorch Conv2d (direct loop)', () => {
  const cases = [
    { name: 'k4 s2 p1 (DCGAN downsampling)', n: 2, h: 8, inC: 3, outC: 4, k: 4, s: 2, p: 1 },
    { name: 'k4 s1 p0 to one logit', n: 2, h: 4, inC: 5, outC: 1, k: 4, s: 1, p: 0 },
    { name: 'k3 s2 p1 on odd size', n: 1, h: 7, inC: 2, outC: 2, k: 3, s: 2, p: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const x = randomArray(c.n * c.h * c.h * c.inC, 3);
      const wTorch = randomArray(c.outC * c.inC * c.k * c.k, 4);
      const actual = tf.tidy(() => conv2d(
        tf.tensor4d(x, [c.n, c.h, c.h, c.inC]),
        convWeightFromTorch(tf.tensor4d(wTorch, [c.outC, c.inC, c.k, c.k])),
        { inChannels: c.inC, outChannels: c.outC, kernel: c.k, stride: c.s, padding: c.p },
      ));
      const expected = convRef(fromNhwc(x, c.n, c.h, c.h, c.inC), wTorch, c.outC, c.k, c.s, c.p);
      const got = fromNhwc(actual.dataSync(), c.n, expected.h, expected.w, c.outC);
      actual.dispose();
      expect(maxAbsDiff(got.data, expected.data)).toBeLessThan(1e-4);
    });
  }
});

describe('weight layout conversion', () => {
  it('round-trips PyTorch layouts exactly and places [in, out, kh, kw] at [kh, kw, out, in]', () => {
    const w = tf.tensor4d(randomArray(2 * 3 * 4 * 4, 5), [2, 3, 4, 4]);
    const filter = convTransposeWeightFromTorch(w);
    expect(filter.shape).toEqual([4, 4, 3, 2]);
    // torch w[i=1, o=2, ky=3, kx=0] sits at filter[3, 0, 2, 1].
    expect(filter.arraySync()[3]![0]![2]![1]).toBeCloseTo(w.arraySync()[1]![2]![3]![0]!, 6);
    const back = convTransposeWeightToTorch(filter);
    expect(Array.from(back.dataSync())).toEqual(Array.from(w.dataSync()));
    const back2 = convWeightToTorch(convWeightFromTorch(w));
    expect(Array.from(back2.dataSync())).toEqual(Array.from(w.dataSync()));
    tf.dispose([w, filter, back, back2]);
  });
});
