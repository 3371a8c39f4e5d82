import type { QueueWorker } from './worker.js';

/**
 * Closes `worker` on SIGTERM or SIGINT: it takes no more units and finishes the units in hand;
 * a second signal hands them back at once (another worker takes them up again). Resolves once the
 * worker is closed.
 */
export function closeOnSignals(worker: QueueWorker, log: (line: string) => void = () => undefined): Promise<void> {
  return new Promise((resolveClosed, rejectClosed) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        log(`${signal}: finishing the units in hand, taking no more`);
        worker.close().then(done, rejectClosed);
      } else {
        log(`${signal} again: handing the units in hand back to the queue`);
        worker.close(true).then(done, rejectClosed);
      }
    };
    const done = (): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolveClosed();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
