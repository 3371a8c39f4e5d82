import * as tf from '@tensorflow/tfjs-core';
import type { PluginModule } from '../../../plugins/host.js';
import type { KeyRootSamples } from '../../key-stage.js';
import type { KeyStageOptions } from '../../../contracts/stage-options.js';
import { runInWorkers, TaskQueue } from './thread-pool.js';
import { workerStart, type WorkerStart } from './thread-session.js';

/** What the worker thread (root-images-thread.ts) starts with. */
export interface KeyRootWorkerData extends WorkerStart {
  readonly options: Pick<KeyStageOptions, 'batchSize' | 'stepsPerEpoch'>;
}

/** One epoch of a key's training attempt: the worker's unit of work. */
export interface KeyRootEpoch {
  readonly keyId: string;
  readonly attempt: number;
  readonly epoch: number;
}

/** The root's images of one step, as the worker sends them. */
export interface KeyRootBatch {
  readonly step: number;
  readonly shape: [number, number, number, number];
  readonly values: Float32Array;
}

/**
 * Bytes of images made and not yet taken above which the worker is handed no further epoch
 * (it finishes the one in hand). 512 MiB: the demo's four keys take 252 MB.
 */
export const KEY_ROOT_BUDGET = 512 * 1024 * 1024;

/** Where a key's training stands: its attempt (default 1) and the epochs of it already done (default 0). */
export interface KeyStart {
  readonly keyId: string;
  readonly attempt?: number | undefined;
  readonly epochsDone?: number | undefined;
}

/** The epochs each key still has to train, in training order. */
export function keyRootPlan(keys: readonly KeyStart[], epochs: number): KeyRootEpoch[] {
  return keys.flatMap(({ keyId, attempt = 1, epochsDone = 0 }) =>
    Array.from({ length: Math.max(0, epochs - epochsDone) }, (_, i) => ({ keyId, attempt, epoch: epochsDone + i })));
}

interface EpochEntry {
  readonly batches: Map<number, KeyRootBatch>;
  finished: boolean;
  /** Wakes a `take` waiting for this epoch's next batch. */
  wake?: () => void;
}

const labelOf = ({ keyId, attempt, epoch }: KeyRootEpoch): string => `${keyId}/attempt-${attempt}/epoch-${epoch}`;

/**
 * The key stage's root images made ahead in one worker thread, epoch by epoch in the order of
 * `plan`, while this thread does other work (the first stage). `take` hands over a step's images
 * as soon as they are made; what is not in the plan, or was skipped (a resumed key starts at a
 * later epoch), the key stage makes itself. A failing worker is logged and the stage makes the
 * rest itself: the images are the same either way.
 */
export class KeyRootAhead implements KeyRootSamples {
  private readonly entries = new Map<string, EpochEntry>();
  private readonly queue = new TaskQueue<KeyRootEpoch>();
  private readonly abort = new AbortController();
  private readonly working: Promise<void>;
  private next = 0;
  private bytes = 0;
  private inFlight = false;
  private stopped = false;

  constructor(
    dir: string, plugins: readonly PluginModule[], options: Pick<KeyStageOptions, 'batchSize' | 'stepsPerEpoch'>,
    private readonly plan: readonly KeyRootEpoch[], log?: (line: string) => void, private readonly budget = KEY_ROOT_BUDGET,
  ) {
    const data: KeyRootWorkerData = { ...workerStart(dir, plugins), options: { batchSize: options.batchSize, stepsPerEpoch: options.stepsPerEpoch } };
    const describe = (task: KeyRootEpoch): string => `root images of ${task.keyId} epoch ${task.epoch + 1}`;
    this.working = runInWorkers<KeyRootEpoch, KeyRootBatch, number>('root-images-thread', data, this.queue, 1, describe, {
      onNote: (batch, task) => this.received(task, batch),
      onDone: async (_steps, task) => this.finished(task),
      signal: this.abort.signal,
    }).catch((error: Error) => {
      if (!this.stopped) log?.(`${error.message}; the keys stage makes the rest itself`);
      this.halt();
    });
    this.pump();
  }

  async take(keyId: string, attempt: number, epoch: number, step: number): Promise<tf.Tensor4D | undefined> {
    const index = this.plan.findIndex((e) => e.keyId === keyId && e.attempt === attempt && e.epoch === epoch);
    if (index < 0 || this.stopped) return undefined;
    this.dropBefore(index);
    const entry = this.entries.get(labelOf(this.plan[index]!));
    if (!entry) {
      // Not handed to the worker yet: this epoch is made here, the worker moves on past it.
      this.next = Math.max(this.next, index + 1);
      this.pump();
      return undefined;
    }
    while (!entry.batches.has(step) && !entry.finished && !this.stopped) await new Promise<void>((wake) => (entry.wake = wake));
    const batch = entry.batches.get(step);
    if (!batch || this.stopped) return undefined;
    entry.batches.delete(step);
    this.bytes -= batch.values.byteLength;
    this.pump();
    return tf.tensor(batch.values, batch.shape) as tf.Tensor4D;
  }

  /** Stops the worker (mid-epoch if need be) and drops what it made. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.halt();
    await this.working;
  }

  private received(task: KeyRootEpoch, batch: KeyRootBatch): void {
    const entry = this.entries.get(labelOf(task));
    if (!entry || this.stopped) return;
    entry.batches.set(batch.step, batch);
    this.bytes += batch.values.byteLength;
    entry.wake?.();
  }

  private finished(task: KeyRootEpoch): void {
    this.inFlight = false;
    const entry = this.entries.get(labelOf(task));
    if (entry) {
      entry.finished = true;
      entry.wake?.();
    }
    this.pump();
  }

  /** Hands the worker the next epoch of the plan when it is idle and the budget allows; closes the queue at the plan's end. */
  private pump(): void {
    if (this.stopped || this.inFlight) return;
    if (this.next >= this.plan.length) return this.queue.close();
    if (this.bytes >= this.budget) return;
    const task = this.plan[this.next++]!;
    this.entries.set(labelOf(task), { batches: new Map(), finished: false });
    this.inFlight = true;
    this.queue.push(task);
  }

  /** Frees the epochs before plan entry `index`: training has gone past them. */
  private dropBefore(index: number): void {
    for (let i = 0; i < index; i++) {
      const label = labelOf(this.plan[i]!);
      const entry = this.entries.get(label);
      if (!entry) continue;
      for (const batch of entry.batches.values()) this.bytes -= batch.values.byteLength;
      this.entries.delete(label);
    }
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.close();
    for (const entry of this.entries.values()) entry.wake?.();
    this.entries.clear();
    this.bytes = 0;
  }
}
