import type { PendingJob, UnitProgress } from '../../../io/run-folder.js';
import type { PluginModule } from '../../../plugins/host.js';
import type { TrainingEvent } from '../../context.js';
import { runInWorkers, type TaskQueue } from './thread-pool.js';
import { workerStart, type WorkerStart } from './thread-session.js';

/** What every worker thread of a training job starts with. */
export interface UnitWorkerData extends WorkerStart {
  /** The recorded job (stage "generators" or "robust"): its options and, for robust, its post-processes. */
  readonly job: PendingJob;
}

/** The worker data of `job` in run `dir`, with this thread's backend. */
export function unitWorkerData(dir: string, plugins: readonly PluginModule[], job: PendingJob): UnitWorkerData {
  return { ...workerStart(dir, plugins), job };
}

/** One unit of work: a key's generator, or (robust jobs) its generator robust to the post-process `label`. */
export interface WorkUnit {
  readonly id: string;
  readonly label?: string;
}

/** A finished unit and its last end-of-epoch report. */
export interface UnitOutcome extends WorkUnit {
  readonly report: Readonly<Record<string, number>>;
}

/** What a unit worker tells the parent while it trains: a training event, or a unit's saved progress. */
export type UnitNote =
  | { readonly type: 'event'; readonly event: TrainingEvent }
  | { readonly type: 'progress'; readonly unit: string; readonly progress: UnitProgress };

/** How messages name a unit. */
export function describeUnit(unit: WorkUnit): string {
  return unit.label === undefined ? `generator of ${unit.id}` : `generator of ${unit.id} robust to ${unit.label}`;
}

/** What the parent does with what its workers report; each call is awaited before the next. */
export interface UnitWorkerHandlers<O extends UnitOutcome> {
  onEvent?(event: TrainingEvent): void;
  onProgress(unit: string, progress: UnitProgress): Promise<void>;
  onDone(outcome: O): Promise<void>;
}

/**
 * Trains the job's units in `data` in `count` worker threads (training-thread.ts), each with its own
 * backend and run session; a worker takes the next unit when it finishes one. `units` is a list,
 * or a TaskQueue that may still grow. Reports are handled one at a time, in arrival
 * order. The first failure stops every worker and rejects with a one-line error naming its unit;
 * finished units stay finished.
 */
export async function trainInWorkers<O extends UnitOutcome>(
  data: UnitWorkerData, units: readonly WorkUnit[] | TaskQueue<WorkUnit>, count: number, handlers: UnitWorkerHandlers<O>,
): Promise<void> {
  await runInWorkers<WorkUnit, UnitNote, O>('training-thread', data, units, count, describeUnit, {
    onNote: async (note) => {
      if (note.type === 'event') handlers.onEvent?.(note.event);
      else await handlers.onProgress(note.unit, note.progress);
    },
    onDone: (outcome) => handlers.onDone(outcome),
  });
}

/**
 * Trains a job's units elsewhere than in this process's threads, e.g. on a job queue served by
 * worker processes on other machines (package @attrib/queue). It calls `handlers` as
 * {@link trainInWorkers} does (one call at a time, in arrival order), resolves when every unit is
 * done and rejects with a one-line error naming the first unit that failed for good. `data` names
 * the run folder, the recorded job and this process's backend; the units are trained with
 * {@link openUnitTrainer}'s code, so that the results are those of threads.
 */
export interface UnitDispatcher {
  train<O extends UnitOutcome>(data: UnitWorkerData, units: readonly WorkUnit[], handlers: UnitWorkerHandlers<O>): Promise<void>;
}
