import type { TrainingEvent } from '../../context.js';
import type { EvaluationPlan } from '../evaluation-subjects.js';
import type { PostProcessRequest } from '../train-robust.js';
import type { BaseInfo, StudyCell } from '../../../study/plan.js';
import type { StudyBase, StudyConfig } from '../../../study/config.js';
import type { PoolMethod } from '../../../collusion/pool.js';
import type { StudyRow } from '../../../study/study-file.js';
import type { MetricTask } from './metric-threads.js';

/**
 * Work beyond training units that a command can hand to another process (a queue worker on
 * another machine, package @attrib/queue): a metric or a part of one (`evaluate`), a study cell
 * or one collusion measurement of a study (`study`), a registry user's keyed generator
 * (`registry add --count`). A task is plain JSON
 * naming folders every worker mounts at the same path, never key vectors or weights; it is run
 * with the code the command runs it with here, so the results are the same.
 */
export type RemoteTask =
  | {
    readonly kind: 'metric';
    /** The run folder. */
    readonly dir: string;
    readonly plan: EvaluationPlan;
    readonly postProcess?: PostProcessRequest | undefined;
    readonly task: MetricTask;
    /** When the evaluation began: a later evaluation of the same run is another task (its generators may have changed). */
    readonly requestedAt: string;
  }
  | {
    readonly kind: 'study-cell';
    /** The study folder (OUT). */
    readonly dir: string;
    readonly cell: StudyCell;
    /** The run the cell forks: its base, or the study's key run of its base and angle (prepared by the command). */
    readonly source: string;
    readonly config: StudyConfig;
    readonly info: BaseInfo;
    /** The quality of the cell's generators when an earlier plain cell of its base and angle measured it. */
    readonly plainQuality?: Pick<StudyRow, 'l2' | 'psnr' | 'ssim' | 'fid'> | undefined;
  }
  | {
    readonly kind: 'study-collusion';
    /** The study folder (OUT). */
    readonly dir: string;
    /** The base whose first `k` keys collude; measured in its fork DIR/collusion/<base> (made by the command). */
    readonly base: StudyBase;
    readonly config: StudyConfig;
    readonly pool: PoolMethod;
    readonly k: number;
  }
  | {
    readonly kind: 'registry-generator';
    /** The registry folder. */
    readonly dir: string;
    readonly user: string;
    readonly key: string;
  };

/** What a remote task reports while it runs. */
export type RemoteNote =
  | { readonly type: 'event'; readonly event: TrainingEvent }
  | { readonly type: 'metric'; readonly metric: string; readonly done: number; readonly total: number }
  | { readonly type: 'log'; readonly line: string };

/** How messages name a task. */
export function describeTask(task: RemoteTask): string {
  switch (task.kind) {
    case 'metric':
      return task.task.part ? `metric ${task.task.metric} part ${task.task.part.index + 1}/${task.task.part.count}` : `metric ${task.task.metric}`;
    case 'study-cell':
      return `study cell ${task.cell.id}`;
    case 'study-collusion':
      return `study collusion ${task.base.label}/${task.pool}/k${task.k}`;
    case 'registry-generator':
      return `generator of user ${task.user} (${task.key})`;
  }
}

/** The folder a process must see to run `task` (the run, the study, the registry). */
export function taskFolder(task: RemoteTask): string {
  return task.dir;
}

/** What the parent does with a dispatcher's reports; each call is awaited before the next. */
export interface RemoteTaskHandlers<R> {
  onNote?(note: RemoteNote, index: number): void | Promise<void>;
  onDone(result: R, index: number): Promise<void>;
}

/** The command's TensorFlow.js backend and `PROD` flag, for the remote process to use the same. */
export interface RemoteStart {
  readonly backend: string;
  readonly prod: boolean;
}

/**
 * Runs remote tasks elsewhere than in this process (see {@link RemoteTask}), e.g. on a job
 * queue. `tasks` is a list, or a stream the caller still makes (each task is sent as it comes).
 * Resolves when the stream has ended and every task is done, calling `onDone` with each task's
 * result (the value `performTask` returned, with its numbers unchanged) and its index in
 * `tasks`; rejects with `<task> failed: <reason>` for the first task that failed for good, or
 * with the stream's error.
 */
export interface TaskDispatcher {
  run<R>(start: RemoteStart, tasks: readonly RemoteTask[] | AsyncIterable<RemoteTask>, handlers: RemoteTaskHandlers<R>): Promise<void>;
}
