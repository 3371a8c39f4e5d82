/**
 * Entry of the worker thread that makes the key stage's root images ahead of time (see
 * root-images-ahead.ts): selects the parent's backend, loads its plugins, opens the run and, for each
 * epoch it is handed, runs the frozen root on that epoch's latents step by step, sending each
 * batch of images to the parent as it is made.
 */
import { workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { keyRootFeed } from '../../key-stage.js';
import type { KeyRootBatch, KeyRootEpoch, KeyRootWorkerData } from './root-images-ahead.js';
import type { RunSession } from '../session.js';
import { serveTasks } from './thread-pool.js';
import { openWorkerSession } from './thread-session.js';

const data = workerData as KeyRootWorkerData;

let opened: Promise<RunSession> | undefined;

serveTasks<KeyRootEpoch, KeyRootBatch, number>(async ({ keyId, attempt, epoch }, note) => {
  opened ??= openWorkerSession(data).then(({ session }) => session);
  const session = await opened;
  const { root, data: images } = session;
  const { sizes, inputs } = keyRootFeed(session.stageContext('keys', {}).rng, keyId, attempt, epoch, images.size, data.options);
  for (let step = 0; step < sizes.length; step++) {
    const batch = tf.tidy(() => root.generate(root.sampleInputs(sizes[step]!, inputs)));
    try {
      note({ step, shape: batch.shape, values: batch.dataSync() as Float32Array });
    } finally {
      batch.dispose();
    }
  }
  return sizes.length;
});
