import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PendingJob, UnitProgress } from '../../io/run-folder.js';
import type { PluginModule } from '../../plugins/host.js';
import { oneLine } from '../../util/one-line.js';
import type { TrainingEvent } from '../context.js';
import { workerStart, type WorkerStart } from './worker-session.js';

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

/** How messages name a unit. */
export function describeUnit(unit: WorkUnit): string {
  return unit.label === undefined ? `generator of ${unit.id}` : `generator of ${unit.id} robust to ${unit.label}`;
}

/** Parent to worker: train one unit. */
export interface ToUnitWorker {
  readonly type: 'train';
  readonly unit: WorkUnit;
}

/** Worker to parent: a training event, a unit's saved progress, a finished or failed unit. */
export type FromUnitWorker =
  | { readonly type: 'event'; readonly event: TrainingEvent }
  | { readonly type: 'progress'; readonly unit: string; readonly progress: UnitProgress }
  | { readonly type: 'done'; readonly outcome: UnitOutcome }
  | { readonly type: 'failed'; readonly unit: WorkUnit; readonly message: string };

/** What the parent does with what its workers report; each call is awaited before the next. */
export interface UnitWorkerHandlers<O extends UnitOutcome> {
  onEvent?(event: TrainingEvent): void;
  onProgress(unit: string, progress: UnitProgress): Promise<void>;
  onDone(outcome: O): Promise<void>;
}

const EXTENSION = extname(fileURLToPath(import.meta.url));

/**
 * Starts a worker thread on `module` of this folder (unit-worker, metric-worker). From the built
 * .js files Node runs it as it is; from the TypeScript sources (tsx, vitest) worker-loader.mjs
 * first registers tsx and the "source" export condition in the new thread, which inherits neither.
 */
export function startWorker(module: string, data: object): Worker {
  const entry = new URL(`./${module}${EXTENSION}`, import.meta.url);
  if (EXTENSION === '.js') return new Worker(entry, { workerData: data });
  return new Worker(new URL('./worker-loader.mjs', import.meta.url), { workerData: { ...data, entry: entry.href } });
}

/**
 * Units handed out as they come: `push` adds one, `close` says no more will come, and `take`
 * waits for the next (undefined once closed and empty).
 */
export class UnitQueue {
  private readonly units: WorkUnit[] = [];
  private readonly takers: Array<(unit: WorkUnit | undefined) => void> = [];
  private closed = false;

  constructor(units: readonly WorkUnit[] = []) {
    this.units.push(...units);
  }

  push(unit: WorkUnit): void {
    if (this.closed) throw new Error(`no unit can be added after the queue is closed (${describeUnit(unit)})`);
    const taker = this.takers.shift();
    if (taker) taker(unit);
    else this.units.push(unit);
  }

  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  take(): Promise<WorkUnit | undefined> {
    const unit = this.units.shift();
    if (unit !== undefined || this.closed) return Promise.resolve(unit);
    return new Promise((resolveTake) => this.takers.push(resolveTake));
  }
}

/**
 * Trains the job's units in `data` in `count` worker threads, each with its own backend and run
 * session; a worker takes the next unit when it finishes one. `units` is a list, or a
 * {@link UnitQueue} that may still grow (the call ends when it is closed and drained). Reports are
 * handled in arrival order, one at a time, so the caller's manifest updates never overlap. The
 * first failure stops every worker and rejects with a one-line error naming its unit; finished
 * units stay finished.
 */
export async function trainInWorkers<O extends UnitOutcome>(
  data: UnitWorkerData, units: readonly WorkUnit[] | UnitQueue, count: number, handlers: UnitWorkerHandlers<O>,
): Promise<void> {
  const waiting = units instanceof UnitQueue ? units : new UnitQueue(units);
  if (!(units instanceof UnitQueue)) {
    waiting.close();
    count = Math.min(count, units.length);
  }
  let handled: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  const workers: Worker[] = [];
  const failed = (unit: WorkUnit | undefined, why: string): Error => new Error(`${unit ? describeUnit(unit) : 'no unit'} failed: ${why}`);

  const run = (worker: Worker): Promise<void> =>
    new Promise<void>((resolveRun) => {
      let current: WorkUnit | undefined;
      let finished = false;
      const finish = (error?: Error): void => {
        if (finished) return;
        finished = true;
        if (error && !failure) {
          failure = error;
          for (const other of workers) void other.terminate();
        }
        void worker.terminate().then(() => resolveRun());
      };
      const next = (): void => {
        current = undefined;
        if (failure) return finish();
        void waiting.take().then((unit) => {
          current = failure ? undefined : unit;
          if (current === undefined) finish();
          else worker.postMessage({ type: 'train', unit: current } satisfies ToUnitWorker);
        });
      };
      const handle = async (message: FromUnitWorker): Promise<void> => {
        if (finished) return;
        switch (message.type) {
          case 'event':
            handlers.onEvent?.(message.event);
            break;
          case 'progress':
            await handlers.onProgress(message.unit, message.progress);
            break;
          case 'done':
            await handlers.onDone(message.outcome as O);
            next();
            break;
          case 'failed':
            finish(failed(message.unit, message.message));
            break;
        }
      };
      worker.on('message', (message: FromUnitWorker) => {
        handled = handled.then(() => handle(message)).catch((error: Error) => finish(error));
      });
      worker.on('error', (error) => {
        handled = handled.then(() => finish(failed(current, oneLine(error))));
      });
      worker.on('exit', (code) => {
        handled = handled.then(() => finish(finished || code === 0 ? undefined : failed(current, `its worker thread stopped (exit code ${code})`)));
      });
      next();
    });

  const runs: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const worker = startWorker('unit-worker', data);
    workers.push(worker);
    runs.push(run(worker));
  }
  await Promise.all(runs);
  await handled;
  if (failure) throw failure;
}
