/**
 * Entry of a worker thread of the generators stage (see generator-workers.ts): selects the
 * parent's backend, loads the parent's plugins, opens the run and trains the keys it is handed,
 * one at a time. It writes only its keys' files; the parent records them in the manifest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../backend/select.js';
import { unitProgress } from '../../io/run-folder.js';
import { createPluginHost } from '../../plugins/host.js';
import { registerPluginModules } from '../../plugins/load.js';
import { oneLine } from '../../util/one-line.js';
import type { StageContext } from '../context.js';
import type { GeneratorStageOptions, OptionsInput } from '../options.js';
import { trainAndWriteGenerator } from './generator-unit.js';
import type { FromGeneratorWorker, GeneratorWorkerData, ToGeneratorWorker } from './generator-workers.js';
import { openRunSession, type RunSession } from './session.js';

const data = workerData as GeneratorWorkerData;
const port = parentPort!;
const send = (message: FromGeneratorWorker): void => port.postMessage(message);

async function open(): Promise<{ session: RunSession; ctx: StageContext }> {
  tf.env().set('PROD', data.prod);
  await selectBackend({ prefer: data.backend });
  const host = createPluginHost();
  await registerPluginModules(host, data.plugins);
  const session = await openRunSession(host, data.dir);
  const { folder } = session;
  const ctx: StageContext = {
    ...session.stageContext('generators', { onEvent: (event) => send({ type: 'event', event }) }),
    store: {
      load: (unit) => folder.readState(unit),
      save: async (unit, state) => {
        await folder.writeState(unit, state);
        send({ type: 'progress', unit, progress: unitProgress('generators', state) });
      },
    },
  };
  return { session, ctx };
}

let opened: Promise<{ session: RunSession; ctx: StageContext }> | undefined;
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: ToGeneratorWorker) => {
  queue = queue.then(async () => {
    try {
      opened ??= open();
      const { session, ctx } = await opened;
      const outcome = await trainAndWriteGenerator(session, ctx, message.id, data.options as OptionsInput<GeneratorStageOptions>);
      send({ type: 'done', outcome });
    } catch (error) {
      send({ type: 'failed', id: message.id, message: oneLine(error) });
    }
  });
});
