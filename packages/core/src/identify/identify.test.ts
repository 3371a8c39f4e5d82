import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Key } from '../contracts/key.js';
import { encodePng } from '../io/png.js';
import { RunFolder } from '../io/run-folder.js';
import { loadKey } from '../keys/key-file.js';
import { useBackend } from '@attrib/testing/backend';
import { createRng } from '../util/rng.js';
import { identifyFiles, loadRunKeys } from './identify.js';
import { writeSmallRun } from '@attrib/testing/small-run';
import { verdictOf } from './verdict.js';

let run: string;
let dir: string;
let images: string;
/** Key vectors (HWC) read straight from the key files, for independent dot products. */
const vectors: Record<string, Float32Array> = {};

/** phi . x with x = byte / 127.5 - 1, in float64 over the decoded bytes: the reference score. */
function referenceScore(bytes: Uint8Array, key: string): number {
  const phi = vectors[key]!;
  let s = 0;
  for (let i = 0; i < phi.length; i++) s += phi[i]! * (bytes[i]! / 127.5 - 1);
  return s;
}

/** 8-bit bytes of images NHWC in [-1, 1], as save_image writes them. */
async function toBytes(batch: tf.Tensor4D): Promise<Uint8Array> {
  const b = tf.tidy(() => tf.floor(tf.clipByValue(tf.add(tf.mul(tf.div(tf.add(tf.clipByValue(batch, -1, 1), 1), 2), 255), 0.5), 0, 255)));
  const out = Uint8Array.from(await b.data());
  b.dispose();
  return out;
}

beforeAll(async () => {
  await useBackend('cpu');
  const made = await writeSmallRun();
  run = made.run;
  dir = made.fixture.dir;
  images = join(dir, 'images');
  const folder = await RunFolder.open(run);
  for (const id of folder.manifest.keys) {
    const key = await loadKey(folder.keyFile(id));
    vectors[id] = Float32Array.from(key.vector.dataSync());
    key.dispose();
  }
  // 10 PNGs per keyed generator and 10 of the real data, written as 8-bit grey PNGs.
  for (const id of folder.manifest.generators) {
    const generator = await folder.readGenerator(id, (name) => made.host.adapter(name));
    const batch = tf.tidy(() => generator.generate(generator.sampleInputs(10, createRng(11))));
    const bytes = await toBytes(batch);
    batch.dispose();
    generator.dispose();
    await mkdir(join(images, id), { recursive: true });
    for (let i = 0; i < 10; i++) {
      await writeFile(join(images, id, `${i}.png`), encodePng({ width: 16, height: 16, channels: 1, data: bytes.subarray(i * 256, (i + 1) * 256) }));
    }
  }
  const data = JSON.parse(await readFile(made.fixture.dataFile, 'utf8')) as { values: number[] };
  await mkdir(join(images, 'real'), { recursive: true });
  const real = await toBytes(tf.tensor4d(data.values.slice(0, 10 * 256), [10, 16, 16, 1]));
  for (let i = 0; i < 10; i++) {
    await writeFile(join(images, 'real', `${i}.png`), encodePng({ width: 16, height: 16, channels: 1, data: real.subarray(i * 256, (i + 1) * 256) }));
  }
}, 120_000);

describe('verdictOf', () => {
  it('keyed for exactly one negative score, authentic for none, ambiguous for several; 0 claims nothing', () => {
    expect(verdictOf([{ key: 'a', score: 2 }, { key: 'b', score: -0.1 }])).toMatchObject({ kind: 'keyed', key: 'b', claimedBy: ['b'] });
    expect(verdictOf([{ key: 'a', score: 0 }, { key: 'b', score: 3 }])).toMatchObject({ kind: 'authentic', claimedBy: [] });
    expect(verdictOf([{ key: 'a', score: -1 }, { key: 'b', score: -3 }])).toMatchObject({ kind: 'ambiguous', claimedBy: ['a', 'b'] });
  });
});

describe('identifyFiles on a small run', () => {
  let keys: Key[];
  beforeAll(async () => {
    keys = await loadRunKeys(run);
  });

  it('scores every file as phi . x over its PNG bytes (pngjs decode, float64 sums) and attributes each generator\'s images to its key', async () => {
    const before = tf.memory().numTensors;
    const verdicts = await identifyFiles([images], keys);
    expect(tf.memory().numTensors).toBe(before);
    expect(verdicts).toHaveLength(40);
    for (const v of verdicts) {
      const png = PNG.sync.read(await readFile(v.file));
      const grey = Uint8Array.from({ length: 256 }, (_, i) => png.data[i * 4]!);
      for (const s of v.scores) expect(s.score).toBeCloseTo(referenceScore(grey, s.key), 3);
      expect(v).toMatchObject(verdictOf(v.scores));
    }
    const share = (folder: string, expected: (v: (typeof verdicts)[number]) => boolean) => {
      const group = verdicts.filter((v) => v.file.includes(`/images/${folder}/`));
      expect(group).toHaveLength(10);
      return group.filter(expected).length / group.length;
    };
    for (const id of ['key-1', 'key-2', 'key-3']) expect(share(id, (v) => v.kind === 'keyed' && v.key === id), id).toBeGreaterThanOrEqual(0.9);
    expect(share('real', (v) => v.kind === 'authentic')).toBeGreaterThanOrEqual(0.9);
  });

  it('after a real JPEG round trip (sharp, quality 90) the scores are those of the decoded JPEG bytes', async () => {
    const jpegs = join(dir, 'jpeg');
    await mkdir(jpegs, { recursive: true });
    const decoded: Record<string, Uint8Array> = {};
    for (const id of ['key-1', 'key-2', 'key-3', 'real']) {
      const file = join(jpegs, `${id}.jpg`);
      await sharp(join(images, id, '0.png')).jpeg({ quality: 90 }).toFile(file);
      decoded[file] = new Uint8Array(await sharp(file).toColourspace('b-w').raw().toBuffer());
      expect(decoded[file]).toHaveLength(256);
    }
    const verdicts = await identifyFiles([jpegs], keys);
    expect(verdicts.map((v) => v.file.split('/').pop())).toEqual(['key-1.jpg', 'key-2.jpg', 'key-3.jpg', 'real.jpg']);
    for (const v of verdicts) {
      for (const s of v.scores) expect(s.score).toBeCloseTo(referenceScore(decoded[v.file]!, s.key), 3);
    }
  });

  it('brings other sizes to the keys\' shape by cover + centre crop: a 16x40 RGB image with the PNG in rows 12-27 scores exactly as the PNG', async () => {
    const source = join(images, 'key-2', '1.png');
    const png = PNG.sync.read(await readFile(source));
    const grey = Uint8Array.from({ length: 256 }, (_, i) => png.data[i * 4]!);
    // 16 wide, 40 high: it already covers 16x16 (no scaling), so the rule keeps the centre rows
    // 12-27; the rows above and below are noise the crop must drop. Grey values in RGB (r = g = b).
    const tall = new Uint8Array(40 * 16 * 3);
    const noise = createRng(3);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 16; x++) {
      const v = y >= 12 && y < 28 ? grey[(y - 12) * 16 + x]! : noise.int(256);
      tall.fill(v, (y * 16 + x) * 3, (y * 16 + x) * 3 + 3);
    }
    const file = join(dir, 'tall.png');
    await writeFile(file, encodePng({ width: 16, height: 40, channels: 3, data: tall }));
    const [cropped] = await identifyFiles([file], keys);
    expect(cropped!.kind).toBe('keyed');
    expect(cropped!.key).toBe('key-2');
    for (const s of cropped!.scores) expect(s.score).toBeCloseTo(referenceScore(grey, s.key), 3);
  });

  it('scales a larger image down to the keys\' shape (sharp linear kernel): a uniform 64x48 image scores as phi . (v/127.5 - 1)', async () => {
    const file = join(dir, 'uniform.jpg');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 200, b: 200 } } }).png().toFile(file.replace('.jpg', '.png'));
    const [uniform] = await identifyFiles([file.replace('.jpg', '.png')], keys);
    for (const s of uniform!.scores) expect(s.score).toBeCloseTo(referenceScore(new Uint8Array(256).fill(200), s.key), 3);
  });

  it('names a missing file or an empty folder in a one-line error', async () => {
    await expect(identifyFiles([join(dir, 'nope.png')], keys)).rejects.toThrow(/nope\.png: cannot read \(ENOENT\)/);
    await mkdir(join(dir, 'empty'), { recursive: true });
    await expect(identifyFiles([join(dir, 'empty')], keys)).rejects.toThrow(/empty: no PNG or JPEG images found/);
    await writeFile(join(dir, 'text.png'), 'not an image');
    await expect(identifyFiles([join(dir, 'text.png')], keys)).rejects.toThrow(/text\.png: not a PNG or JPEG image .*expected a PNG or JPEG file$/);
    // Formats the decoder could read but identify does not promise are refused by their magic bytes.
    await writeFile(join(dir, 'gif.png'), Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    await expect(identifyFiles([join(dir, 'gif.png')], keys)).rejects.toThrow(/gif\.png: not a PNG or JPEG image \(a GIF\); expected a PNG or JPEG file$/);
    await writeFile(join(dir, 'svg.jpg'), '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await expect(identifyFiles([join(dir, 'svg.jpg')], keys)).rejects.toThrow(/svg\.jpg: not a PNG or JPEG image \(an SVG\)/);
  });
});
