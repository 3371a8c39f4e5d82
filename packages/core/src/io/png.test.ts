import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng, readPng, writePng } from './png.js';

describe('png', () => {
  it('round-trips grey and RGB pixels exactly', () => {
    const grey = { width: 3, height: 2, channels: 1 as const, data: Uint8Array.from([0, 1, 127, 128, 254, 255]) };
    expect(decodePng(encodePng(grey), 1)).toEqual(grey);
    const rgb = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([255, 0, 10, 3, 200, 99]) };
    expect(decodePng(encodePng(rgb), 3)).toEqual(rgb);
  });

  it('writes atomically, leaving no temporary file, and names a bad file when reading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-png-'));
    await writePng(join(dir, 'a.png'), { width: 1, height: 1, channels: 1, data: Uint8Array.from([9]) });
    expect(await readdir(dir)).toEqual(['a.png']);
    expect((await readPng(join(dir, 'a.png'), 1)).data[0]).toBe(9);
    await writeFile(join(dir, 'bad.png'), 'not a png');
    await expect(readPng(join(dir, 'bad.png'), 1)).rejects.toThrow(/bad\.png: not a readable PNG/);
  });
});
