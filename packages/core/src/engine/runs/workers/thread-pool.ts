import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { oneLine } from '../../../util/one-line.js';

/** Parent to worker: do one task. */
export interface ToPoolWorker<T> {
  readonly type: 'task';
  readonly task: T;
}

/** Worker to parent: a note on the task in hand (events, progress), its result, or its failure. */
export type FromPoolWorker<N, R> =
  | { readonly type: 'note'; readonly note: N }
  | { readonly type: 'done'; readonly result: R }
  | { readonly type: 'failed'; readonly message: string };

/**
 * Tasks handed out as they come: `push` adds one, `close` says no more will come, and `take`
 * waits for the next (undefined once closed and empty).
 */
export class TaskQueue<T> {
  private readonly tasks: T[] = [];
  private readonly takers: Array<(task: T | undefined) => void> = [];
  private closed = false;

  constructor(tasks: readonly T[] = []) {
    this.tasks.push(...tasks);
  }

  push(task: T): void {
    if (this.closed) throw new Error('no task can be added after the queue is closed');
    const taker = this.takers.shift();
    if (taker) taker(task);
    else this.tasks.push(task);
  }

  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  take(): Promise<T | undefined> {
    const task = this.tasks.shift();
    if (task !== undefined || this.closed) return Promise.resolve(task);
    return new Promise((resolveTake) => this.takers.push(resolveTake));
  }
}

/** What the parent does with what its workers report; each call is awaited before the next. */
export interface PoolHandlers<T, N, R> {
  onNote?(note: N, task: T): void | Promise<void>;
  onDone(result: R, task: T): Promise<void>;
  /** Aborting stops every thread at once, mid-task; the call then resolves (tasks not done are dropped). */
  readonly signal?: AbortSignal;
}

const EXTENSION = extname(fileURLToPath(import.meta.url));

/**
 * Starts a worker thread on `module` of this folder (training-thread, metric-thread, unit-thread). From the built
 * .js files Node runs it as it is; from the TypeScript sources (tsx, vitest) thread-loader.mjs
 * first registers tsx and the "source" export condition in the new thread, which inherits neither.
 */
export function startThread(module: string, data: object): Worker {
  const entry = new URL(`./${module}${EXTENSION}`, import.meta.url);
  if (EXTENSION === '.js') return new Worker(entry, { workerData: data });
  return new Worker(new URL('./thread-loader.mjs', import.meta.url), { workerData: { ...data, entry: entry.href } });
}

/**
 * Runs `tasks` in `count` worker threads on `module` (each started with `data`); a thread takes
 * the next task when it finishes one. `tasks` is a list, or a {@link TaskQueue} that may still
 * grow (the call ends when it is closed and drained). Reports are handled in arrival order, one
 * at a time, so the caller's manifest updates never overlap. The first failure stops every
 * thread and rejects with a one-line error, `<describe(task)> failed: <why>`; finished tasks stay
 * finished.
 */
export async function runInWorkers<T, N, R>(
  module: string, data: object, tasks: readonly T[] | TaskQueue<T>, count: number,
  describe: (task: T) => string, handlers: PoolHandlers<T, N, R>,
): Promise<void> {
  const queue = tasks instanceof TaskQueue ? tasks : new TaskQueue(tasks);
  if (!(tasks instanceof TaskQueue)) {
    queue.close();
    count = Math.min(count, tasks.length);
  }
  let handled: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  const workers: Worker[] = [];
  const failed = (task: T | undefined, why: string): Error => new Error(`${task === undefined ? 'no task' : describe(task)} failed: ${why}`);
  const aborted = (): boolean => handlers.signal?.aborted === true;

  const run = (worker: Worker): Promise<void> =>
    new Promise<void>((resolveRun) => {
      let current: T | undefined;
      let finished = false;
      const finish = (error?: Error): void => {
        if (finished) return;
        finished = true;
        if (error && !failure && !aborted()) {
          failure = error;
          for (const other of workers) void other.terminate();
        }
        void worker.terminate().then(() => resolveRun());
      };
      const next = (): void => {
        current = undefined;
        if (failure || aborted()) return finish();
        void queue.take().then((task) => {
          current = failure || aborted() ? undefined : task;
          if (current === undefined) finish();
          else worker.postMessage({ type: 'task', task: current } satisfies ToPoolWorker<T>);
        });
      };
      const handle = async (message: FromPoolWorker<N, R>): Promise<void> => {
        if (finished || current === undefined) return;
        switch (message.type) {
          case 'note':
            await handlers.onNote?.(message.note, current);
            break;
          case 'done':
            await handlers.onDone(message.result, current);
            next();
            break;
          case 'failed':
            finish(failed(current, message.message));
            break;
        }
      };
      worker.on('message', (message: FromPoolWorker<N, R>) => {
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
  for (let i = 0; i < count && !aborted(); i++) {
    const worker = startThread(module, data);
    workers.push(worker);
    runs.push(run(worker));
  }
  const abort = (): void => {
    queue.close();
    for (const worker of workers) void worker.terminate();
  };
  handlers.signal?.addEventListener('abort', abort, { once: true });
  try {
    await Promise.all(runs);
    await handled;
  } finally {
    handlers.signal?.removeEventListener('abort', abort);
  }
  if (failure) throw failure;
}

/**
 * The worker side: does the tasks the parent sends, one at a time, with `perform` (which may send
 * notes on the task in hand), and answers each with its result or a one-line failure.
 */
export function serveTasks<T, N, R>(perform: (task: T, note: (note: N) => void) => Promise<R>): void {
  const port = parentPort!;
  const send = (message: FromPoolWorker<N, R>): void => port.postMessage(message);
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (message: ToPoolWorker<T>) => {
    queue = queue.then(async () => {
      try {
        send({ type: 'done', result: await perform(message.task, (note) => send({ type: 'note', note })) });
      } catch (error) {
        send({ type: 'failed', message: oneLine(error) });
      }
    });
  });
}
