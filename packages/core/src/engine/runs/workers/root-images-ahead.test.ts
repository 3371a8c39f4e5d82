import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { keyValuesOf } from '@attrib/testing/run-files';
import { copyRun } from '@attrib/testing/three-key-run';
import { keyRootFeed, type KeyRootSamples } from '../../key-stage.js';
import { resolveOptions } from '../../../contracts/stage-options.js';
import { addKeys } from '../add-keys.js';
import { initRun } from '../init-run.js';
import { KeyRootAhead, keyRootPlan } from './root-images-ahead.js';
import { openRunSession } from '../session.js';

let host: PluginHost;
let fixture: RunFixture;
/** A run with its first key and generator. */
let run: string;
const OPTIONS = resolveOptions('keys', { ...TINY_OPTIONS.keys, stepsPerEpoch: 3 });

beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
  run = join(fixture.dir, 'run');
  await initRun(host, { dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 3, options: TINY_OPTIONS.first });
});

/** Counts the batches `source` hands over. */
function counting(source: KeyRootSamples): KeyRootSamples & { served: number } {
  const counted = {
    served: 0,
    async take(keyId: string, attempt: number, epoch: number, step: number) {
      const images = await source.take(keyId, attempt, epoch, step);
      if (images) counted.served += 1;
      return images;
    },
  };
  return counted;
}

describe('KeyRootAhead', () => {
  it('feeds the key stage from a worker thread: every step served, the same keys as without it, no tensor left', async () => {
    const here = await copyRun(run, 'here');
    const ahead = await copyRun(run, 'ahead');
    await addKeys(host, { dir: here, count: 2, options: OPTIONS });
    const source = new KeyRootAhead(ahead, host.pluginModules()!, OPTIONS, keyRootPlan([{ keyId: 'key-2' }, { keyId: 'key-3' }], OPTIONS.epochs));
    const served = counting(source);
    const before = tf.memory().numTensors;
    try {
      await addKeys(host, { dir: ahead, count: 2, options: OPTIONS, rootSamples: served });
    } finally {
      await source.stop();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(served.served).toBe(2 * OPTIONS.epochs * 3);
    const keys = await keyValuesOf(ahead);
    expect(keys).toHaveLength(3);
    expect(keys).toEqual(await keyValuesOf(here));
  });

  it("hands over the root's images of the asked step (a key resumed after its first epoch), and nothing outside its plan", async () => {
    const plan = keyRootPlan([{ keyId: 'key-2', epochsDone: 1 }], 3);
    expect(plan).toEqual([{ keyId: 'key-2', attempt: 1, epoch: 1 }, { keyId: 'key-2', attempt: 1, epoch: 2 }]);
    const source = new KeyRootAhead(run, host.pluginModules()!, OPTIONS, plan);
    const session = await openRunSession(host, run);
    try {
      const feed = keyRootFeed(session.stageContext('keys', {}).rng, 'key-2', 1, 1, session.data.size, OPTIONS);
      const expected = feed.sizes.slice(0, 2).map((n) => tf.tidy(() => session.root.generate(session.root.sampleInputs(n, feed.inputs))));
      for (const [step, images] of expected.entries()) {
        const served = await source.take('key-2', 1, 1, step);
        expect(served?.shape).toEqual(images.shape);
        expect(Array.from(served!.dataSync())).toEqual(Array.from(images.dataSync()));
        served!.dispose();
      }
      tf.dispose(expected);
      expect(await source.take('key-9', 1, 0, 0)).toBeUndefined();
      expect(await source.take('key-2', 2, 1, 0)).toBeUndefined();
      expect(await source.take('key-2', 1, 0, 0)).toBeUndefined();
    } finally {
      await source.stop();
      session.dispose();
    }
    expect(await source.take('key-2', 1, 2, 0)).toBeUndefined();
  });

  it('a worker that fails is one logged line, and the key stage makes the images itself', async () => {
    const lines: string[] = [];
    const missing = join(fixture.dir, 'no-such-run');
    const source = new KeyRootAhead(missing, host.pluginModules()!, OPTIONS, keyRootPlan([{ keyId: 'key-2' }], 1), (line) => lines.push(line));
    expect(await source.take('key-2', 1, 0, 0)).toBeUndefined();
    await source.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^root images of key-2 epoch 1 failed: .*no-such-run.*; the keys stage makes the rest itself$/);
  });
});
