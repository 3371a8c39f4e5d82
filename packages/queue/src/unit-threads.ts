import type { Worker } from 'node:worker_threads';
import { startUnitThread, type FromPoolWorker, type RemoteNote, type RemoteThreadTask, type ToPoolWorker, type UnitNote, type UnitOutcome, type UnitTask } from '@attrib/core';

interface Slot {
  thread: Worker;
  busy: boolean;
}

/**
 * Long-lived unit threads of a queue worker (core's unit threads: the code that trains units in a
 * worker thread of one process), one unit each at a time. A thread that dies is replaced; its unit
 * fails with a one-line reason.
 */
export class UnitThreads {
  private readonly slots: Slot[];
  private closed = false;

  constructor(count: number) {
    this.slots = Array.from({ length: count }, () => ({ thread: startUnitThread(), busy: false }));
  }

  /** Trains `task` (or runs a remote task) in a free thread (the caller never asks for more units than there are threads). */
  run(task: UnitTask, onNote: (note: UnitNote) => void): Promise<UnitOutcome>;
  run(task: RemoteThreadTask, onNote: (note: RemoteNote) => void): Promise<unknown>;
  run(task: UnitTask | RemoteThreadTask, onNote: (note: never) => void): Promise<unknown> {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot || this.closed) return Promise.reject(new Error(this.closed ? 'the worker is closing' : 'no free unit thread'));
    slot.busy = true;
    const { thread } = slot;
    return new Promise<unknown>((resolveRun, rejectRun) => {
      const settle = (error: Error | undefined, outcome?: unknown): void => {
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
        slot.busy = false;
        if (error) rejectRun(error);
        else resolveRun(outcome!);
      };
      const onMessage = (message: FromPoolWorker<never, unknown>): void => {
        if (message.type === 'note') onNote(message.note);
        else if (message.type === 'done') settle(undefined, message.result);
        else settle(new Error(message.message));
      };
      const replace = (why: string): void => {
        if (!this.closed) slot.thread = startUnitThread();
        settle(new Error(why));
      };
      const onError = (error: Error): void => {
        void thread.terminate();
        replace(`its unit thread failed: ${error.message.split('\n')[0]}`);
      };
      const onExit = (code: number): void => replace(`its unit thread stopped (exit code ${code})`);
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
      thread.postMessage({ type: 'task', task } satisfies ToPoolWorker<UnitTask | RemoteThreadTask>);
    });
  }

  /** Stops every thread (a unit in hand is dropped: call it once the units are finished). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }
}
