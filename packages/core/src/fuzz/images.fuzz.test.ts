import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageFile } from '../data/folder.js';
import { readImageHeader } from '../io/image-header.js';
import { decodePng, encodePng } from '../io/png.js';
import { expectWithinBudget, runCase } from '@attrib/testing/fuzz/budget';
import { mutations } from '@attrib/testing/fuzz/mutate';

// PNG and JPEG readers (pngjs for run images and `postprocess apply`, sharp for data folders and
// `identify`) against damaged and hostile files: the header's format and size are checked before
// any decoder runs (see budget.ts for the assertion).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attrib-fuzz-img-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shape = { height: 8, width: 8, channels: 3 } as const;
const pixels = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);

/** A PNG of only a signature, an IHDR of `width` x `height` and an empty IDAT and IEND. */
function pngClaiming(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(0))), chunk('IEND', Buffer.alloc(0))]);
}

describe('fuzz: PNG (pngjs)', () => {
  it('reads or refuses 600 damaged PNGs', async () => {
    const valid = encodePng({ width: 8, height: 8, channels: 3, data: pixels });
    for (const [i, mutation] of mutations(valid, 600, 7000).entries()) {
      const result = await runCase(() => decodePng(mutation.bytes, 3, 'fuzz.png').data.length);
      expectWithinBudget(result, 'fuzz.png', mutation.bytes.length, 8 * 8 * 4, `mutation ${i} (${mutation.kind})`);
    }
  });

  it('a 75-byte PNG claiming 20000x20000: refused before decoding', async () => {
    const bytes = pngClaiming(20000, 20000);
    expect(bytes.length).toBeLessThan(80);
    const result = await runCase(() => decodePng(bytes, 3, 'big.png'));
    expect(result.message).toMatch(/^big\.png: PNG of 20000x20000 pixels, expected at most 67108864 pixels \(raise it with ATTRIB_MAX_IMAGE_PIXELS\)$/);
    expect(result.ms).toBeLessThan(50);
    expect((await runCase(() => decodePng(pngClaiming(0, 0), 3, 'empty.png'))).message).toBe('empty.png: PNG of 0x0 pixels; expected a non-empty image');
  });
});

describe('fuzz: PNG and JPEG through sharp (data folders, identify)', () => {
  it('reads or refuses 200 damaged JPEGs and 100 damaged PNGs', async () => {
    const sharp = (await import('sharp')).default;
    const jpeg = new Uint8Array(await sharp(Buffer.from(pixels), { raw: { width: 8, height: 8, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    const png = encodePng({ width: 8, height: 8, channels: 3, data: pixels });
    expect(readImageHeader(jpeg, 'ok.jpg')).toEqual({ format: 'jpeg', width: 8, height: 8 });
    const cases = [...mutations(jpeg, 200, 8000).map((m) => ({ ...m, ext: 'jpg' })), ...mutations(png, 100, 8001).map((m) => ({ ...m, ext: 'png' }))];
    for (const [i, mutation] of cases.entries()) {
      const file = join(dir, `case-${i}.${mutation.ext}`);
      await writeFile(file, mutation.bytes);
      const result = await runCase(() => loadImageFile(file, shape));
      expectWithinBudget(result, file, mutation.bytes.length, 8 * 8 * 3, `${mutation.ext} mutation ${i} (${mutation.kind})`);
      await rm(file);
    }
  });

  it('a JPEG or PNG header claiming 60000x60000, and GIF, WebP, TIFF and SVG files: refused by their header', async () => {
    const sharp = (await import('sharp')).default;
    const jpeg = Buffer.from(await sharp(Buffer.from(pixels), { raw: { width: 8, height: 8, channels: 3 } }).jpeg().toBuffer());
    // The frame header (SOF0) holds height and width after its length and precision.
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(60000, sof + 5);
    jpeg.writeUInt16BE(60000, sof + 7);
    const cases: [string, Uint8Array, RegExp][] = [
      ['big.jpg', jpeg, /big\.jpg: JPEG of 60000x60000 pixels, expected at most/],
      ['big.png', pngClaiming(60000, 60000), /big\.png: PNG of 60000x60000 pixels, expected at most/],
      ['a.gif', Buffer.from('GIF89a\x08\x00\x08\x00\x00\x00\x00;', 'latin1'), /a\.gif: not a PNG or JPEG image \(a GIF\); expected a PNG or JPEG file$/],
      ['a.webp', Buffer.from('RIFF\x1a\x00\x00\x00WEBPVP8 ', 'latin1'), /not a PNG or JPEG image \(a WebP\)/],
      ['a.tif', Buffer.from('II*\x00\x08\x00\x00\x00', 'latin1'), /not a PNG or JPEG image \(a TIFF\)/],
      ['a.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>'), /not a PNG or JPEG image \(an SVG\)/],
    ];
    for (const [name, bytes, expected] of cases) {
      const file = join(dir, name);
      await writeFile(file, bytes);
      const result = await runCase(() => loadImageFile(file, shape));
      expectWithinBudget(result, file, bytes.length, 0, name);
      expect(result.message, name).toMatch(expected);
    }
  });
});
