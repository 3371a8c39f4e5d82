/**
 * Entry of a unit thread of a queue worker (see {@link startUnitThread}): unlike a thread of
 * training-threads.ts, which serves one job of one run, each task names its own run and job, so
 * that one long-lived thread serves units of any run. It runs remote tasks too (evaluation parts,
 * study cells, registry users' generators: {@link performTask}). It keeps the trainer of the last job it
 * served (backend, plugins and run session) and opens another when a task names another job.
 */
import type { UnitNote, UnitOutcome, WorkUnit } from './training-threads.js';
import { performTask, type RemoteThreadTask } from './perform-task.js';
import type { RemoteNote } from './remote-task.js';
import { serveTasks } from './thread-pool.js';
import { openUnitTrainer, type UnitTrainer } from './unit-trainer.js';
import type { UnitTask } from './unit-threads.js';

let current: { readonly id: string; readonly trainer: Promise<UnitTrainer> } | undefined;

/** What makes two tasks' trainers interchangeable: the run, the job, the backend and the plugins. */
function trainerId({ start }: UnitTask): string {
  return JSON.stringify([start.dir, start.job.stage, start.job.startedAt, start.backend, start.plugins.map((p) => p.entry)]);
}

serveTasks<UnitTask | RemoteThreadTask, UnitNote | RemoteNote, unknown>(async (task, note) => {
  if ('remote' in task) return performTask(task, note);
  const id = trainerId(task);
  if (current?.id !== id) {
    const previous = current;
    current = undefined;
    await previous?.trainer.then((t) => t.dispose(), () => undefined);
    current = { id, trainer: openUnitTrainer(task.start) };
  }
  const trainer = await current.trainer.catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return trainer.train(task.unit satisfies WorkUnit, note);
});
