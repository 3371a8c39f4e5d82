import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { folderImageSource } from './folder.js';
import { idxImageSource, parseIdx } from './idx.js';
import { mnistImageSource } from './mnist.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const grey32 = { height: 32, width: 32, channels: 1 };
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pil-resize.json', import.meta.url), 'utf8')) as {
  cases: { digit: number; index: number; height: number; width: number; output: string }[];
};

function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 8, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Buffer.concat([header, data]);
}

describe('mnist image source', () => {
  it('serves the 10,000 digits resized to 32x32 as Pillow does, in [-1, 1]', async () => {
    const source = await mnistImageSource.open({ shape: grey32 });
    expect(source.size).toBe(10_000);
    expect(source.shape).toEqual(grey32);
    const zeroCase = fixture.cases.find((c) => c.digit === 0 && c.height === 32 && c.width === 32)!;
    const images = source.read([zeroCase.index, 0]);
    expect(images.shape).toEqual([2, 32, 32, 1]);
    const values = images.dataSync();
    const expected = Buffer.from(zeroCase.output, 'base64');
    for (let i = 0; i < 1024; i++) expect(values[i]).toBeCloseTo(expected[i]! / 127.5 - 1, 6);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    images.dispose();
  });

  it('pads instead of resizing with fit pad, and splits 90/10 per class', async () => {
    const padded = await mnistImageSource.open({ shape: grey32, fit: 'pad', split: 'test' });
    // Per class, the last 10% (rounded): 999 of the package's unevenly sized classes.
    expect(padded.size).toBe(999);
    const image = padded.read([0]);
    const v = image.arraySync()[0]!;
    // The two-pixel border is black (-1) and the digit sits inside.
    expect(v[0]!.every((px) => px[0] === -1)).toBe(true);
    expect(v[31]!.every((px) => px[0] === -1)).toBe(true);
    expect(v.some((row) => row.some((px) => px[0]! > 0))).toBe(true);
    image.dispose();
    expect((await mnistImageSource.open({ shape: grey32, split: 'train' })).size).toBe(10_000 - 999);
  });

  it('rejects bad options with one-line errors', async () => {
    await expect(mnistImageSource.open({ shape: grey32, fit: 'stretch' })).rejects.toThrow("mnist: option 'fit' must be 'resize' or 'pad', got \"stretch\"");
    await expect(mnistImageSource.open({ shape: { height: 32, width: 32, channels: 2 } })).rejects.toThrow('mnist: grey images can fill 1 or 3 channels, not shape 32x32x2');
    await expect(mnistImageSource.open({ shape: grey32, split: 'val' })).rejects.toThrow("mnist: split must be 'all', 'train' or 'test', got \"val\"");
    await expect(mnistImageSource.open({ shape: { height: 20, width: 20, channels: 1 }, fit: 'pad' })).rejects.toThrow("mnist: cannot pad 28x28 images to 20x20x1; use fit 'resize'");
  });
});

describe('idx image source', () => {
  it('reads plain and gzipped IDX files the test writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-idx-'));
    const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    await writeFile(join(dir, 'tiny-idx3-ubyte'), idxBytes([3, 2, 2], pixels));
    await writeFile(join(dir, 'tiny-idx3-ubyte.gz'), gzipSync(idxBytes([3, 2, 2], pixels)));
    for (const name of ['tiny-idx3-ubyte', 'tiny-idx3-ubyte.gz']) {
      const source = await idxImageSource.open({ path: join(dir, name), shape: { height: 2, width: 2, channels: 1 } });
      expect(source.size).toBe(3);
      const t = source.read([2]);
      expect(Array.from(t.dataSync())).toEqual([160, 180, 200, 220].map((v) => Math.fround(v / 127.5 - 1)));
      t.dispose();
    }
    const limited = await idxImageSource.open({ path: join(dir, 'tiny-idx3-ubyte'), shape: { height: 4, width: 4, channels: 3 }, fit: 'pad', limit: 2 });
    expect(limited.size).toBe(2);
    const t = limited.read([1]);
    const v = t.arraySync()[0]!;
    expect(v[1]![1]).toEqual([80, 80, 80].map((x) => Math.fround(x / 127.5 - 1)));
    expect(v[0]![0]).toEqual([-1, -1, -1]);
    t.dispose();
  });

  it('names the file in one-line errors for bad files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-idx-'));
    const truncated = join(dir, 'truncated');
    await writeFile(truncated, idxBytes([3, 2, 2], new Uint8Array(5)));
    await expect(idxImageSource.open({ path: truncated, shape: grey32 })).rejects.toThrow(`${truncated}: truncated IDX data (5 bytes for dimensions 3x2x2, need 12)`);
    const labels = join(dir, 'labels');
    await writeFile(labels, idxBytes([4], new Uint8Array(4)));
    await expect(idxImageSource.open({ path: labels, shape: grey32 })).rejects.toThrow(`${labels}: IDX file has 1 dimensions (4); expected 3 (count x rows x columns of images)`);
    const text = join(dir, 'text');
    await writeFile(text, 'hello');
    await expect(idxImageSource.open({ path: text, shape: grey32 })).rejects.toThrow(`${text}: not an IDX file (bad magic number)`);
    await expect(idxImageSource.open({ path: join(dir, 'missing'), shape: grey32 })).rejects.toThrow(`${join(dir, 'missing')}: cannot read (ENOENT)`);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'f')).toThrow('f: IDX data type 0x0d is not supported; expected 0x08 (unsigned bytes)');
    await expect(idxImageSource.open({ shape: grey32 })).rejects.toThrow('idx: needs a path to an IDX file (--data idx:FILE)');
  });

  const fashion = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  it.skipIf(!existsSync(fashion))('reads the real Fashion-MNIST test set installed by Debian', async () => {
    const source = await idxImageSource.open({ path: fashion, shape: grey32 });
    expect(source.size).toBe(10_000);
    const t = source.read([0, 9_999]);
    const values = t.dataSync();
    expect(Math.min(...values)).toBe(-1);
    expect(Math.max(...values)).toBeGreaterThan(0.9);
    t.dispose();
  });
});

describe('folder image source', () => {
  it('decodes PNG and JPEG, covers and centre-crops to the model shape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-folder-'));
    await mkdir(join(dir, 'sub'));
    // 40 wide x 20 high: left half red, right half blue. Covering 8x8 scales it to 16x8 and keeps
    // the middle 8 columns: 4 red then 4 blue.
    const wide = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) wide.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    await sharp(wide, { raw: { width: 40, height: 20, channels: 3 } }).png().toFile(join(dir, 'a.png'));
    const grey = Buffer.alloc(30 * 30 * 3, 200);
    await sharp(grey, { raw: { width: 30, height: 30, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(dir, 'sub', 'b.JPG'));
    const source = await folderImageSource.open({ path: dir, shape: { height: 8, width: 8, channels: 3 } });
    expect(source.size).toBe(2);
    const t = source.read([0, 1]);
    const [a, b] = t.arraySync() as number[][][][];
    for (const row of a!) {
      for (let x = 0; x < 8; x++) {
        const [r, , bl] = row[x]!;
        if (x < 3) expect([r, bl]).toEqual([1, -1]);
        if (x > 4) expect([r, bl]).toEqual([-1, 1]);
      }
    }
    expect(Math.abs(b![4]![4]![0]! - (200 / 127.5 - 1))).toBeLessThan(0.03);
    t.dispose();
    const asGrey = await folderImageSource.open({ path: dir, shape: { height: 8, width: 8, channels: 1 } });
    expect(asGrey.shape.channels).toBe(1);
  });

  it('names the unreadable file, the empty folder and the missing folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-folder-'));
    await expect(folderImageSource.open({ path: dir, shape: grey32 })).rejects.toThrow(`${dir}: no PNG or JPEG images found`);
    await writeFile(join(dir, 'broken.png'), 'not really a png');
    await expect(folderImageSource.open({ path: dir, shape: grey32 })).rejects.toThrow(new RegExp(`^${join(dir, 'broken.png')}: not a PNG or JPEG image`));
    await expect(folderImageSource.open({ path: join(dir, 'nope'), shape: grey32 })).rejects.toThrow(`${join(dir, 'nope')}: cannot read folder (ENOENT)`);
  });
});
