import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { writeSmallRun } from '@attrib/testing/small-run';
import { writeTestImages, type TestImagesFile } from '@attrib/testing/test-plugin';
import type { PluginHost } from '../../plugins/host.js';
import { readCalibration } from '../../calibration/calibration-file.js';
import { clopperPearson } from '../../calibration/binomial.js';
import { RunFolder } from '../../io/run-folder.js';
import { loadKey } from '../../keys/key-file.js';
import { calibrateRun } from './calibrate-run.js';

let host: PluginHost;
let run: string;
let dataFile: string;
let oodFile: string;
const vectors: Record<string, Float64Array> = {};

/** phi . q(x) in float64, with q the 8-bit round trip: the reference score of a real image. */
function referenceScore(values: ArrayLike<number>, offset: number, key: string): number {
  const phi = vectors[key]!;
  let s = 0;
  for (let i = 0; i < phi.length; i++) {
    const byte = Math.floor(Math.min(255, Math.max(0, ((Math.min(1, Math.max(-1, values[offset + i]!)) + 1) / 2) * 255 + 0.5)));
    s += phi[i]! * ((byte / 255 - 0.5) / 0.5);
  }
  return s;
}

beforeAll(async () => {
  await useBackend('cpu');
  const made = await writeSmallRun();
  host = made.host;
  run = made.run;
  dataFile = made.fixture.dataFile;
  const folder = await RunFolder.open(run);
  for (const id of folder.manifest.keys) {
    const key = await loadKey(folder.keyFile(id));
    vectors[id] = Float64Array.from(key.vector.dataSync());
    key.dispose();
  }
  // Out-of-distribution images: uniform noise in [-1, 1].
  oodFile = join(made.fixture.dir, 'noise.json');
  const noise = tf.randomUniform([300, 16, 16, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
  await writeTestImages(oodFile, noise);
  noise.dispose();
}, 180_000);

describe('calibrateRun on a small run', () => {
  it('refuses a run trained on all its data without a held-out set, naming how to give one', async () => {
    await expect(calibrateRun(host, { dir: run })).rejects.toThrow(/trained on test-json \(all of its images\), so none are held out; .*--heldout/);
    await expect(calibrateRun(host, { dir: run, fpr: 2, heldOut: { source: 'test-json', path: dataFile } })).rejects.toThrow(/--fpr 2: expected a rate between 0 and 1/);
  });

  it('writes calibration.json whose held-out and ood rates are the counts of float64 reference scores below each threshold', async () => {
    const before = tf.memory().numTensors;
    const { file, calibration } = await calibrateRun(host, {
      dir: run, fpr: 0.01, samples: 200, heldOut: { source: 'test-json', path: dataFile }, ood: { source: 'test-json', path: oodFile },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(file).toBe(join(run, 'calibration.json'));
    expect(await readCalibration(file)).toEqual(JSON.parse(JSON.stringify(calibration)));
    expect(calibration.sets.heldOut.n).toBe(512);
    expect(calibration.sets.ood!.n).toBe(300);
    expect(calibration.sets.root.n).toBe(200);
    expect(calibration.keys.map((k) => k.key)).toEqual(['key-1', 'key-2', 'key-3']);

    const held = JSON.parse(await readFile(dataFile, 'utf8')) as TestImagesFile;
    const ood = JSON.parse(await readFile(oodFile, 'utf8')) as TestImagesFile;
    for (const k of calibration.keys) {
      const t = k.threshold.value;
      expect(t).toBeLessThanOrEqual(0);
      // 712 authentic scores can show 1e-2 (0 of 712 bounds it by 5.2e-3): the measured bar.
      expect(k.threshold.measurable).toBe(true);
      expect(t).toBe(Math.min(0, k.threshold.measuredQuantile!));
      // Held-out and ood counts from independent float64 scores (away from the threshold by more than float32 noise).
      const count = (file: TestImagesFile, n: number) => {
        let below = 0;
        for (let i = 0; i < n; i++) if (referenceScore(file.values, i * 256, k.key) < t) below += 1;
        return below;
      };
      expect(k.falseAttribution.heldOut).toEqual(clopperPearson(count(held, 512), 512));
      expect(k.falseAttribution.ood).toEqual(clopperPearson(count(ood, 300), 300));
      // Pooled authentic = held-out + root; 712 sorted scores.
      expect(k.authentic).toHaveLength(712);
      expect(k.authentic).toEqual([...k.authentic].sort((a, b) => a - b));
      expect(k.falseAttribution.authentic.k).toBe(k.falseAttribution.heldOut.k + k.falseAttribution.root.k);
      expect(k.falseAttribution.authentic).toEqual(k.threshold.atThreshold);
      expect(k.falseAttribution.authentic.upper).toBeLessThanOrEqual(0.01);
      // The small run's generators are told apart: each key detects most of its own samples and few of the others'.
      expect(k.detection.n).toBe(200);
      expect(k.detection.rate).toBeGreaterThan(0.5);
      expect(k.otherGenerators.n).toBe(400);
      expect(k.otherGenerators.rate).toBeLessThan(0.1);
      const counts = k.histogram.counts;
      expect(counts.heldOut!.reduce((a, b) => a + b, 0)).toBe(512);
      expect(counts.own!.reduce((a, b) => a + b, 0)).toBe(200);
      expect(counts.ood!.reduce((a, b) => a + b, 0)).toBe(300);
    }
  }, 180_000);

  it('under a post-process the file records the post-process, the plain generators and the default rate', async () => {
    const { calibration } = await calibrateRun(host, {
      dir: run, samples: 100, heldOut: { source: 'test-json', path: dataFile }, postProcess: { name: 'test-contrast', params: {} }, out: join(run, 'cal-contrast.json'),
    });
    expect(calibration.postProcess?.name).toBe('test-contrast');
    expect(calibration.generators).toBe('plain');
    expect(calibration.fpr).toBe(1e-3);
  }, 180_000);
});
