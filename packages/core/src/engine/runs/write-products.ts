import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../../contracts/generator.js';
import type { RunSession } from './session.js';
import { sampleInputsOf } from './session.js';

/** Writes samples/<name>.png from `generator` on the run's fixed inputs (in `eval` mode). */
export async function writeSampleGrid(session: RunSession, name: string, generator: Generator): Promise<void> {
  const images = tf.tidy(() => {
    const inputs = sampleInputsOf(session);
    return generator.generate(inputs);
  });
  try {
    await session.folder.writeSamples(name, images);
  } finally {
    images.dispose();
  }
}
