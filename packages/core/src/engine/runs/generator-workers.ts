import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { UnitProgress } from '../../io/run-folder.js';
import type { PluginModule } from '../../plugins/host.js';
import { oneLine } from '../../util/one-line.js';
import type { TrainingEvent } from '../context.js';
import type { GeneratorOutcome } from './generator-unit.js';

/** What every worker thread of the generators stage starts with. */
export interface GeneratorWorkerData {
  /** The run folder (absolute). */
  readonly dir: string;
  /** The parent's TensorFlow.js backend, selected again by name in the worker. */
  readonly backend: string;
  /** The parent's tfjs `PROD` flag (true: no console banners). */
  readonly prod: boolean;
  /** The parent's plugins, registered again in the worker. */
  readonly plugins: readonly PluginModule[];
  /** The job's stage options. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Parent to worker: train the generator of one key. */
export interface ToGeneratorWorker {
  readonly type: 'train';
  readonly id: string;
}

/** Worker to parent: a training event, a unit's saved progress, a finished or failed key. */
export type FromGeneratorWorker =
  | { readonly type: 'event'; readonly event: TrainingEvent }
  | { readonly type: 'progress'; readonly unit: string; readonly progress: UnitProgress }
  | { readonly type: 'done'; readonly outcome: GeneratorOutcome }
  | { readonly type: 'failed'; readonly id: string; readonly message: string };

/** What the parent does with what its workers report; each call is awaited before the next. */
export interface GeneratorWorkerHandlers {
  onEvent?(event: TrainingEvent): void;
  onProgress(unit: string, progress: UnitProgress): Promise<void>;
  onDone(outcome: GeneratorOutcome): Promise<void>;
}

const EXTENSION = extname(fileURLToPath(import.meta.url));

/**
 * Starts a worker on generator-worker's module. From the built .js files Node runs it as it is;
 * from the TypeScript sources (tsx, vitest) worker-loader.mjs first registers tsx and the
 * "source" export condition in the new thread, which inherits neither.
 */
function startWorker(data: GeneratorWorkerData): Worker {
  const entry = new URL(`./generator-worker${EXTENSION}`, import.meta.url);
  if (EXTENSION === '.js') return new Worker(entry, { workerData: data });
  return new Worker(new URL('./worker-loader.mjs', import.meta.url), { workerData: { ...data, entry: entry.href } });
}

/**
 * Trains the generators of `keys` in `count` worker threads, each with its own backend and run
 * session; a worker takes the next key when it finishes one. Reports are handled in arrival order,
 * one at a time, so the caller's manifest updates never overlap. The first failure stops every
 * worker and rejects with a one-line error naming its key; finished keys stay finished.
 */
export async function trainInWorkers(data: GeneratorWorkerData, keys: readonly string[], count: number, handlers: GeneratorWorkerHandlers): Promise<void> {
  const waiting = [...keys];
  let handled: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  const workers: Worker[] = [];

  const run = (worker: Worker): Promise<void> =>
    new Promise<void>((resolveRun) => {
      let current: string | undefined;
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
        current = failure ? undefined : waiting.shift();
        if (current === undefined) finish();
        else worker.postMessage({ type: 'train', id: current } satisfies ToGeneratorWorker);
      };
      const handle = async (message: FromGeneratorWorker): Promise<void> => {
        if (finished) return;
        switch (message.type) {
          case 'event':
            handlers.onEvent?.(message.event);
            break;
          case 'progress':
            await handlers.onProgress(message.unit, message.progress);
            break;
          case 'done':
            await handlers.onDone(message.outcome);
            next();
            break;
          case 'failed':
            finish(new Error(`generator of ${message.id} failed: ${message.message}`));
            break;
        }
      };
      worker.on('message', (message: FromGeneratorWorker) => {
        handled = handled.then(() => handle(message)).catch((error: Error) => finish(error));
      });
      worker.on('error', (error) => {
        handled = handled.then(() => finish(new Error(`generator of ${current ?? 'no key'} failed: ${oneLine(error)}`)));
      });
      worker.on('exit', (code) => {
        handled = handled.then(() => finish(finished || code === 0 ? undefined : new Error(`generator of ${current ?? 'no key'} failed: its worker thread stopped (exit code ${code})`)));
      });
      next();
    });

  const runs: Promise<void>[] = [];
  for (let i = 0; i < Math.min(count, keys.length); i++) {
    const worker = startWorker(data);
    workers.push(worker);
    runs.push(run(worker));
  }
  await Promise.all(runs);
  await handled;
  if (failure) throw failure;
}
