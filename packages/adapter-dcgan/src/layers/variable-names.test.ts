import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveDcganConfig } from '../config.js';
import { DcganDiscriminator } from '../discriminator.js';
import { DcganGenerator } from '../generator.js';
import { useBackend } from '@attrib/testing/backend';
import { ownedVariable } from './variable-names.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('variables take over their initial values', () => {
  it('ownedVariable keeps the values and releases the initial tensor', () => {
    const before = tf.memory().numTensors;
    const v = ownedVariable(tf.tensor1d([1, 2, 3]), true, 'test.weight');
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3]);
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('creating, cloning and disposing DCGAN generators and discriminators leaves no tensor behind', () => {
    const config = resolveDcganConfig({ resolution: 32, channels: 3, nz: 8, ngf: 4 });
    const before = tf.memory().numTensors;
    const g = new DcganGenerator(config);
    const copy = g.clone();
    const d = new DcganDiscriminator(config);
    g.dispose();
    copy.dispose();
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
