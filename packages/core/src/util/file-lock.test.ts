import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.js';

describe('withFileLock', () => {
  it('lets one action at a time read and write a file: 20 interleaved increments all count', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-lock-'));
    const counter = join(dir, 'counter');
    await writeFile(counter, '0');
    const increment = async (): Promise<void> => {
      const value = Number(await readFile(counter, 'utf8'));
      await new Promise((done) => setTimeout(done, 1));
      await writeFile(counter, String(value + 1));
    };
    // Without the lock the reads interleave and increments are lost.
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(Number(await readFile(counter, 'utf8'))).toBeLessThan(20);
    await writeFile(counter, '0');
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(join(dir, 'counter.lock'), increment)));
    expect(Number(await readFile(counter, 'utf8'))).toBe(20);
    await expect(stat(join(dir, 'counter.lock'))).rejects.toThrow();
  });
});
