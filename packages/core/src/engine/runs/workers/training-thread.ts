/**
 * Entry of a worker thread of a training job (see training-threads.ts): selects the parent's
 * backend, loads the parent's plugins, opens the run and trains the units it is handed, one at a
 * time, with {@link openUnitTrainer} (the code a queue worker runs them with too).
 */
import { workerData } from 'node:worker_threads';
import type { UnitNote, UnitOutcome, UnitWorkerData, WorkUnit } from './training-threads.js';
import { serveTasks } from './thread-pool.js';
import { openUnitTrainer, type UnitTrainer } from './unit-trainer.js';

const data = workerData as UnitWorkerData;
let trainer: Promise<UnitTrainer> | undefined;

serveTasks<WorkUnit, UnitNote, UnitOutcome>(async (unit, note) => {
  trainer ??= openUnitTrainer(data);
  return (await trainer).train(unit, note);
});
