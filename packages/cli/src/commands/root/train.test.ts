import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '@attrib/testing/cli/run-command';
import RootTrain, { parseDataSpec, type RootTrainOutput } from './train.js';

/** An IDX file of 16 grey 32x32 images: a bright bar at one of four heights. */
function writeBars(file: string): void {
  const count = 16;
  const header = Buffer.alloc(16);
  header.set([0, 0, 8, 3]);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(32, 8);
  header.writeUInt32BE(32, 12);
  const pixels = Buffer.alloc(count * 32 * 32);
  for (let i = 0; i < count; i++) {
    const top = 4 + 6 * (i % 4);
    for (let y = top; y < top + 4; y++) pixels.fill(255, i * 1024 + y * 32 + 4, i * 1024 + y * 32 + 28);
  }
  writeFileSync(file, Buffer.concat([header, pixels]));
}

describe('attrib root train', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'attrib-root-cli-'));
    writeBars(join(tmp, 'bars-idx3-ubyte'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('trains a dcgan root on an IDX file, then resumes it to more epochs', async () => {
    const out = join(tmp, 'root');
    const common = ['--adapter', 'dcgan', '--data', `idx:${join(tmp, 'bars-idx3-ubyte')}`, '--out', out, '--batch-size', '8',
      '--param', 'ngf=4', '--param', 'nz=8', '--backend', 'wasm', '--json'];
    const first = await runCommand<RootTrainOutput>(RootTrain, [...common, '--epochs', '1']);
    expect(first.error).toBeUndefined();
    expect(JSON.parse(first.stdout)).toMatchObject({ adapter: 'dcgan', epochs: 1, imageShape: { height: 32, width: 32, channels: 1 }, generatorFile: join(out, 'generator.ckpt') });
    expect(existsSync(join(out, 'samples', 'epoch-1.png'))).toBe(true);

    const again = await runCommand<RootTrainOutput>(RootTrain, [...common, '--epochs', '2']);
    expect(again.stderr).toMatch(/\nError: .*already holds a root training \(training.json\); resume it or choose another folder\n/);

    const resumed = await runCommand<RootTrainOutput>(RootTrain, [...common, '--epochs', '2', '--resume']);
    expect(resumed.error).toBeUndefined();
    expect(resumed.result?.epochs).toBe(2);
    expect(existsSync(join(out, 'generator-epoch-2.ckpt'))).toBe(true);
  });

  it('fails in one line on a missing --out, an unknown adapter or data source', async () => {
    const noOut = await runCommand(RootTrain, ['--backend', 'wasm']);
    expect(noOut.stderr).toBe('Error: --out is required (the folder for checkpoints and sample grids)\n');
    const badAdapter = await runCommand(RootTrain, ['--adapter', 'nope', '--out', join(tmp, 'x'), '--backend', 'wasm']);
    expect(badAdapter.stderr).toMatch(/^Error: .*nope.*dcgan.*\n$/);
    const badData = await runCommand(RootTrain, ['--data', 'nowhere', '--out', join(tmp, 'x'), '--backend', 'wasm']);
    expect(badData.stderr).toMatch(/^Error: .*nowhere.*mnist.*\n$/);
    expect(() => parseDataSpec(':x')).toThrow('--data ":x": expected NAME or NAME:PATH');
  });
});
